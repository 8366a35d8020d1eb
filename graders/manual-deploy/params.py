"""exercise.yaml's params, checked when the exercise loads."""

from __future__ import annotations

from pydantic import Field

from harness.grading import ExerciseParams


class Load(ExerciseParams):
    requests: int = Field(gt=0)
    concurrency: int = Field(gt=0)
    max_over_reference: float = Field(gt=1)


class Drain(ExerciseParams):
    instances_per_request: int = Field(gt=0)
    concurrency: int = Field(gt=0)
    prober_start_s: float = Field(ge=0)
    at_fractions: list[float] = Field(min_length=1)
    min_delay_s: float = Field(ge=0)
    grace_s: float = Field(gt=0)
    grace_over_wave: float = Field(gt=0)
    margin_s: float = Field(ge=0)
    answered_after_s: float = Field(ge=0)
    tries: int = Field(ge=1)


class Params(ExerciseParams):
    seed: int
    start_timeout_s: float = Field(gt=0)
    loading_timeout_s: float = Field(gt=0)
    healthy_timeout_s: float = Field(gt=0)
    golden_customers: int = Field(gt=0)
    probability_tolerance: float = Field(gt=0)
    load: Load
    drain: Drain
    gate_tolerance: float = Field(ge=0)
