"""Training runs in fresh sandboxes, and what the checks read back from them.

Nothing from the submission is imported here: files are read as bytes or parsed as data.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from customers import Customers
from sklearn.metrics import roc_auc_score

from harness.grading import ExecResult, Grading, Sandbox, last_line

OUT = "out"
ARTIFACT = f"{OUT}/model.joblib"
METRICS = f"{OUT}/metrics.json"
RUN_RECORD = f"{OUT}/run.json"
MAX_ARTIFACT = 256 * 1024 * 1024
MAX_TEXT = 1024 * 1024
MAX_DATA = 512 * 1024 * 1024
EVAL_DIR = ".opsdrill-eval"
PREDICT_SCRIPT = """\
import json, sys
import joblib
import pandas as pd

model = joblib.load(sys.argv[1])
frame = pd.read_csv(sys.argv[2])
columns = list(getattr(model, "feature_names_in_", sys.argv[4].split(",")))
scores = model.predict_proba(frame[columns])[:, 1]
with open(sys.argv[3], "w") as handle:
    json.dump([float(s) for s in scores], handle)
"""


@dataclass
class TrainingRun:
    """One `python train.py --config config.yaml --out out` in a fresh sandbox."""

    sandbox: Sandbox
    result: ExecResult

    def read(self, path: str, max_bytes: int = MAX_TEXT) -> bytes | None:
        return self.sandbox.read_file(path, max_bytes) if self.sandbox.exists(path) else None

    @property
    def artifact(self) -> bytes | None:
        return self.read(ARTIFACT, MAX_ARTIFACT)

    @property
    def artifact_sha256(self) -> str | None:
        data = self.artifact
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def json(self, path: str) -> Any:
        raw = self.read(path)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def explain(self) -> str:
        """Why training did not produce the expected outputs, in one line."""
        if self.result.timed_out:
            return "training did not finish within the time limit"
        if self.result.exit_code != 0:
            last = last_line(self.result)
            return f"`python train.py --config config.yaml --out out` exited with {self.result.exit_code}: {last}"
        return f"training exited 0 but did not write {ARTIFACT} and {METRICS}"

    @property
    def produced(self) -> bool:
        return self.result.ok and self.sandbox.exists(ARTIFACT) and self.json(METRICS) is not None


def train(
    grading: Grading, label: str, env: dict[str, str], config_edit: Callable[[Sandbox], None] | None = None
) -> TrainingRun:
    sandbox = grading.sandbox(label)
    if config_edit is not None:
        config_edit(sandbox)
    result = sandbox.exec(
        ["python", "train.py", "--config", "config.yaml", "--out", OUT],
        env=env,
        timeout_s=float(grading.params["train_timeout_s"]),
    )
    return TrainingRun(sandbox, result)


def read_config(sandbox: Sandbox) -> dict[str, Any] | None:
    if not sandbox.exists("config.yaml"):
        return None
    try:
        loaded = yaml.safe_load(sandbox.read_file("config.yaml", MAX_TEXT))
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None


def data_path(config: dict[str, Any] | None) -> str | None:
    """`data.path` from config.yaml, if the config names one."""
    data = config.get("data") if config else None
    path = data.get("path") if isinstance(data, dict) else None
    return path if isinstance(path, str) else None


def write_config(sandbox: Sandbox, config: dict[str, Any]) -> None:
    sandbox.write_file("config.yaml", yaml.safe_dump(config, sort_keys=False).encode())


def holdout_auc(run: TrainingRun, customers: Customers, timeout_s: float) -> float:
    """ROC AUC of the run's model on `customers`, scored inside the run's sandbox (the model is never
    loaded here)."""
    csv, scores_path = f"{EVAL_DIR}/{customers.name}.csv", f"{EVAL_DIR}/{customers.name}-scores.json"
    run.sandbox.write_file(csv, customers.frame.drop(columns=customers.label).to_csv(index=False).encode())
    run.sandbox.write_file(f"{EVAL_DIR}/predict.py", PREDICT_SCRIPT.encode())
    result = run.sandbox.exec(
        ["python", f"{EVAL_DIR}/predict.py", ARTIFACT, csv, scores_path, ",".join(customers.feature_columns)],
        env={"PYTHONPATH": "."},
        timeout_s=timeout_s,
    )
    last = last_line(result)
    assert result.ok, f"the model could not score new customers: {last}"
    scores = json.loads(run.sandbox.read_file(scores_path, 8 * 1024 * 1024))
    labels = customers.frame[customers.label].to_numpy()
    assert len(scores) == len(labels) and all(isinstance(s, float) and math.isfinite(s) for s in scores), (
        "the model must give one finite probability per customer"
    )
    return float(roc_auc_score(labels, scores))
