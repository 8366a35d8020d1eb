"""The data is pinned by content, and the model is as good as the reference's."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from types import ModuleType

from runs import ARTIFACT, TrainingRun, data_path, read_config, train
from sklearn.metrics import roc_auc_score

from harness.check.plugin import Grading
from harness.sandbox.base import Sandbox

MISMATCH_WORDS = re.compile(r"sha-?256|hash|checksum|digest|mismatch", re.IGNORECASE)
EVAL_DIR = ".opsdrill-eval"
PREDICT_SCRIPT = """\
import json, sys
import joblib
import pandas as pd

model = joblib.load(sys.argv[1])
frame = pd.read_csv(sys.argv[2])
columns = list(getattr(model, "feature_names_in_", frame.columns))
scores = model.predict_proba(frame[columns])[:, 1]
with open(sys.argv[3], "w") as handle:
    json.dump([float(s) for s in scores], handle)
"""


def _altered(content: bytes) -> bytes:
    """The same CSV with one digit changed in the middle: still valid, different bytes."""
    middle = len(content) // 2
    for index in range(middle, len(content)):
        if chr(content[index]).isdigit():
            digit = content[index] - ord("0")
            return content[:index] + str((digit + 1) % 10).encode() + content[index + 1 :]
    raise AssertionError("the data file has no digits to alter")


def test_data_hash_enforced(grading: Grading, first_run: TrainingRun) -> None:
    assert first_run.produced, f"training on the pinned data must work first: {first_run.explain()}"
    path = data_path(read_config(first_run.sandbox))
    assert path, "config.yaml must name the training data under data.path"
    assert first_run.sandbox.exists(path), f"data.path '{path}' does not exist in the submission"

    def tamper(sandbox: Sandbox) -> None:
        sandbox.write_file(path, _altered(sandbox.read_file(path, 512 * 1024 * 1024)))

    tampered = train(grading, "tampered-data", {"PYTHONHASHSEED": "11", "TZ": "UTC"}, tamper)
    assert not tampered.result.timed_out, "training on altered data did not finish in time"
    assert tampered.result.exit_code != 0, "training on altered data succeeded; it must refuse data whose hash differs"
    assert not tampered.sandbox.exists(ARTIFACT), "training on altered data still wrote a model"
    assert MISMATCH_WORDS.search(tampered.result.output), (
        "training on altered data failed without saying the data hash does not match"
    )


def _warehouse(grading: Grading) -> ModuleType:
    """The kit's own copy of the data source (trusted), never the submission's."""
    spec = importlib.util.spec_from_file_location("opsdrill_warehouse", grading.exercise_dir / "starter/warehouse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quality_preserved(grading: Grading, first_run: TrainingRun) -> None:
    assert first_run.produced, first_run.explain()
    warehouse = _warehouse(grading)
    params = grading.params
    holdout = warehouse.extract(int(params["holdout_rows"]), seed=int(params["holdout_seed"]), noise_seed=0)
    labels = holdout.pop(warehouse.LABEL_COLUMN).to_numpy()
    sandbox = first_run.sandbox
    sandbox.write_file(f"{EVAL_DIR}/holdout.csv", holdout.to_csv(index=False).encode())
    sandbox.write_file(f"{EVAL_DIR}/predict.py", PREDICT_SCRIPT.encode())
    result = sandbox.exec(
        ["python", f"{EVAL_DIR}/predict.py", ARTIFACT, f"{EVAL_DIR}/holdout.csv", f"{EVAL_DIR}/scores.json"],
        env={"PYTHONPATH": "."},
        timeout_s=float(params["train_timeout_s"]),
    )
    assert result.ok, f"the model could not score new customers: {(result.stderr.strip().splitlines() or [''])[-1]}"
    scores = json.loads(sandbox.read_file(f"{EVAL_DIR}/scores.json", 8 * 1024 * 1024))
    assert len(scores) == len(labels) and all(isinstance(s, float) and math.isfinite(s) for s in scores), (
        "the model must give one probability per customer"
    )
    auc = float(roc_auc_score(labels, scores))
    floor = float(params["reference_auc"]) - float(params["auc_margin"])
    assert auc >= floor, f"holdout ROC AUC {auc:.3f} is below {floor:.3f} (the reference's minus the margin)"
