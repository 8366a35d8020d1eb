"""Monitoring: what the service exposes at /metrics, and what monitoring costs."""

from __future__ import annotations

import contextlib
import statistics

from conftest import DriftRun, Latencies
from exposition import Scrape, counter_increases, histogram_growth

from harness.check.plugin import Grading

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


def monitoring_problem(run: DriftRun) -> str:
    """Why the service's metrics do not follow its traffic ("" when they do): canned numbers fail."""
    before, after = _scrape(run, "start"), _scrape(run, "clean")
    sent = len(run.clean.answers)
    if run.clean.share(200, 200) <= 0.99:
        return "the clean replay must be scored (200) to measure its metrics"
    rises = counter_increases(before, after)
    totals: dict[str, float] = {}
    for (family, _), rise in rises.items():
        totals[family] = totals.get(family, 0) + rise
    if not any(total >= sent for total in totals.values()):
        return f"no counter rose by the {sent} requests of the replay"
    probabilities = _returned_probabilities(run)
    growth = histogram_growth(before, after)
    scores = [
        name for name, (count, mean) in growth.items()
        if count >= sent and probabilities and abs(mean - statistics.fmean(probabilities)) <= MEAN_SCORE_TOLERANCE
    ]  # fmt: skip
    if not scores:
        return "no histogram of the predicted default probabilities (one observation per scored request)"
    latency_ceiling = statistics.fmean(a.elapsed_s for a in run.clean.answers)
    latencies = [
        name for name, (count, mean) in growth.items()
        if name not in scores and count >= sent and 0 < mean <= latency_ceiling
    ]  # fmt: skip
    if not latencies:
        return "no histogram of request latency in seconds (one observation per request)"
    return ""


def test_metrics_exposition(grading: Grading, drift_run: DriftRun) -> None:
    problem = monitoring_problem(drift_run)
    assert not problem, problem


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


def test_drift_gauges(grading: Grading, drift_run: DriftRun) -> None:
    shifted = grading.params["abrupt"]["feature"]
    features = set(grading.params["features"])
    before = _drift_gauges(_scrape(drift_run, "clean"), features)
    after = _drift_gauges(_scrape(drift_run, "abrupt"), features)
    assert after, "no gauge with one sample per input feature (a drift score per feature)"
    for name, values in after.items():
        others = max(v for f, v in values.items() if f != shifted)
        rose = values[shifted] > before.get(name, {}).get(shifted, 0.0)
        if rose and values[shifted] > others:
            return
    raise AssertionError(f"no per-feature gauge rose for {shifted} and singled it out after it shifted")


def test_monitoring_overhead(grading: Grading, drift_run: DriftRun, latencies: Latencies) -> None:
    overhead = grading.params["overhead"]
    problem = monitoring_problem(drift_run)
    assert not problem, f"no working monitoring to measure ({problem})"
    enough = latencies.sent * 0.9
    assert len(latencies.monitored) >= enough, "too many replay requests went unanswered to measure latency"
    assert len(latencies.baseline) >= enough, "the unmonitored baseline did not answer (not the candidate's fault)"
    ratio = _p95(latencies.monitored) / _p95(latencies.baseline)
    assert ratio <= overhead["max_p95_ratio"], (
        f"p95 latency is {ratio:.1f} times the unmonitored service's (at most {overhead['max_p95_ratio']})"
    )


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]
