"""Replay scenarios shared by the silent-drift hidden checks.

Each scenario starts the candidate's service fresh in its own sandbox, with a webhook sink on the
service's loopback, drives it through phases of seeded traffic via the trusted prober and keeps
what came back: answers, alerts per phase, metrics scrapes. Checks only read these records.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from live import Live, Phase, json_body, post_raw
from traffic import Traffic, scoring_requests

from harness.grading import Grading, HttpRequest, HttpResponse

#: Share of a latency round's requests a service must answer for its latency to count.
ANSWERED_SHARE = 0.9
#: Where the unready runs point MODEL_PATH; the corrupt run plants there the first half of the
#: kit's model (an upload cut short: loading it fails at once, with no large allocation).
UNUSABLE_MODEL = "model/unusable-model.joblib"
KIT_MODEL = "starter/model/model.joblib"

#: Invalid requests: what is wrong, the field a clear answer names ("" when none applies), the body.
INVALID: list[tuple[str, str, bytes]] = [
    ("a required field is missing", "income", b"drop:income"),
    ("a number sent as text", "income", b'set:income:"lots"'),
    ("a negative amount", "loan_amount", b"set:loan_amount:-5000"),
    ("an impossible age", "age", b"set:age:300"),
    ("a loan term the bank does not offer", "loan_term_months", b"set:loan_term_months:7"),
    ("a loan term inside the offered range but not offered", "loan_term_months", b"set:loan_term_months:30"),
    ("a fraction where the contract says integer", "age", b"set:age:41.5"),
    ("NaN as a number", "debt_to_income", b"set:debt_to_income:NaN"),
    ("a body that is not JSON", "", b"raw:{not json"),
    ("a JSON list instead of an object", "", b"raw:[1, 2, 3]"),
    ("an empty body", "", b"raw:"),
]


def invalid_body(template: bytes, valid: dict[str, Any]) -> bytes:
    kind, _, rest = template.decode().partition(":")
    if kind == "raw":
        return rest.encode()
    if kind == "drop":
        return json_body({k: v for k, v in valid.items() if k != rest})
    name, _, raw_value = rest.partition(":")
    return json_body(valid | {name: "__VALUE__"}).replace(b'"__VALUE__"', raw_value.encode())


@dataclass
class DriftRun:
    """Scenario A: a long clean replay; an abrupt shift in one feature that ends, clean traffic for it
    to recover in, the same shift again lasting long (one episode); then invalid input."""

    live: Live
    scrapes: dict[str, str | None] = field(default_factory=dict)
    invalid_answers: list[HttpResponse] = field(default_factory=list)
    health: HttpResponse | None = None
    ready: HttpResponse | None = None
    alive_after_invalid: HttpResponse | None = None

    @property
    def clean(self) -> Phase:
        return self.live.phases["clean"]


def _params(grading: Grading, name: str) -> dict[str, Any]:
    value: dict[str, Any] = grading.params[name]
    return value


@pytest.fixture(scope="session")
def traffic(grading: Grading) -> Traffic:
    return Traffic(grading.kit_module("starter/datagen.py"), int(grading.params["replay_seed"]))


@pytest.fixture(scope="session")
def clean_replay(grading: Grading, traffic: Traffic) -> list[dict[str, Any]]:
    return traffic.clean(int(grading.params["clean_requests"]))


@pytest.fixture(scope="session")
def drift_run(grading: Grading, traffic: Traffic, clean_replay: list[dict[str, Any]]) -> Iterator[DriftRun]:
    abrupt, episode = _params(grading, "abrupt"), _params(grading, "episode")
    run = DriftRun(Live(grading, "drift"))
    live = run.live
    run.scrapes["start"] = live.metrics_text()
    live.phase("clean", scoring_requests(clean_replay))
    run.scrapes["clean"] = live.metrics_text()
    feature, add, deadline = abrupt["feature"], abrupt["add"], abrupt["deadline_requests"]
    live.phase("abrupt", scoring_requests(traffic.shifted(deadline, feature, add)), alerts="expected")
    # Watched to its end, so a late alert of the first shift is never taken for one of the second.
    live.phase("recovery", scoring_requests(traffic.clean(episode["recovery_requests"])))
    again = traffic.shifted(deadline + episode["lasting_requests"], feature, add)
    live.phase("shifted_again", scoring_requests(again[:deadline]), alerts="expected")
    live.phase("lasting", scoring_requests(again[deadline:]))
    run.scrapes["abrupt"] = live.metrics_text()
    valid = traffic.clean(1)[0]
    requests = [post_raw(invalid_body(template, valid)) for _, _, template in INVALID]
    run.invalid_answers = live.send(requests)
    run.scrapes["invalid"] = live.metrics_text()
    live.phase("valid_after_invalid", scoring_requests(traffic.clean(5)), alerts="ignore")
    run.scrapes["valid"] = live.metrics_text()
    run.health, run.ready = live.get("/health", "/ready")
    yield run
    live.stop()


@pytest.fixture(scope="session")
def gradual_run(grading: Grading, traffic: Traffic) -> Iterator[Live]:
    gradual = _params(grading, "gradual")
    live = Live(grading, "gradual")
    live.phase("lead_in", scoring_requests(traffic.clean(gradual["lead_in"])))
    ramp = traffic.ramp(gradual["ramp_requests"], gradual["feature"], gradual["final_factor"])
    due = int(gradual["crossing"] * gradual["ramp_requests"]) + gradual["deadline_requests"]
    live.phase("ramp", scoring_requests(ramp[:due]), alerts="expected")
    yield live
    live.stop()


@pytest.fixture(scope="session")
def unit_run(grading: Grading, traffic: Traffic) -> Iterator[Live]:
    units = _params(grading, "unit_change")
    live = Live(grading, "unit-change")
    live.phase("lead_in", scoring_requests(traffic.clean(units["lead_in"])))
    changed = traffic.rescaled(units["deadline_requests"] + units["after_requests"], units["feature"], units["factor"])
    live.phase("changed", scoring_requests(changed[: units["deadline_requests"]]), alerts="expected")
    live.phase("changed_after", scoring_requests(changed[units["deadline_requests"] :]), alerts="ignore")
    yield live
    live.stop()


@dataclass
class Unready:
    """What a service started without a usable model answered: /health, /ready, one /score."""

    health: HttpResponse
    ready: HttpResponse
    scored: HttpResponse


def _truncated(grading: Grading) -> bytes:
    model = (grading.exercise_dir / KIT_MODEL).read_bytes()
    return model[: len(model) // 2]


def _unready(grading: Grading, traffic: Traffic, label: str, files: dict[str, bytes]) -> Unready:
    live = Live(grading, label, env={"MODEL_PATH": UNUSABLE_MODEL}, files=files)
    try:
        health, ready = live.get("/health", "/ready")
        return Unready(health, ready, live.send(scoring_requests(traffic.clean(1)))[0])
    finally:
        live.stop()


@pytest.fixture(scope="session")
def unready_runs(grading: Grading, traffic: Traffic) -> dict[str, Unready]:
    """The service started with MODEL_PATH naming a file that does not exist, then one that is not a
    model (a truncated upload): readiness must follow the model actually loaded, not the file."""
    return {
        "missing": _unready(grading, traffic, "no-model", {}),
        "corrupt": _unready(grading, traffic, "corrupt-model", {UNUSABLE_MODEL: _truncated(grading)}),
    }


@dataclass
class Round:
    """One measurement of request latencies (seconds) of the candidate's service and the starter."""

    monitored: list[float]
    baseline: list[float]
    sent: int

    def answered(self, latencies: list[float]) -> bool:
        return len(latencies) >= ANSWERED_SHARE * self.sent

    @property
    def ratio(self) -> float:
        """Median over median: on a loaded machine the tail is the scheduler's, the median is the work."""
        return statistics.median(self.monitored) / statistics.median(self.baseline)


def _round(monitored: Live, baseline: Live, requests: list[HttpRequest], chunk: int, warmup: int) -> Round:
    """The two services answer the same requests in alternating chunks, so whatever else loads the
    machine weighs on both alike; the first `warmup` requests are not timed."""
    result = Round([], [], 0)
    for start in range(0, len(requests), chunk):
        for live, kept in ((monitored, result.monitored), (baseline, result.baseline)):
            answers = live.send(requests[start : start + chunk])
            if start >= warmup:
                kept += [a.elapsed_s for a in answers if a.status == 200]
        result.sent += len(requests[start : start + chunk]) if start >= warmup else 0
    return result


@pytest.fixture(scope="session")
def latencies(grading: Grading, clean_replay: list[dict[str, Any]], drift_run: DriftRun) -> list[Round]:
    """Rounds of the latency comparison: one, plus up to `rounds` - 1 repeats while the ratio is
    over the limit, since one slow round on a shared machine proves nothing. A round where the
    starter itself did not answer is inconclusive and repeated; none conclusive is a grader error."""
    overhead = _params(grading, "overhead")
    baseline = Live(grading, "starter-baseline", of="starter")
    requests = scoring_requests(clean_replay[: overhead["requests"]])
    rounds: list[Round] = []
    for _ in range(overhead["rounds"]):
        measured = _round(drift_run.live, baseline, requests, overhead["chunk"], overhead["warmup"])
        if measured.answered(measured.baseline):
            rounds.append(measured)
            if not measured.answered(measured.monitored) or measured.ratio <= overhead["max_median_ratio"]:
                break
    baseline.stop()
    if not rounds:
        raise RuntimeError("the unmonitored starter did not answer the latency baseline's requests")
    return rounds
