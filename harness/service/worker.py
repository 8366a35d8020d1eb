"""What a worker does with a job id, whichever queue handed it over, and the embedded queue.

`run_job` is safe to call any number of times for one job (a queue that delivers it twice, a
dispatcher that sends it again): it grades only when it wins the job's lease, renews the lease
while grading, and stores the result only if it still holds the lease at the end.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import secrets
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from harness import exercise as exercise_mod
from harness.batch.runner import RETRY_DELAYS_S, GradingFailed, grade_attempts
from harness.errors import OpsdrillError, SubmissionError
from harness.fsutil import file_sha256
from harness.model.jobs import Job, JobStatus
from harness.model.results import ResultKey
from harness.model.scorecard import Scorecard
from harness.service.store import ServiceStore
from harness.unpack import unpacked

log = logging.getLogger("opsdrill.service")
#: Seconds a worker's claim on a job lasts unless renewed; a worker renews it every LEASE_S / 6
#: while it grades, so only a worker that stopped (killed, frozen, cut off) lets it run out.
LEASE_S = 30.0


class JobQueue(Protocol):
    """Where the API puts job ids for workers to grade."""

    def start(self) -> None: ...

    def enqueue(self, job_id: str) -> None: ...

    def ready(self) -> bool:
        """Whether queued jobs will be picked up."""

    def stop(self) -> None: ...

    #: Whether this queue's workers are the store's only ones (then a running job at start is one
    #: a stopped process left).
    only_workers: bool


def _upload_name(filename: str) -> str:
    """A local name keeping what says how to unpack the upload (its archive extension)."""
    lowered = filename.lower()
    for suffix in (".tar.gz", ".tgz", ".zip"):
        if lowered.endswith(suffix):
            return "upload" + suffix
    return "upload"


def run_job(
    store: ServiceStore, job_id: str, backend: str, *, retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
    stop: threading.Event | None = None, lease_s: float = LEASE_S,
) -> Job | None:  # fmt: skip
    """Grade `job_id` and store how it ended; None when it is final already, another worker holds
    it, or this worker lost it while grading (its result is then discarded)."""
    holder = secrets.token_hex(8)
    claimed = store.claim(job_id, holder, lease_s)
    if claimed is None:
        return None
    job, data = claimed
    log.info("grading started", extra={"job_id": job.id, "attempt": job.attempts})
    with _renewed(store, job.id, holder, lease_s):
        status, reason, key, card = _grade(store, job, data, backend, retry_delays_s, stop or threading.Event())
    ended = store.finish(job.id, holder, status, reason=reason, key=key, card=card)
    if ended is None:
        log.warning("grading discarded: the job's lease was lost to another worker", extra={"job_id": job.id})
        return None
    log.info("grading ended", extra={"job_id": job.id, "status": ended.status.value, "percent": ended.percent})
    return ended


def _grade(
    store: ServiceStore, job: Job, data: bytes, backend: str, retry_delays_s: Sequence[float], stop: threading.Event
) -> tuple[JobStatus, str, ResultKey | None, Scorecard | None]:
    """How the job's grading ends: (status, reason, result key, scorecard). The same content graded
    for the tenant before, on the same exercise version and rubric, takes that result."""
    try:
        exercise = exercise_mod.load(job.exercise_id)
    except OpsdrillError as exc:
        return JobStatus.INFRASTRUCTURE_ERROR, str(exc), None, None
    with tempfile.TemporaryDirectory(prefix="opsdrill-upload-") as holder:
        path = Path(holder) / _upload_name(job.filename)
        path.write_bytes(data)
        try:
            with unpacked(path) as unpacked_upload:
                submission = dataclasses.replace(unpacked_upload, source=job.filename)
                key = ResultKey(
                    submission_sha256=submission.sha256, exercise_id=exercise.id,
                    exercise_version=exercise.spec.version, rubric_sha256=file_sha256(exercise.paths.rubric_file),
                )  # fmt: skip
                card = store.reusable(job.tenant_id, key) or grade_attempts(
                    exercise, submission, backend, retry_delays_s, stop
                )
        except SubmissionError as exc:
            return JobStatus.REFUSED, str(exc), None, None
        except GradingFailed as exc:
            return JobStatus.INFRASTRUCTURE_ERROR, str(exc), None, None
    return JobStatus.GRADED, "", key, card


@contextmanager
def _renewed(store: ServiceStore, job_id: str, holder: str, lease_s: float) -> Iterator[None]:
    """`holder`'s lease on `job_id` renewed in the background while the block runs."""
    done = threading.Event()

    def renew() -> None:
        while not done.wait(lease_s / 6):
            try:
                if not store.renew(job_id, holder, lease_s):
                    return
            except Exception:
                log.exception("lease renewal failed; trying again", extra={"job_id": job_id})

    thread = threading.Thread(target=renew, name=f"opsdrill-lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class LocalWorkers:
    """The embedded queue: `jobs` threads in the service's own process, the only workers of its
    store (so at start nothing is grading, whatever the store says)."""

    #: Whether this queue's workers are the store's only ones.
    only_workers = True

    def __init__(
        self, store: ServiceStore, backend: str, jobs: int, *, retry_delays_s: Sequence[float] = RETRY_DELAYS_S
    ) -> None:
        self.store, self.backend, self.retry_delays_s = store, backend, tuple(retry_delays_s)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"opsdrill-worker-{n}", daemon=True) for n in range(max(jobs, 1))
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def enqueue(self, job_id: str) -> None:
        self._queue.put(job_id)

    def ready(self) -> bool:
        return not self._stop.is_set() and all(thread.is_alive() for thread in self._threads)

    def depth(self) -> int:
        return self._queue.qsize()

    def stop(self) -> None:
        """No new grading starts; gradings in flight end and are stored."""
        self._stop.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def _work(self) -> None:
        while not self._stop.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                run_job(self.store, job_id, self.backend, retry_delays_s=self.retry_delays_s, stop=self._stop)
            except Exception:
                # A bug, not the submission's doing: the job's lease runs out and it is queued again.
                log.exception("grading crashed", extra={"job_id": job_id})
