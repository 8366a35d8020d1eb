"""Trusted churn models and customers for the manual-deploy checks.

Everything here comes from the kit's copy of the exercise (its `starter/features.py`, data and
production model), never from the submission. Models the checks plant are trained here, per
grading, with fresh seeds, so no submission can recognise them by their bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from harness.grading import HttpRequest, HttpResponse, Service

Customer = dict[str, Any]
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Artifact:
    """A model as bytes (what gets planted) and the estimator it holds (what predictions to expect)."""

    data: bytes
    estimator: Pipeline

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def of(cls, estimator: Pipeline) -> Artifact:
        buffer = io.BytesIO()
        joblib.dump(estimator, buffer)
        return cls(buffer.getvalue(), estimator)


class Churn:
    def __init__(self, exercise_dir: Path, features: ModuleType) -> None:
        """`features`: the kit's `starter/features.py` (`grading.kit_module`)."""
        self._features = features
        self.contracts: list[str] = list(self._features.CONTRACTS)
        starter = exercise_dir / "starter"
        self.production = Artifact(
            (starter / "model" / "churn.joblib").read_bytes(), joblib.load(starter / "model" / "churn.joblib")
        )
        self._X, self._y = self._load(starter / "data" / "train.csv")
        self._rng = np.random.default_rng(secrets.randbits(64))

    def _load(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        return self.encode(rows), np.array([int(row["churned"]) for row in rows])

    def encode(self, customers: list[Customer]) -> np.ndarray:
        return np.array([self._features.encode(customer) for customer in customers])

    def _fit(self, X: np.ndarray, y: np.ndarray, c: float = 1.0) -> Artifact:
        return Artifact.of(make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000)).fit(X, y))

    def retrained(self) -> Artifact:
        """As good as production: the same recipe on a bootstrap sample of the training data."""
        rows = self._rng.integers(0, len(self._y), len(self._y))
        return self._fit(self._X[rows], self._y[rows])

    def without_support_calls(self) -> Artifact:
        """A plausible regression: a pipeline bug zeroed one input (holdout ROC AUC about 0.03 lower)."""
        X = self._X.copy()
        X[:, self._features.NUMERIC.index("support_calls_90d")] = 0.0
        return self._fit(X, self._y, c=float(self._rng.uniform(0.5, 2.0)))

    def inverted_labels(self) -> Artifact:
        """A broken model: a pipeline bug flipped the labels (holdout ROC AUC about 0.17)."""
        rows = self._rng.integers(0, len(self._y), len(self._y))
        return self._fit(self._X[rows], 1 - self._y[rows])

    def customers(self, n: int, seed: int) -> list[Customer]:
        """Customers across the whole input space, edges included."""
        rng = random.Random(seed)
        edges: list[Customer] = [
            {"tenure_months": 0, "monthly_charges": 12.0, "support_calls_90d": 0, "contract": "month_to_month"},
            {"tenure_months": 120, "monthly_charges": 180.0, "support_calls_90d": 25, "contract": "two_year"},
            {"tenure_months": 1, "monthly_charges": 99.99, "support_calls_90d": 12, "contract": "one_year"},
        ]
        return edges + [
            {
                "tenure_months": rng.randint(0, 120),
                "monthly_charges": round(rng.uniform(12, 180), 2),
                "support_calls_90d": rng.randint(0, 25),
                "contract": rng.choice(self.contracts),
            }
            for _ in range(n - len(edges))
        ]


def probabilities(artifact: Artifact, churn: Churn, customers: list[Customer]) -> list[float]:
    return [float(p) for p in artifact.estimator.predict_proba(churn.encode(customers))[:, 1]]


def predict_request(customers: list[Customer], *, timeout_s: float = 10.0, repeat: int = 1) -> HttpRequest:
    body = json.dumps({"instances": customers}).encode()
    return HttpRequest(
        "POST", "/predict", body, JSON_HEADERS, timeout_s=timeout_s, max_body=4 * 1024 * 1024, repeat=repeat
    )


def _is_probability(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and 0.0 <= value <= 1.0


def answered_probabilities(body: bytes, expected: int) -> list[float] | str:
    """The probabilities of a /predict answer, or why it does not follow the contract."""
    try:
        predictions = json.loads(body)["predictions"]
        answered = [p["probability"] for p in predictions]
        labels = [p["churn"] for p in predictions]
    except (ValueError, KeyError, TypeError) as exc:
        return f"the answer does not follow the contract ({type(exc).__name__}: {exc})"
    if not all(_is_probability(value) for value in answered):
        return "every `probability` must be a JSON number between 0 and 1"
    values = [float(value) for value in answered]
    if len(values) != expected:
        return f"{len(values)} predictions for {expected} instances"
    if any(label is not (value >= 0.5) for label, value in zip(labels, values, strict=True)):
        return "`churn` must be `probability >= 0.5`"
    return values


def first_prediction(service: Service, customers: list[Customer], params: dict[str, Any]) -> HttpResponse:
    """The weakest proof that a service serves: a valid request answered 200 (polled while it starts:
    up to start_timeout_s without an answer, up to loading_timeout_s while it answers 503)."""
    timeout_s, loading_s = float(params["start_timeout_s"]), float(params["loading_timeout_s"])
    return service.poll(predict_request(customers), timeout_s, loading_s=loading_s)
