"""Prometheus metrics of the scoring service (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SCORE_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "creditrisk_requests", "HTTP requests by path and status", ["path", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "creditrisk_request_latency_seconds", "Time to answer a request", ["path"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.scores = Histogram(
            "creditrisk_default_probability", "Predicted default probability of scored applications",
            buckets=SCORE_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.decisions = Counter("creditrisk_decisions", "Decisions", ["decision"], registry=self.registry)
        self.invalid = Counter(
            "creditrisk_invalid_requests", "Scoring requests rejected, by offending field", ["field"],
            registry=self.registry,
        )  # fmt: skip
        self.drift = Gauge(
            "creditrisk_feature_drift_psi", "PSI of the recent window against the training reference",
            ["feature"], registry=self.registry,
        )  # fmt: skip
        self.alerts = Counter("creditrisk_alerts", "Alerts raised", ["alert", "feature"], registry=self.registry)
