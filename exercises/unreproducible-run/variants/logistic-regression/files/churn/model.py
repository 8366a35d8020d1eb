"""Model construction, fitting and evaluation: a scaled logistic regression, seeded like the split."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from churn.features import FEATURES, LABEL


def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, ...]:
    return tuple(
        train_test_split(
            frame[FEATURES], frame[LABEL], test_size=test_size, random_state=seed,
            stratify=frame[LABEL],
        )
    )


def fit(x_train: pd.DataFrame, y_train: pd.Series, params: dict[str, Any], seed: int) -> Pipeline:
    model = make_pipeline(StandardScaler(), LogisticRegression(random_state=seed, **params))
    model.fit(x_train, y_train)
    return model


def evaluate(model: Pipeline, x_test: pd.DataFrame, y_test: pd.Series) -> dict[str, Any]:
    scores = model.predict_proba(x_test)[:, 1]
    return {
        "auc": round(float(roc_auc_score(y_test, scores)), 6),
        "accuracy": round(float(accuracy_score(y_test, scores > 0.5)), 6),
        "n_test": int(len(y_test)),
    }
