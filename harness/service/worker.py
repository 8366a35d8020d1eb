"""What a worker does with a job id, whichever queue handed it over, and the embedded queue.

`run_job` is safe to call twice for one job (a queue that redelivers after a worker died): a job
already graded or refused is left alone, one still marked running is graded afresh.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from harness import exercise as exercise_mod
from harness.batch.runner import RETRY_DELAYS_S, GradingFailed, grade_attempts
from harness.errors import OpsdrillError, SubmissionError
from harness.fsutil import file_sha256
from harness.model.jobs import Job, JobStatus
from harness.model.results import ResultKey
from harness.service.store import ServiceStore
from harness.unpack import unpacked

log = logging.getLogger("opsdrill.service")


class JobQueue(Protocol):
    """Where the API puts job ids for workers to grade."""

    def start(self) -> None: ...

    def enqueue(self, job_id: str) -> None: ...

    def ready(self) -> bool:
        """Whether queued jobs will be picked up."""

    def stop(self) -> None: ...


def _upload_name(filename: str) -> str:
    """A local name keeping what says how to unpack the upload (its archive extension)."""
    lowered = filename.lower()
    for suffix in (".tar.gz", ".tgz", ".zip"):
        if lowered.endswith(suffix):
            return "upload" + suffix
    return "upload"


def run_job(
    store: ServiceStore, job_id: str, backend: str, *, retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
    stop: threading.Event | None = None,
) -> Job | None:  # fmt: skip
    """Grade `job_id` and store how it ended; None when it had ended already."""
    claimed = store.claim(job_id)
    if claimed is None:
        return None
    job, data = claimed
    log.info("grading started", extra={"job_id": job.id, "attempt": job.attempts})
    try:
        exercise = exercise_mod.load(job.exercise_id)
    except OpsdrillError as exc:
        return _finished(store.finish(job.id, JobStatus.INFRASTRUCTURE_ERROR, reason=str(exc)))
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
                    exercise, submission, backend, retry_delays_s, stop or threading.Event()
                )
        except SubmissionError as exc:
            return _finished(store.finish(job.id, JobStatus.REFUSED, reason=str(exc)))
        except GradingFailed as exc:
            return _finished(store.finish(job.id, JobStatus.INFRASTRUCTURE_ERROR, reason=str(exc)))
    return _finished(store.finish(job.id, JobStatus.GRADED, key=key, card=card))


def _finished(job: Job) -> Job:
    log.info("grading ended", extra={"job_id": job.id, "status": job.status.value, "percent": job.percent})
    return job


class LocalWorkers:
    """The embedded queue: `jobs` threads in the service's own process. At start it takes every
    job the store holds unfinished, so a restarted service grades what a stopped one left."""

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
        for job_id in self.store.unfinished():
            self._queue.put(job_id)
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
                # A bug, not the submission's doing: the job stays unfinished for the next start.
                log.exception("grading crashed", extra={"job_id": job_id})
