"""Train the churn model on data/train.csv and write model/churn.joblib."""

import csv
import sys

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from features import encode


def load(path):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    X = np.array([encode(row) for row in rows])
    y = np.array([int(row["churned"]) for row in rows])
    return X, y


def train(X, y):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    model.fit(X, y)
    return model


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "model/churn.joblib"
    X, y = load("data/train.csv")
    joblib.dump(train(X, y), out)
    print(f"trained on {len(y)} customers, wrote {out}")
