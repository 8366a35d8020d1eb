"""What the check process reports back: one outcome per hidden check, and flags."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from harness.model.flags import Flag

#: `blocked`: not run, because a check it requires (rubric `requires`) did not pass.
Status = Literal["passed", "failed", "error", "skipped", "blocked"]


class CheckOutcome(BaseModel):
    status: Status
    duration_s: float = 0.0
    detail: str = ""


class CheckResults(BaseModel):
    outcomes: dict[str, CheckOutcome] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
    sandbox_s: float = 0.0
