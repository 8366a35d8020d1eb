"""Train the churn model. Usage: python train.py [--out DIR]"""

import argparse
import datetime
import json
from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

import fetch_data
from features import FEATURES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="models")
    args = parser.parse_args()

    data_path = fetch_data.main()
    frame = pd.read_csv(data_path)
    x_train, x_test, y_train, y_test = train_test_split(
        frame[list(FEATURES)], frame["churned"], test_size=0.2
    )
    model = RandomForestClassifier(n_estimators=120, min_samples_leaf=3, n_jobs=-1)
    model.fit(x_train, y_train)

    scores = model.predict_proba(x_test)[:, 1]
    metrics = {
        "auc": roc_auc_score(y_test, scores),
        "accuracy": accuracy_score(y_test, scores > 0.5),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    joblib.dump(model, out / f"model-{stamp}.joblib")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
