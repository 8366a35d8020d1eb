"""Monitoring: what the service exposes at /metrics, and what monitoring costs."""

from __future__ import annotations

import contextlib
import statistics

from conftest import DriftRun
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


def test_metrics_exposition(grading: Grading, drift_run: DriftRun) -> None:
    before, after = _scrape(drift_run, "start"), _scrape(drift_run, "clean")
    sent = len(drift_run.clean.answers)
    assert drift_run.clean.share(200, 200) > 0.99, "the clean replay must be scored (200) to measure its metrics"
    counted = {family for (family, _), rise in counter_increases(before, after).items() if rise > 0}
    totals = {f: sum(r for (g, _), r in counter_increases(before, after).items() if g == f) for f in counted}
    assert any(total >= sent for total in totals.values()), f"no counter rose by the {sent} requests of the replay"
    probabilities = _returned_probabilities(drift_run)
    growth = histogram_growth(before, after)
    scores = [
        name for name, (count, mean) in growth.items()
        if count >= sent and abs(mean - statistics.fmean(probabilities)) <= MEAN_SCORE_TOLERANCE
    ]  # fmt: skip
    assert scores, "no histogram of the predicted default probabilities (one observation per scored request)"
    latency_ceiling = statistics.fmean(a.elapsed_s for a in drift_run.clean.answers)
    latencies = [
        name for name, (count, mean) in growth.items()
        if name not in scores and count >= sent and 0 < mean <= latency_ceiling
    ]  # fmt: skip
    assert latencies, "no histogram of request latency in seconds (one observation per request)"


def test_drift_gauges(grading: Grading, drift_run: DriftRun) -> None:
    scrape = _scrape(drift_run, "abrupt")
    shifted = grading.params["abrupt"]["feature"]
    features = set(grading.params["features"])
    for family in scrape.of_type("gauge"):
        by_feature = {
            value: sample.value for sample in family.samples for value in sample.labels.values() if value in features
        }
        if set(by_feature) == features:
            others = max(v for f, v in by_feature.items() if f != shifted)
            assert by_feature[shifted] > others, (
                f"the drift gauge {family.name} does not single out {shifted} after it shifted"
            )
            return
    raise AssertionError("no gauge with one sample per input feature (a drift score per feature)")


def test_monitoring_overhead(grading: Grading, drift_run: DriftRun, baseline_latency: list[float]) -> None:
    overhead = grading.params["overhead"]
    assert drift_run.scrapes.get("clean") is not None, "no /metrics: there is no monitoring to measure"
    answers = drift_run.clean.answers[overhead["warmup"] : overhead["requests"]]
    monitored = [a.elapsed_s for a in answers if a.status == 200]
    assert len(monitored) > len(answers) * 0.9 and len(baseline_latency) > 10, "too few scored requests to compare"
    ratio = _p95(monitored) / _p95(baseline_latency)
    assert ratio <= overhead["max_p95_ratio"], (
        f"p95 latency is {ratio:.1f} times the unmonitored service's (at most {overhead['max_p95_ratio']})"
    )


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]
