"""What the harness hands the check process, and what comes back (both as JSON files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from harness.sandbox.base import BackendOptions
from harness.spec.exercise import Limits

CONTEXT_ENV = "OPSDRILL_CHECK_CONTEXT"
Status = Literal["passed", "failed", "error", "skipped"]


class CheckContext(BaseModel):
    exercise_id: str
    exercise_dir: Path
    submission_dir: Path
    backend: str
    backend_options: BackendOptions
    limits: Limits
    params: dict[str, Any] = Field(default_factory=dict)
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
