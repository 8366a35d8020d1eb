"""Training runs in fresh sandboxes, and what the checks read back from them.

Nothing from the submission is imported here: files are read as bytes or parsed as data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from harness.check.plugin import Grading
from harness.sandbox.base import ExecResult, Sandbox

OUT = "out"
ARTIFACT = f"{OUT}/model.joblib"
METRICS = f"{OUT}/metrics.json"
RUN_RECORD = f"{OUT}/run.json"
MAX_ARTIFACT = 256 * 1024 * 1024
MAX_TEXT = 1024 * 1024


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
            last = (self.result.stderr.strip().splitlines() or ["no output"])[-1]
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
