"""exercise.yaml's params, checked when the exercise loads."""

from __future__ import annotations

from pydantic import Field

from harness.grading import ExerciseParams


class Params(ExerciseParams):
    train_timeout_s: float = Field(gt=0)
    notebook_timeout_s: float = Field(gt=0)
    holdout_rows: int = Field(gt=0)
    holdout_seed: int
    reference_auc: float = Field(gt=0.5, le=1)
    auc_margin: float = Field(ge=0, lt=0.5)
    useful_auc_margin: float = Field(ge=0, lt=0.5)
    other_snapshot_seed: int
    retrain_auc_gain: float = Field(gt=0)
    required_packages: list[str] = Field(min_length=1)
    #: A folder of wheels pip may install the pins from (the sandbox has no index).
    wheelhouse: str | None = None
