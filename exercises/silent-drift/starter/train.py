"""Train the credit-risk model: python train.py

Draws the training population (seeded), writes it to data/train.csv and the fitted model to
model/model.joblib.
"""

from __future__ import annotations

import csv
from pathlib import Path

import joblib
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import datagen
from features import matrix

SEED = 20260301
ROWS = 12_000


def main() -> None:
    columns, defaulted = datagen.labelled(ROWS, SEED)
    applications = datagen.records(columns)
    Path("data").mkdir(exist_ok=True)
    with open("data/train.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, [*datagen.FEATURES, "defaulted"])
        writer.writeheader()
        for application, label in zip(applications, defaulted):
            writer.writerow({**application, "defaulted": int(label)})
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(matrix(applications), defaulted)
    Path("model").mkdir(exist_ok=True)
    joblib.dump(model, "model/model.joblib")
    print(f"trained on {ROWS} applications, default rate {defaulted.mean():.3f}")


if __name__ == "__main__":
    main()
