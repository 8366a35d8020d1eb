"""Trusted churn models for the manual-deploy checks, and customers to send them.

Everything here comes from the kit's copy of the exercise (its `starter/features.py`, data and
production model), never from the submission. Models the checks plant are trained here, per
grading, with fresh seeds, so no submission can recognise them by their bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import joblib
import numpy as np
from contract import Customer, sample_customers
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

#: Inputs `overweighted` may inflate, and by how much: either alone costs the holdout AUC at least 0.06.
OVERWEIGHTED_INPUTS = ("monthly_charges", "support_calls_90d")
OVERWEIGHT = 5.0


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

    def overweighted(self) -> Artifact:
        """A subtle regression: every input still pulls the right way, but a training bug made one of
        them weigh five times too much (holdout ROC AUC 0.06 to 0.10 lower). Only a gate that
        measures the AUC stops it; one that checks the direction of each input lets it through."""
        retrained = self.retrained().estimator
        column = self._features.NUMERIC.index(str(self._rng.choice(OVERWEIGHTED_INPUTS)))
        retrained[-1].coef_[0, column] *= OVERWEIGHT
        return Artifact.of(retrained)

    def inverted_labels(self) -> Artifact:
        """A broken model: a pipeline bug flipped the labels (holdout ROC AUC about 0.17)."""
        rows = self._rng.integers(0, len(self._y), len(self._y))
        return self._fit(self._X[rows], 1 - self._y[rows])

    def customers(self, n: int, seed: int) -> list[Customer]:
        """Customers across the whole input space, edges included."""
        return sample_customers(self.contracts, n, seed)


def probabilities(artifact: Artifact, churn: Churn, customers: list[Customer]) -> list[float]:
    return [float(p) for p in artifact.estimator.predict_proba(churn.encode(customers))[:, 1]]
