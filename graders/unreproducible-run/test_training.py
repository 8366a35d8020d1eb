"""Training runs from one entry point, really learns from the configured data, and reproducibly."""

from __future__ import annotations

import hashlib
import io
from types import ModuleType

import pandas as pd
from customers import reversed_churn
from runs import ARTIFACT, MAX_DATA, METRICS, TrainingRun, data_path, holdout_auc, read_config, train, write_config

from harness.grading import Grading, Sandbox


def test_training_entry_point(first_run: TrainingRun) -> None:
    assert first_run.produced, first_run.explain()
    metrics = first_run.json(METRICS)
    assert isinstance(metrics, dict) and metrics, f"{METRICS} must be a JSON object of metric names to values"


def _snapshot(first_run: TrainingRun, path: str, warehouse: ModuleType) -> pd.DataFrame:
    """The training snapshot at data.path, which must be a CSV extract of the warehouse."""
    content = first_run.read(path, MAX_DATA)
    assert content is not None, f"data.path '{path}' does not exist in the submission"
    try:
        snapshot = pd.read_csv(io.BytesIO(content))
    except (ValueError, UnicodeDecodeError):
        raise AssertionError(f"data.path '{path}' is not a CSV extract of warehouse.py") from None
    columns = {"customer_id", warehouse.LABEL_COLUMN, *warehouse.FEATURE_COLUMNS}
    assert warehouse.LABEL_COLUMN in snapshot.columns and set(snapshot.columns) <= columns, (
        f"data.path '{path}' must keep warehouse.py's columns, with the label `{warehouse.LABEL_COLUMN}`"
    )
    return snapshot


def test_trains_on_configured_data(grading: Grading, first_run: TrainingRun, warehouse: ModuleType) -> None:
    assert first_run.produced, first_run.explain()
    config = read_config(first_run.sandbox) or {}
    path = data_path(config)
    assert path, "config.yaml must name the training data under data.path"
    snapshot = _snapshot(first_run, path, warehouse)
    params = grading.params
    seed = int(params["other_snapshot_seed"])
    other = reversed_churn(warehouse, snapshot, len(snapshot), seed, "other-snapshot")
    holdout = reversed_churn(warehouse, snapshot, int(params["holdout_rows"]), seed + 1, "other-holdout")
    content = other.frame.to_csv(index=False, lineterminator="\n").encode()
    pinned = config | {"data": config["data"] | {"sha256": hashlib.sha256(content).hexdigest()}}

    def freeze_other(sandbox: Sandbox) -> None:
        # Overwrite the file in place (a pipeline may hard-code the path) and pin its hash.
        sandbox.write_file(path, content)
        write_config(sandbox, pinned)

    retrained = train(grading, "other-snapshot", {"PYTHONHASHSEED": "11", "TZ": "UTC"}, freeze_other)
    assert retrained.produced, (
        f"training failed on another warehouse snapshot frozen at data.path with its sha256 in config.yaml: "
        f"{retrained.explain()}"
    )
    timeout = float(params["train_timeout_s"])
    before, after = holdout_auc(first_run, holdout, timeout), holdout_auc(retrained, holdout, timeout)
    assert after - before >= float(params["retrain_auc_gain"]), (
        f"the model does not learn from data.path: after freezing there a snapshot where churn follows the "
        f"opposite pattern (its sha256 in config.yaml), the new model scores that pattern's unseen customers "
        f"at ROC AUC {after:.2f}, the original model at {before:.2f}"
    )


def test_artifact_reproducible(first_run: TrainingRun, second_run: TrainingRun) -> None:
    assert second_run.produced, f"second clean run: {second_run.explain()}"
    assert first_run.artifact_sha256 == second_run.artifact_sha256, (
        f"two clean runs (different PYTHONHASHSEED, TZ, folder and time) wrote different {ARTIFACT}"
    )
    assert first_run.json(METRICS) == second_run.json(METRICS), f"two clean runs wrote different {METRICS}"


def test_seed_is_used(grading: Grading, first_run: TrainingRun) -> None:
    config = read_config(first_run.sandbox)
    assert config is not None and isinstance(config.get("seed"), int), (
        "config.yaml must hold the training seed as an integer under `seed`"
    )
    new_seed = config["seed"] + 7919
    reseeded = train(grading, "reseeded", {"PYTHONHASHSEED": "11", "TZ": "UTC"},
                     lambda sandbox: write_config(sandbox, config | {"seed": new_seed}))  # fmt: skip
    assert reseeded.produced, f"training with seed {new_seed}: {reseeded.explain()}"
    assert reseeded.artifact_sha256 != first_run.artifact_sha256, (
        f"changing seed in config.yaml to {new_seed} left {ARTIFACT} unchanged: the seed is not used"
    )
