"""exercise.yaml's params, checked when the exercise loads."""

from __future__ import annotations

from pydantic import Field

from harness.grading import ExerciseParams


class Abrupt(ExerciseParams):
    feature: str
    add: float
    deadline_requests: int = Field(gt=0)


class Gradual(ExerciseParams):
    feature: str
    lead_in: int = Field(ge=0)
    ramp_requests: int = Field(gt=0)
    final_factor: float = Field(gt=0)
    crossing: float = Field(gt=0, lt=1)
    deadline_requests: int = Field(gt=0)


class UnitChange(ExerciseParams):
    feature: str
    factor: float = Field(gt=0)
    lead_in: int = Field(ge=0)
    deadline_requests: int = Field(gt=0)
    after_requests: int = Field(gt=0)
    min_rejected_share: float = Field(gt=0, le=1)


class Episode(ExerciseParams):
    recovery_requests: int = Field(gt=0)
    lasting_requests: int = Field(gt=0)
    max_per_feature: int = Field(gt=0)
    max_total: int = Field(gt=0)


class Overhead(ExerciseParams):
    requests: int = Field(gt=0)
    chunk: int = Field(gt=0)
    warmup: int = Field(ge=0)
    max_median_ratio: float = Field(gt=1)
    rounds: int = Field(gt=0)


class Runbook(ExerciseParams):
    sections: list[str] = Field(min_length=1)
    min_words: int = Field(gt=0)


class Params(ExerciseParams):
    replay_seed: int
    features: list[str] = Field(min_length=1)
    start_timeout_s: float = Field(gt=0)
    request_budget_s: float = Field(gt=0)
    settle_s: float = Field(ge=0)
    clean_requests: int = Field(gt=0)
    abrupt: Abrupt
    gradual: Gradual
    unit_change: UnitChange
    episode: Episode
    overhead: Overhead
    runbook: Runbook
