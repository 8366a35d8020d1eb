"""The base of an exercise's typed parameters (its graders' `params.py`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ExerciseParams(BaseModel):
    """Parameters of `exercise.yaml`, as the exercise's graders declare them: a misspelt or missing
    key is a clear error when the exercise loads, never a KeyError in the middle of a grading."""

    model_config = ConfigDict(extra="forbid", frozen=True)
