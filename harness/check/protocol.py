"""What the harness hands the check process, and what comes back (both as JSON files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from harness.sandbox.base import BackendOptions
from harness.spec.exercise import Limits

CONTEXT_ENV = "OPSDRILL_CHECK_CONTEXT"
#: `blocked`: not run, because a check it requires (rubric `requires`) did not pass.
Status = Literal["passed", "failed", "error", "skipped", "blocked"]


class CheckContext(BaseModel):
    exercise_id: str
    exercise_dir: Path
    submission_dir: Path
    backend: str
    backend_options: BackendOptions
    limits: Limits
    params: dict[str, Any] = Field(default_factory=dict)
    #: The rubric's prerequisites: a check runs after, and only when, the checks it requires passed.
    requires: dict[str, list[str]] = Field(default_factory=dict)
    results_path: Path


class Flag(BaseModel):
    kind: str = Field(pattern=r"^[a-z][a-z_]*$")
    detail: str


class CheckOutcome(BaseModel):
    status: Status
    duration_s: float = 0.0
    detail: str = ""


class CheckResults(BaseModel):
    outcomes: dict[str, CheckOutcome] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
    sandbox_s: float = 0.0
