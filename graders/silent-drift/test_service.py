"""Deployment basics of the service: bad input, health and readiness."""

from __future__ import annotations

from conftest import INVALID, DriftRun, Unready
from exposition import Scrape, counter_increases

from harness.grading import Grading


def test_invalid_input_rejected(grading: Grading, drift_run: DriftRun) -> None:
    for (what, field, _), answer in zip(INVALID, drift_run.invalid_answers, strict=True):
        assert 400 <= answer.status < 500, f"{what}: answered {answer.status or answer.error}, not a 4xx"
        if field:  # a body that is no JSON object at all has no field to name
            assert field in answer.body.decode("utf-8", "replace"), f"{what}: the answer does not name {field}"
    after = drift_run.live.phases["valid_after_invalid"]
    assert after.share(200, 200) == 1, "the service did not go on scoring valid applications after bad input"
    scrapes = [drift_run.scrapes.get(m) for m in ("abrupt", "invalid", "valid")]
    assert all(s is not None for s in scrapes), "no /metrics, so rejected requests are not counted"
    before, during, later = (Scrape.parse(s or "") for s in scrapes)
    # Children that rose with the bad requests and stayed put while valid ones were scored.
    rejected = counter_increases(before, during)
    steady = counter_increases(during, later)
    counted: dict[str, float] = {}
    for (family, labels), rise in rejected.items():
        if rise > 0 and steady.get((family, labels), 0) == 0:
            counted[family] = counted.get(family, 0) + rise
    assert any(total >= len(INVALID) for total in counted.values()), (
        f"no counter counts the {len(INVALID)} rejected requests (apart from valid ones)"
    )


def test_health_and_readiness(grading: Grading, drift_run: DriftRun, unready_runs: dict[str, Unready]) -> None:
    assert drift_run.health is not None and drift_run.health.status == 200, "GET /health must answer 200"
    assert drift_run.ready is not None and drift_run.ready.status == 200, "GET /ready must answer 200 when serving"
    missing = unready_runs["missing"]
    assert missing.health.status == 200, (
        "with MODEL_PATH pointing at a missing file, the process must stay alive (/health 200)"
    )
    assert missing.ready.status == 503, (
        f"with no model loaded, /ready must answer 503 (it answered {missing.ready.status or 'nothing'})"
    )
    assert missing.scored.status != 200, "with no model loaded, /score must not return a score"
    # A process that stops on a file that is no model is not ready either; only a 200 is wrong.
    corrupt = unready_runs["corrupt"]
    assert corrupt.ready.status != 200 and corrupt.scored.status != 200, (
        "with MODEL_PATH pointing at a file that is not a model, /ready answered "
        f"{corrupt.ready.status} and /score {corrupt.scored.status}: readiness must follow the model loaded, "
        "not the file's existence"
    )
