"""Batch results: what a results store keeps about each submission of a batch."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from harness.model.scorecard import Scorecard


class Status(StrEnum):
    #: Graded: the scorecard is the result (whatever the score, whatever flags it carries).
    GRADED = "graded"
    #: The submission could not be read (a malformed or unsafe archive): the candidate's doing, final.
    REFUSED = "refused"
    #: The kit or the engine failed it, again after retries: no score; the next run grades it.
    INFRASTRUCTURE_ERROR = "infrastructure_error"
    #: Not graded yet (the run stopped before it).
    PENDING = "pending"


class ResultKey(BaseModel, frozen=True):
    """What a result depends on: identical submissions graded against the same rubric share it."""

    submission_sha256: str
    exercise_id: str
    exercise_version: str
    rubric_sha256: str


class Entry(BaseModel, frozen=True):
    """One submission of a batch, as its input named it."""

    candidate_id: str
    source: str


class EntryResult(BaseModel):
    """Where one entry stands: its scorecard when graded, else why not."""

    entry: Entry
    status: Status
    scorecard: Scorecard | None = None
    #: Why it was refused, or what failed it.
    reason: str = ""
    #: When its status was last recorded (ISO 8601, UTC).
    updated_at: str = ""


class Event(StrEnum):
    """What a batch tells its listener about an entry: it started, or how it ended."""

    STARTED = "started"
    GRADED = "graded"
    #: Its result was already stored (a resumed run, or an identical submission).
    REUSED = "reused"
    REFUSED = "refused"
    #: The kit or the engine failed it, on every attempt.
    FAILED = "failed"
