"""The grading service's store: tenants, API keys, jobs (with their uploads and results) and webhook
deliveries, on any `Database`.

Every change is one transaction: a job's result and its webhook delivery are committed together,
so a result is never stored without its notification being owed, and a process killed at any
point leaves each job either as it was or wholly done.

The store, not the queue, says who grades a job: a worker claims it with a lease it renews while
grading, and only the lease's holder may store the result. A job whose lease ran out (its worker
died) is queued again; a queue that delivers a job twice makes the second delivery a no-op.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from harness.errors import BadInputError
from harness.model.jobs import ACTIVE_STATUSES, FINAL_STATUSES, ApiKey, Job, JobStatus, Tenant
from harness.model.results import ResultKey
from harness.model.scorecard import Scorecard
from harness.service import keys
from harness.store.db import Cursor, Database, Row

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, webhook_secret TEXT NOT NULL,
    max_upload_bytes BIGINT NOT NULL, max_queued_jobs INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), secret_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS uploads (sha256 TEXT PRIMARY KEY, data BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), exercise_id TEXT NOT NULL,
    filename TEXT NOT NULL, upload_sha256 TEXT NOT NULL REFERENCES uploads (sha256), idempotency_key TEXT,
    webhook_url TEXT, status TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL,
    infrastructure_failures INTEGER NOT NULL DEFAULT 0,
    submission_sha256 TEXT, exercise_version TEXT, rubric_sha256 TEXT, scorecard TEXT,
    percent DOUBLE PRECISION, duration_s DOUBLE PRECISION, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    holder TEXT, lease_until DOUBLE PRECISION, sent_at DOUBLE PRECISION,
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS jobs_by_result ON jobs (tenant_id, submission_sha256, exercise_id);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs (id), url TEXT NOT NULL, body TEXT NOT NULL,
    attempts INTEGER NOT NULL, next_at DOUBLE PRECISION NOT NULL, state TEXT NOT NULL, last_error TEXT NOT NULL,
    delivered_at TEXT
);
"""

_JOB_COLUMNS = (
    "id, tenant_id, exercise_id, filename, upload_sha256, idempotency_key, webhook_url, status, reason, "
    "attempts, percent, duration_s, created_at, updated_at"
)
_TENANT_COLUMNS = "id, name, max_upload_bytes, max_queued_jobs, created_at"


class ConflictError(BadInputError):
    """An idempotency key already used for another upload or exercise."""


class LimitError(BadInputError):
    """A tenant's limit on queued jobs is reached."""


@dataclass(frozen=True)
class Delivery:
    id: str
    job_id: str
    tenant_id: str
    url: str
    body: str
    attempts: int


def now() -> str:
    """UTC, to the microsecond: jobs are sent oldest first, and two submits can share a millisecond
    (stamps written to the millisecond earlier still sort before later ones of the same millisecond)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


_JOB_FIELDS = [name.strip() for name in _JOB_COLUMNS.split(",")]
_TENANT_FIELDS = [name.strip() for name in _TENANT_COLUMNS.split(",")]


def _job(row: Row) -> Job:
    return Job.model_validate(dict(zip(_JOB_FIELDS, row, strict=True)))


def _earlier(cur: Cursor, job: Job) -> Job | None:
    """The job its tenant already sent with `job`'s idempotency key, if any: the same upload for
    the same exercise, or a ConflictError."""
    if job.idempotency_key is None:
        return None
    rows = cur.execute(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE tenant_id = ? AND idempotency_key = ?",
        (job.tenant_id, job.idempotency_key),
    )
    if not rows:
        return None
    earlier = _job(rows[0])
    if (earlier.upload_sha256, earlier.exercise_id) != (job.upload_sha256, job.exercise_id):
        raise ConflictError(
            f"The idempotency key '{job.idempotency_key}' was used for another upload or exercise; "
            "use a new key for a new submission."
        )
    return earlier


def _tenant(row: Row) -> Tenant:
    return Tenant.model_validate(dict(zip(_TENANT_FIELDS, row, strict=True)))


class ServiceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # Tenants and keys ------------------------------------------------------------------------------

    def create_tenant(self, name: str, max_upload_bytes: int, max_queued_jobs: int) -> Tenant:
        tenant = Tenant(
            id=secrets.token_hex(8), name=name, max_upload_bytes=max_upload_bytes,
            max_queued_jobs=max_queued_jobs, created_at=now(),
        )  # fmt: skip
        with self.db.transaction() as cur:
            if cur.execute("SELECT 1 FROM tenants WHERE name = ?", (name,)):
                raise BadInputError(f"A tenant named '{name}' exists already; choose another name.")
            cur.execute(
                f"INSERT INTO tenants ({_TENANT_COLUMNS}, webhook_secret) VALUES (?, ?, ?, ?, ?, ?)",
                (tenant.id, name, max_upload_bytes, max_queued_jobs, tenant.created_at, keys.new_webhook_secret()),
            )
        return tenant

    def tenants(self) -> list[Tenant]:
        with self.db.transaction() as cur:
            return [_tenant(row) for row in cur.execute(f"SELECT {_TENANT_COLUMNS} FROM tenants ORDER BY created_at")]

    def find_tenant(self, name_or_id: str) -> Tenant:
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT {_TENANT_COLUMNS} FROM tenants WHERE id = ? OR name = ?", (name_or_id, name_or_id)
            )
        if not rows:
            raise BadInputError(f"No tenant is named '{name_or_id}' or has that id; see `opsdrill tenant list`.")
        return _tenant(rows[0])

    def webhook_secret(self, tenant_id: str) -> str:
        with self.db.transaction() as cur:
            return str(cur.execute("SELECT webhook_secret FROM tenants WHERE id = ?", (tenant_id,))[0][0])

    def add_key(self, tenant_id: str) -> keys.NewKey:
        made = keys.new_key()
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO api_keys (id, tenant_id, secret_sha256, created_at) VALUES (?, ?, ?, ?)",
                (made.id, tenant_id, made.secret_sha256, now()),
            )
        return made

    def keys(self, tenant_id: str) -> list[ApiKey]:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT id, tenant_id, created_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at",
                (tenant_id,),
            )
        return [ApiKey(id=row[0], tenant_id=row[1], created_at=row[2], revoked_at=row[3]) for row in rows]

    def revoke_key(self, key_id: str) -> None:
        with self.db.transaction() as cur:
            if not cur.execute("SELECT 1 FROM api_keys WHERE id = ?", (key_id,)):
                raise BadInputError(f"No API key has the id '{key_id}'; see `opsdrill tenant keys`.")
            cur.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now(), key_id))

    def authenticate(self, token: str) -> Tenant | None:
        """The tenant whose live key `token` is, else None."""
        parsed = keys.parse(token)
        if parsed is None:
            return None
        key_id, given = parsed
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT k.secret_sha256, {', '.join('t.' + name for name in _TENANT_FIELDS)} "
                "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ? AND k.revoked_at IS NULL",
                (key_id,),
            )
        if not rows or not keys.same(rows[0][0], given):
            return None
        return _tenant(rows[0][1:])

    # Jobs ------------------------------------------------------------------------------------------

    def submit(
        self, tenant: Tenant, exercise_id: str, filename: str, data: bytes, *,
        idempotency_key: str | None = None, webhook_url: str | None = None,
    ) -> tuple[Job, bool]:  # fmt: skip
        """Queue a job for the upload `data`; (the job, True), or (the earlier job, False) when
        `idempotency_key` was used before for the same upload and exercise."""
        upload_sha256 = hashlib.sha256(data).hexdigest()
        stamp = now()
        job = Job(
            id=secrets.token_hex(12), tenant_id=tenant.id, exercise_id=exercise_id, filename=filename,
            upload_sha256=upload_sha256, idempotency_key=idempotency_key, webhook_url=webhook_url,
            status=JobStatus.QUEUED, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        with self.db.transaction() as cur:
            earlier = _earlier(cur, job)
            if earlier is not None:
                return earlier, False
            active = cur.execute(
                "SELECT COUNT(*) FROM jobs WHERE tenant_id = ? AND status IN (?, ?)",
                (tenant.id, *sorted(ACTIVE_STATUSES)),
            )[0][0]
            if active >= tenant.max_queued_jobs:
                raise LimitError(
                    f"{active} of this tenant's jobs are queued or running, its limit; submit again when one finishes."
                )
            cur.execute(
                "INSERT INTO uploads (sha256, data) VALUES (?, ?) ON CONFLICT DO NOTHING", (upload_sha256, data)
            )
            inserted = cur.execute(
                "INSERT INTO jobs (id, tenant_id, exercise_id, filename, upload_sha256, idempotency_key, webhook_url, "
                "status, reason, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?) "
                "ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
                (job.id, tenant.id, exercise_id, filename, upload_sha256, idempotency_key, webhook_url,
                 job.status.value, stamp, stamp),
            )  # fmt: skip
            if not inserted:
                # A request with the same key committed while this one ran (PostgreSQL, several APIs).
                return _earlier(cur, job) or job, False
        return job, True

    def job(self, tenant_id: str, job_id: str) -> Job | None:
        with self.db.transaction() as cur:
            rows = cur.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ? AND tenant_id = ?", (job_id, tenant_id))
        return _job(rows[0]) if rows else None

    def jobs(self, tenant_id: str, limit: int = 100, offset: int = 0) -> list[Job]:
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE tenant_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?",
                (tenant_id, limit, offset),
            )
        return [_job(row) for row in rows]

    def scorecard(self, tenant_id: str, job_id: str) -> Scorecard | None:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT scorecard FROM jobs WHERE id = ? AND tenant_id = ? AND status = ?",
                (job_id, tenant_id, JobStatus.GRADED.value),
            )
        return Scorecard.model_validate_json(rows[0][0]) if rows else None

    def claim(self, job_id: str, holder: str, lease_s: float) -> tuple[Job, bytes] | None:
        """Start a grading of `job_id` (with its upload) for `holder`, leased for `lease_s` seconds;
        None when it is final already or another holder's lease on it is live."""
        stamp = time.time()
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"UPDATE jobs SET status = ?, attempts = attempts + 1, holder = ?, lease_until = ?, updated_at = ? "
                f"WHERE id = ? AND status NOT IN (?, ?) AND NOT (status = ? AND COALESCE(lease_until, 0) > ?) "
                f"RETURNING {_JOB_COLUMNS}",
                (JobStatus.RUNNING.value, holder, stamp + lease_s, now(), job_id, *sorted(FINAL_STATUSES),
                 JobStatus.RUNNING.value, stamp),
            )  # fmt: skip
            if not rows:
                return None
            job = _job(rows[0])
            data = cur.execute("SELECT data FROM uploads WHERE sha256 = ?", (job.upload_sha256,))[0][0]
        return job, bytes(data)

    def renew(self, job_id: str, holder: str, lease_s: float) -> bool:
        """Extend `holder`'s lease on `job_id`; False when it holds it no more."""
        with self.db.transaction() as cur:
            return bool(cur.execute(
                "UPDATE jobs SET lease_until = ? WHERE id = ? AND holder = ? AND status = ? RETURNING id",
                (time.time() + lease_s, job_id, holder, JobStatus.RUNNING.value),
            ))  # fmt: skip

    def reusable(self, tenant_id: str, key: ResultKey) -> Scorecard | None:
        """A result this tenant already has for the same content, exercise version and rubric."""
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT scorecard FROM jobs WHERE tenant_id = ? AND submission_sha256 = ? AND exercise_id = ? "
                "AND exercise_version = ? AND rubric_sha256 = ? AND status = ? LIMIT 1",
                (tenant_id, key.submission_sha256, key.exercise_id, key.exercise_version, key.rubric_sha256,
                 JobStatus.GRADED.value),
            )  # fmt: skip
        return Scorecard.model_validate_json(rows[0][0]) if rows else None

    def finish(
        self, job_id: str, holder: str, status: JobStatus, *, reason: str = "", key: ResultKey | None = None,
        card: Scorecard | None = None,
    ) -> Job | None:  # fmt: skip
        """Record how `job_id` ended and, when it has a webhook and ended for good, owe its delivery.
        Only the lease's `holder` may; None when `holder` lost the job."""
        keyed = (key.submission_sha256, key.exercise_version, key.rubric_sha256) if key else (None, None, None)
        percent = card.total.percent if card else None
        with self.db.transaction() as cur:
            rows = cur.execute(
                "UPDATE jobs SET status = ?, reason = ?, submission_sha256 = ?, exercise_version = ?, "
                "rubric_sha256 = ?, scorecard = ?, percent = ?, duration_s = ?, updated_at = ?, "
                "infrastructure_failures = infrastructure_failures + ?, holder = NULL, lease_until = NULL "
                f"WHERE id = ? AND holder = ? AND status = ? RETURNING {_JOB_COLUMNS}",
                (status.value, reason, *keyed, card.model_dump_json() if card else None, percent,
                 card.duration_s if card else None, now(), int(status is JobStatus.INFRASTRUCTURE_ERROR), job_id,
                 holder, JobStatus.RUNNING.value),
            )  # fmt: skip
            if not rows:
                return None
            job = _job(rows[0])
            if job.webhook_url and status in FINAL_STATUSES:
                body = notification(job, card)
                cur.execute(
                    "INSERT INTO deliveries (id, job_id, url, body, attempts, next_at, state, last_error) "
                    "VALUES (?, ?, ?, ?, 0, ?, 'pending', '')",
                    (secrets.token_hex(12), job_id, job.webhook_url, body, time.time()),
                )
        return job

    def resend_all(self, *, release_running: bool) -> None:
        """At the dispatcher's start: every queued job is to be sent to the queue again (a queue may
        have lost what it held), and the jobs the kit failed are queued for another try (the only
        time they are); with `release_running` (the only worker is this process, so nothing is
        grading), running jobs are queued too."""
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE jobs SET status = ?, sent_at = NULL WHERE status IN (?, ?)",
                (JobStatus.QUEUED.value, JobStatus.QUEUED.value, JobStatus.INFRASTRUCTURE_ERROR.value),
            )
            if release_running:
                cur.execute(
                    "UPDATE jobs SET status = ?, holder = NULL, lease_until = NULL, sent_at = NULL WHERE status = ?",
                    (JobStatus.QUEUED.value, JobStatus.RUNNING.value),
                )

    def expire_leases(self, max_attempts: int) -> list[str]:
        """Jobs whose worker stopped renewing its lease: queued again, unless they were lost
        `max_attempts` times already (then failed by the kit, with no score). Returns the queued."""
        stamp = time.time()
        reason = (
            f"The grading was lost {max_attempts} times (its worker stopped each time); no score was given. "
            "It is tried again when the service restarts."
        )
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE jobs SET status = ?, reason = ?, holder = NULL, lease_until = NULL, sent_at = NULL, "
                "infrastructure_failures = infrastructure_failures + 1, updated_at = ? "
                "WHERE status = ? AND lease_until <= ? AND attempts >= ?",
                (JobStatus.INFRASTRUCTURE_ERROR.value, reason, now(), JobStatus.RUNNING.value, stamp, max_attempts),
            )
            rows = cur.execute(
                "UPDATE jobs SET status = ?, holder = NULL, lease_until = NULL, sent_at = NULL, updated_at = ? "
                "WHERE status = ? AND lease_until <= ? RETURNING id",
                (JobStatus.QUEUED.value, now(), JobStatus.RUNNING.value, stamp),
            )
        return [str(row[0]) for row in rows]

    def unsent(self, resend_after_s: float, limit: int = 100) -> list[str]:
        """Queued jobs to send to the queue, oldest first: those not sent yet, and those sent over
        `resend_after_s` seconds ago that no worker has started (a worker that died holding the
        message, a broker that lost it)."""
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT id FROM jobs WHERE status = ? AND (sent_at IS NULL OR sent_at < ?) "
                "ORDER BY created_at, id LIMIT ?",
                (JobStatus.QUEUED.value, time.time() - resend_after_s, limit),
            )
        return [str(row[0]) for row in rows]

    def mark_sent(self, job_id: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE jobs SET sent_at = ? WHERE id = ?", (time.time(), job_id))

    def counts(self) -> dict[JobStatus, int]:
        with self.db.transaction() as cur:
            rows = cur.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status")
        found = {JobStatus(status): int(count) for status, count in rows}
        return {status: found.get(status, 0) for status in JobStatus}

    def infrastructure_failures(self) -> int:
        """Gradings the kit or the engine failed, every attempt, over the store's life."""
        with self.db.transaction() as cur:
            return int(cur.execute("SELECT COALESCE(SUM(infrastructure_failures), 0) FROM jobs")[0][0])

    def duration_histogram(self, bounds: Sequence[float]) -> tuple[list[int], int, float]:
        """Graded jobs' durations, counted in the database: (jobs at most each bound, jobs, seconds in all)."""
        buckets = ", ".join("COALESCE(SUM(CASE WHEN duration_s <= ? THEN 1 ELSE 0 END), 0)" for _ in bounds)
        with self.db.transaction() as cur:
            row = cur.execute(
                f"SELECT {buckets}, COUNT(*), COALESCE(SUM(duration_s), 0) FROM jobs WHERE duration_s IS NOT NULL",
                tuple(bounds),
            )[0]
        return [int(count) for count in row[: len(bounds)]], int(row[-2]), float(row[-1])

    # Webhook deliveries ----------------------------------------------------------------------------

    def due_deliveries(self, limit: int = 20) -> list[Delivery]:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT d.id, d.job_id, j.tenant_id, d.url, d.body, d.attempts FROM deliveries d "
                "JOIN jobs j ON j.id = d.job_id WHERE d.state = 'pending' AND d.next_at <= ? "
                "ORDER BY d.next_at LIMIT ?",
                (time.time(), limit),
            )
        return [Delivery(*row) for row in rows]

    def delivered(self, delivery_id: str) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE deliveries SET state = 'delivered', delivered_at = ?, attempts = attempts + 1 WHERE id = ?",
                (now(), delivery_id),
            )

    def retry_delivery(self, delivery_id: str, error: str, next_at: float | None) -> None:
        """Record a failed attempt; try again at `next_at`, or never (None: given up)."""
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_at = ?, state = ? WHERE id = ?",
                (error[:500], next_at or time.time(), "pending" if next_at else "abandoned", delivery_id),
            )

    def close(self) -> None:
        self.db.close()


def notification(job: Job, card: Scorecard | None) -> str:
    """A webhook's body: the job, its outcome and its scores (no candidate-written text)."""
    return json.dumps({
        "job_id": job.id, "exercise_id": job.exercise_id, "status": job.status.value,
        "idempotency_key": job.idempotency_key, "percent": card.total.percent if card else None,
        "maturity_level": card.maturity_level if card else None, "complete": card.complete if card else None,
        "reason": job.reason,
    }, sort_keys=True)  # fmt: skip
