"""Drift detection: a sliding window of live inputs compared with the training reference.

Statistic: the p-value of a chi-square goodness-of-fit test of the window's counts in the
reference's decile bins against the reference's proportions. Small means drift: the threshold is
crossed when the p-value falls below it. With 8 features tested every 25 requests, a threshold of
1e-6 keeps false alarms negligible over thousands of evaluations.

An episode opens when a feature's p-value falls below the threshold (one alert) and closes only
when it climbs back above `rearm_below` (the name is the solution's; for a p-value it is a floor
to recover past): a lasting shift alerts once, not on every evaluation.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import chisquare

FLOOR = 1e-4
DECILES = np.linspace(0, 1, 11)[1:-1]


@dataclass(frozen=True)
class Bins:
    edges: np.ndarray
    expected: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> Bins:
        edges = np.unique(np.quantile(values, DECILES))
        return cls(edges, proportions(edges, values))

    def pvalue(self, values: np.ndarray) -> float:
        counts = np.bincount(np.searchsorted(self.edges, values, side="right"), minlength=len(self.edges) + 1)
        expected = self.expected / self.expected.sum() * counts.sum()
        return float(chisquare(counts, expected).pvalue)

    def psi(self, values: np.ndarray) -> float:
        actual = proportions(self.edges, values)
        return float(np.sum((actual - self.expected) * np.log(actual / self.expected)))


def proportions(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return np.maximum(counts / max(len(values), 1), FLOOR)


def fit_reference(columns: Mapping[str, np.ndarray]) -> dict[str, dict[str, list[float]]]:
    """The JSON form of the training reference, written by train.py."""
    reference = {}
    for name, values in columns.items():
        bins = Bins.fit(np.asarray(values, dtype=float))
        reference[name] = {"edges": bins.edges.tolist(), "expected": bins.expected.tolist()}
    return reference


def load_reference(path: Path, features: Iterable[str]) -> dict[str, Bins]:
    data = json.loads(path.read_text())
    return {f: Bins(np.asarray(data[f]["edges"]), np.asarray(data[f]["expected"])) for f in features}


@dataclass(frozen=True)
class Alert:
    alert: str
    feature: str
    statistic: str
    value: float
    threshold: float
    window: int


class Episodes:
    """Which features are in an open episode; `update` returns the ones that just opened."""

    def __init__(self, threshold: float, rearm_below: float, *, smaller_is_worse: bool = False) -> None:
        self.threshold, self.rearm_below = threshold, rearm_below
        self.sign = -1.0 if smaller_is_worse else 1.0
        self.open: set[str] = set()

    def update(self, values: Mapping[str, float]) -> list[str]:
        opened = []
        for feature, value in values.items():
            if feature not in self.open and self.sign * value > self.sign * self.threshold:
                self.open.add(feature)
                opened.append(feature)
            elif feature in self.open and self.sign * value < self.sign * self.rearm_below:
                self.open.discard(feature)
        return opened


class DriftMonitor:
    """Feeds accepted applications into a window; every `check_every`, scores each feature."""

    def __init__(
        self, reference: Mapping[str, Bins], *, window: int, check_every: int, threshold: float,
        rearm_below: float, on_alert: Callable[[Alert], None], on_score: Callable[[str, float], None],
    ) -> None:  # fmt: skip
        self.reference = dict(reference)
        self.window, self.check_every = window, check_every
        self.episodes = Episodes(threshold, rearm_below, smaller_is_worse=True)
        self.on_alert, self.on_score = on_alert, on_score
        self._recent: deque[Sequence[float]] = deque(maxlen=window)
        self._seen = 0
        self._lock = threading.Lock()

    def observe(self, application: Mapping[str, float]) -> None:
        with self._lock:
            self._recent.append([float(application[f]) for f in self.reference])
            self._seen += 1
            if len(self._recent) == self.window and self._seen % self.check_every == 0:
                self._evaluate()

    def _evaluate(self) -> None:
        matrix = np.asarray(self._recent)
        scores = {f: bins.pvalue(matrix[:, i]) for i, (f, bins) in enumerate(self.reference.items())}
        for feature, value in scores.items():
            self.on_score(feature, value)
        for feature in self.episodes.update(scores):
            self.on_alert(Alert("feature_drift", feature, "chi2_pvalue", scores[feature],
                                self.episodes.threshold, self.window))  # fmt: skip


class InvalidInputMonitor:
    """Share of recent scoring requests rejected because of each field (a unit change shows here
    first: the values fall outside the schema, so they never reach the drift window)."""

    def __init__(
        self, *, window: int, max_rate: float, rearm_below: float, on_alert: Callable[[Alert], None]
    ) -> None:
        self.window = window
        self.episodes = Episodes(max_rate, rearm_below)
        self.on_alert = on_alert
        self._recent: deque[frozenset[str]] = deque(maxlen=window)
        self._lock = threading.Lock()

    def observe(self, bad_fields: Iterable[str] = ()) -> None:
        with self._lock:
            self._recent.append(frozenset(bad_fields))
            if len(self._recent) < self.window // 4:
                return
            counts: dict[str, int] = {}
            for fields in self._recent:
                for field in fields:
                    counts[field] = counts.get(field, 0) + 1
            rates = {f: counts.get(f, 0) / len(self._recent) for f in counts | dict.fromkeys(self.episodes.open, 0)}
            for field in self.episodes.update(rates):
                self.on_alert(Alert("invalid_input", field, "rejected_share", round(rates[field], 4),
                                    self.episodes.threshold, len(self._recent)))  # fmt: skip
