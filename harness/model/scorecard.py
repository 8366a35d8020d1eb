"""The scorecard: one graded submission, as written to scorecard.json."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from harness.model.checks import Status
from harness.model.flags import Flag

SCHEMA_VERSION = "1.0"


class Score(BaseModel):
    points: float
    max_points: float
    percent: float | None

    @classmethod
    def of(cls, points: float, max_points: float) -> Score:
        percent = round(100 * points / max_points, 1) if max_points else None
        return cls(points=round(points, 3), max_points=round(max_points, 3), percent=percent)


class ExerciseRef(BaseModel):
    id: str
    version: str
    title: str


class SubmissionRef(BaseModel):
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Timings(BaseModel):
    unpack_s: float
    build_s: float
    checks_s: float
    sandbox_s: float


class CheckResult(BaseModel):
    id: str
    title: str
    criterion: str
    status: Status
    points: float
    max_points: float
    feedback: str
    detail: str = ""
    duration_s: float
    #: Whether its points count: it passed and every check it requires counts.
    counted: bool
    requires: list[str] = Field(default_factory=list)


class CapResult(BaseModel):
    """A rubric cap: the total stays at most `max_percent` unless the `unless` checks count."""

    unless: list[str]
    max_percent: float
    reason: str
    applied: bool


class ManualResult(BaseModel):
    id: str
    title: str
    criterion: str
    score: int | None = None
    max_score: Literal[3] = 3
    anchors: dict[str, str]


class ReleasedHint(BaseModel):
    id: str
    text: str
    #: Points of the automatic total the hint cost.
    cost: float
    released_at: str


class SessionNote(BaseModel):
    at: str
    text: str


class TimelineEntry(BaseModel):
    """A check's status as first seen, or changed, in a run of its suite during a live session."""

    at: str
    elapsed_s: float
    suite: Literal["public", "hidden"]
    check: str
    status: str


class LiveSession(BaseModel):
    """What a live session adds: when, the hints released, the interviewer's notes, how the checks
    went, and the final score combining the checks (less the hints' cost) with the manual items."""

    started_at: str
    finished_at: str
    duration_s: float
    budget_s: float
    hints: list[ReleasedHint]
    notes: list[SessionNote]
    timeline: list[TimelineEntry]
    hint_cost: float
    automatic_percent: float = Field(ge=0, le=100)
    manual_percent: float = Field(ge=0, le=100)
    manual_weight_percent: float = Field(ge=0, le=100)
    final_percent: float = Field(ge=0, le=100)


class Scorecard(BaseModel):
    schema_version: str = SCHEMA_VERSION
    opsdrill_version: str
    exercise: ExerciseRef
    submission: SubmissionRef
    backend: str
    complete: bool
    started_at: str
    duration_s: float
    timings: Timings
    #: Points of the total (graded points) out of reach of this backend: their checks were skipped.
    total: Score
    ungraded_points: float = 0.0
    caps: list[CapResult] = Field(default_factory=list)
    criteria: dict[str, Score]
    maturity_level: int = Field(ge=1, le=5)
    maturity_title: str
    checks: list[CheckResult]
    manual: list[ManualResult]
    flags: list[Flag]
    #: Set when the scorecard closes a live session.
    session: LiveSession | None = None
