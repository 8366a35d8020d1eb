"""The grading service's records: tenants, their API keys' public part, and grading jobs."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Tenant(BaseModel):
    """A platform or team using the service: it sees only its own jobs, within its limits."""

    id: str
    name: str
    max_upload_bytes: int = Field(gt=0)
    #: Jobs queued or running at once; a submission beyond it is refused until one finishes.
    max_queued_jobs: int = Field(gt=0)
    created_at: str


class ApiKey(BaseModel):
    """A key's public part (its secret is stored only as a hash and shown once, when made)."""

    id: str
    tenant_id: str
    created_at: str
    revoked_at: str | None = None


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    #: Graded: the scorecard is the result, whatever the score or the flags.
    GRADED = "graded"
    #: The upload could not be graded (unsafe or malformed once unpacked): final.
    REFUSED = "refused"
    #: The kit or the engine failed every attempt, or its grading was lost (its worker stopped) too
    #: often; no score. The job is queued again when the service's API restarts.
    INFRASTRUCTURE_ERROR = "infrastructure_error"


FINAL_STATUSES = frozenset({JobStatus.GRADED, JobStatus.REFUSED})
ACTIVE_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


class Job(BaseModel):
    """One submission to grade, as its tenant sent it."""

    id: str
    tenant_id: str
    exercise_id: str
    #: The uploaded file's name (its extension says how to unpack it).
    filename: str
    #: sha256 of the uploaded bytes.
    upload_sha256: str
    idempotency_key: str | None = None
    webhook_url: str | None = None
    status: JobStatus
    #: Why it was refused, or what failed it.
    reason: str = ""
    #: Gradings started for it (a worker killed mid-grading leaves one that did not finish).
    attempts: int = 0
    #: The graded total in percent, when graded.
    percent: float | None = None
    #: Seconds the grading took, when graded.
    duration_s: float | None = None
    created_at: str
    updated_at: str
