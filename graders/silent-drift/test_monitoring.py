"""Monitoring: what the service exposes at /metrics, and what monitoring costs."""

from __future__ import annotations

import contextlib
import statistics

from conftest import DriftRun, Round
from exposition import Scrape, counter_increases, histogram_growth

from harness.grading import Grading, expect_none

MEAN_SCORE_TOLERANCE = 0.02


def _scrape(run: DriftRun, moment: str) -> Scrape:
    text = run.scrapes.get(moment)
    assert text is not None, f"GET /metrics did not answer 200 ({moment} of the replay)"
    try:
        return Scrape.parse(text)
    except ValueError as error:
        raise AssertionError(f"/metrics is not valid Prometheus text: {str(error)[:200]}") from None


def _returned_probabilities(run: DriftRun) -> list[float]:
    found = []
    for answer in run.clean.answers:
        if answer.status == 200:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                found.append(float(answer.json()["default_probability"]))
    return found


def monitoring_problems(run: DriftRun) -> list[str]:
    """Why the service's metrics do not follow its traffic (the first reason; none when they do):
    canned numbers fail."""
    before, after = _scrape(run, "start"), _scrape(run, "clean")
    sent = len(run.clean.answers)
    if run.clean.share(200, 200) <= 0.99:
        return ["the clean replay must be scored (200) to measure its metrics"]
    rises = counter_increases(before, after)
    totals: dict[str, float] = {}
    for (family, _), rise in rises.items():
        totals[family] = totals.get(family, 0) + rise
    if not any(total >= sent for total in totals.values()):
        return [f"no counter rose by the {sent} requests of the replay"]
    probabilities = _returned_probabilities(run)
    growth = histogram_growth(before, after)
    scores = [
        name for name, (count, mean) in growth.items()
        if count >= sent and probabilities and abs(mean - statistics.fmean(probabilities)) <= MEAN_SCORE_TOLERANCE
    ]  # fmt: skip
    if not scores:
        return ["no histogram of the predicted default probabilities (one observation per scored request)"]
    latency_ceiling = statistics.fmean(a.elapsed_s for a in run.clean.answers)
    latencies = [
        name for name, (count, mean) in growth.items()
        if name not in scores and count >= sent and 0 < mean <= latency_ceiling
    ]  # fmt: skip
    if not latencies:
        return ["no histogram of request latency in seconds (one observation per request)"]
    return []


def test_metrics_exposition(grading: Grading, drift_run: DriftRun) -> None:
    expect_none(monitoring_problems(drift_run))


def _drift_gauges(scrape: Scrape, features: set[str]) -> dict[str, dict[str, float]]:
    """Gauge families with one sample per input feature: family -> feature -> value."""
    found = {}
    for family in scrape.of_type("gauge"):
        by_feature = {
            value: sample.value for sample in family.samples for value in sample.labels.values() if value in features
        }
        if set(by_feature) == features:
            found[family.name] = by_feature
    return found


def _singled_out(shifted: str, before: dict[str, float], after: dict[str, float]) -> bool:
    """Whether the shifted feature's gauge moved and stands apart from every other feature's, either
    way up: a score that grows with drift (PSI) rises to the top, a p-value falls to the bottom."""
    others = [v for f, v in after.items() if f != shifted]
    old, new = before.get(shifted), after[shifted]
    rose = new > (old or 0.0) and new > max(others)
    fell = old is not None and new < old and new < min(others)
    return rose or fell


def test_drift_gauges(grading: Grading, drift_run: DriftRun) -> None:
    shifted = grading.params["abrupt"]["feature"]
    features = set(grading.params["features"])
    before = _drift_gauges(_scrape(drift_run, "clean"), features)
    after = _drift_gauges(_scrape(drift_run, "abrupt"), features)
    assert after, "no gauge with one sample per input feature (a drift score per feature)"
    assert any(_singled_out(shifted, before.get(name, {}), values) for name, values in after.items()), (
        f"no per-feature gauge moved for {shifted} and singled it out after it shifted"
    )


def test_monitoring_overhead(grading: Grading, latencies: list[Round]) -> None:
    limit = grading.params["overhead"]["max_median_ratio"]
    answered = [r for r in latencies if r.answered(r.monitored)]
    assert answered, "too many replay requests went unanswered to measure latency"
    ratios = [r.ratio for r in answered]
    assert min(ratios) <= limit, (
        f"median latency was {min(ratios):.1f} times the unmonitored service's or more in each of {len(ratios)} "
        f"measurements (at most {limit})"
    )
