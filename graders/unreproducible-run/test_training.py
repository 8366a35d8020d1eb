"""Training runs from one entry point, reproducibly, and really trains."""

from __future__ import annotations

import yaml
from runs import ARTIFACT, METRICS, TrainingRun, read_config, train

from harness.check.plugin import Grading
from harness.sandbox.base import Sandbox


def test_training_entry_point(first_run: TrainingRun) -> None:
    assert first_run.produced, first_run.explain()
    metrics = first_run.json(METRICS)
    assert isinstance(metrics, dict) and metrics, f"{METRICS} must be a JSON object of metric names to values"


def test_artifact_reproducible(first_run: TrainingRun, second_run: TrainingRun) -> None:
    assert first_run.produced, first_run.explain()
    assert second_run.produced, f"second clean run: {second_run.explain()}"
    assert first_run.artifact_sha256 == second_run.artifact_sha256, (
        f"two clean runs (different PYTHONHASHSEED, TZ, folder and time) wrote different {ARTIFACT}"
    )
    assert first_run.json(METRICS) == second_run.json(METRICS), f"two clean runs wrote different {METRICS}"


def test_seed_is_used(grading: Grading, first_run: TrainingRun, second_run: TrainingRun) -> None:
    assert first_run.produced and first_run.artifact_sha256 == second_run.artifact_sha256, (
        "the seed's effect can only be judged once two runs with the same seed agree"
    )
    config = read_config(first_run.sandbox)
    assert config is not None and isinstance(config.get("seed"), int), (
        "config.yaml must hold the training seed as an integer under `seed`"
    )
    new_seed = config["seed"] + 7919

    def reseed(sandbox: Sandbox) -> None:
        sandbox.write_file("config.yaml", yaml.safe_dump(config | {"seed": new_seed}, sort_keys=False).encode())

    reseeded = train(grading, "reseeded", {"PYTHONHASHSEED": "11", "TZ": "UTC"}, reseed)
    assert reseeded.produced, f"training with seed {new_seed}: {reseeded.explain()}"
    assert reseeded.artifact_sha256 != first_run.artifact_sha256, (
        f"changing seed in config.yaml to {new_seed} left {ARTIFACT} unchanged: the seed is not used "
        "(or the artifact is not really trained)"
    )
