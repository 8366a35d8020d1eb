"""Prometheus metrics, read from the store at each scrape so that they say the same whichever
process graded (the embedded workers or remote ones)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from harness.model.jobs import JobStatus
from harness.service.store import ServiceStore

#: Upper bounds (seconds) of the grading duration histogram's buckets.
DURATION_BUCKETS_S = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0)


class StoreCollector(Collector):
    def __init__(self, store: ServiceStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        counts = self.store.counts()
        depth = GaugeMetricFamily("opsdrill_queue_depth", "Jobs waiting for a worker.")
        depth.add_metric([], counts[JobStatus.QUEUED])
        yield depth
        jobs = GaugeMetricFamily("opsdrill_jobs", "Jobs by state.", labels=["state"])
        for status, count in counts.items():
            jobs.add_metric([status.value], count)
        yield jobs
        failures = CounterMetricFamily(
            "opsdrill_infrastructure_errors", "Gradings the kit or the engine failed on every attempt."
        )
        failures.add_metric([], self.store.infrastructure_failures())
        yield failures
        yield _histogram(self.store)


def _histogram(store: ServiceStore) -> HistogramMetricFamily:
    counts, total, seconds = store.duration_histogram(DURATION_BUCKETS_S)
    buckets = [(str(bound), count) for bound, count in zip(DURATION_BUCKETS_S, counts, strict=True)]
    buckets.append(("+Inf", total))
    histogram = HistogramMetricFamily("opsdrill_grading_duration_seconds", "Seconds each grading took.")
    histogram.add_metric([], buckets=buckets, sum_value=seconds)
    return histogram


def render(store: ServiceStore) -> bytes:
    registry = CollectorRegistry()
    registry.register(StoreCollector(store))
    return generate_latest(registry)
