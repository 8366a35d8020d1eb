"""Grade a batch of submissions, N at a time, each result committed to the store before it is reported.

A re-run of the same batch resumes: a submission whose result is stored (under its content hash,
the exercise's version and the rubric's hash) is not graded again, and identical submissions are
graded once. A failure of the kit or the engine is never a score: the grading is retried with
backoff, and when it still fails the entry is recorded as an infrastructure error and the run
stops starting new gradings (the next run grades what is left).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness.batch.similarity import fingerprint
from harness.errors import InfrastructureError, SubmissionError
from harness.exercise import Exercise
from harness.fsutil import file_sha256
from harness.grade import grade_unpacked
from harness.model.flags import FlagKind
from harness.model.results import Entry, Event, ResultKey, Status
from harness.model.scorecard import Scorecard
from harness.store import ResultStore
from harness.unpack import Submission, unpacked

#: Pauses before the second and third attempt of a grading the kit or the engine failed.
RETRY_DELAYS_S = (5.0, 20.0)
Listener = Callable[[Event, Entry], None]


@dataclass
class BatchRun:
    """What one run did. `stopped` says why it stopped early ('' when it did not)."""

    total: int
    counts: dict[Event, int] = field(default_factory=dict)
    stopped: str = ""

    @property
    def pending(self) -> int:
        return self.total - sum(count for event, count in self.counts.items() if event is not Event.STARTED)


class GradingFailed(Exception):
    """A grading the kit or the engine failed, on every attempt (the message says why)."""


def grade_attempts(
    exercise: Exercise, submission: Submission, backend: str, delays_s: Sequence[float], stop: threading.Event
) -> Scorecard:
    """The scorecard of the first attempt the kit and the engine did not fail, trying again after
    each of `delays_s`; GradingFailed when every attempt failed or `stop` was set while waiting."""
    reason = ""
    for delay in (0.0, *delays_s):
        if delay and stop.wait(delay):
            break
        try:
            card = grade_unpacked(exercise, submission, backend, gradings=1)  # the retries are these
        except InfrastructureError as exc:
            reason = str(exc)
            continue
        failed = [f.detail for f in card.flags if f.kind == FlagKind.INFRASTRUCTURE_ERROR]
        if not failed:
            return card
        reason = f"the kit's machinery failed under a check ({failed[0]})"
    raise GradingFailed(reason or "another grading failed for the same reason; the run stopped")


class BatchRunner:
    def __init__(
        self, exercise: Exercise, store: ResultStore, backend: str, *, jobs: int = 1, regrade: bool = False,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S, listener: Listener | None = None,
    ) -> None:  # fmt: skip
        self.exercise, self.store, self.backend, self.jobs = exercise, store, backend, max(jobs, 1)
        self.regrade, self.retry_delays_s = regrade, tuple(retry_delays_s)
        self._listener = listener or (lambda event, entry: None)
        self._rubric = file_sha256(exercise.paths.rubric_file)
        self._key_locks: dict[ResultKey, threading.Lock] = {}
        self._regraded: set[ResultKey] = set()
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._run = BatchRun(total=0)

    def run(self, entries: Sequence[Entry]) -> BatchRun:
        self.store.claim(self.exercise.id)
        self._run = BatchRun(total=len(entries))
        recorded = {result.entry.candidate_id for result in self.store.entries()}
        for entry in entries:
            if entry.candidate_id not in recorded:
                self.store.mark(entry, Status.PENDING)
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="opsdrill-batch") as pool:
            try:
                for future in [pool.submit(self._entry, entry) for entry in entries]:
                    future.result()
            except BaseException:
                # Interrupted (or a bug): gradings in flight end and commit; no new one starts.
                self._stop.set()
                raise
        return self._run

    def _tell(self, event: Event, entry: Entry) -> None:
        with self._mutex:
            self._run.counts[event] = self._run.counts.get(event, 0) + 1
        self._listener(event, entry)

    def _entry(self, entry: Entry) -> None:
        if self._stop.is_set():
            return
        self._tell(Event.STARTED, entry)
        try:
            with unpacked(Path(entry.source)) as submission:
                prints = fingerprint(submission.path, self.exercise.paths.starter)
                self.store.save_fingerprint(entry.candidate_id, json.dumps(prints))
                self._grade(entry, submission)
        except SubmissionError as exc:
            self.store.mark(entry, Status.REFUSED, str(exc))
            self._tell(Event.REFUSED, entry)

    def _lock(self, key: ResultKey) -> threading.Lock:
        with self._mutex:
            return self._key_locks.setdefault(key, threading.Lock())

    def _grade(self, entry: Entry, submission: Submission) -> None:
        key = ResultKey(
            submission_sha256=submission.sha256, exercise_id=self.exercise.id,
            exercise_version=self.exercise.spec.version, rubric_sha256=self._rubric,
        )  # fmt: skip
        # Identical submissions wait for each other: the second finds the first one's result.
        with self._lock(key):
            stored = self.store.result(key)
            fresh = self.regrade and key not in self._regraded
            if stored is not None and not fresh:
                self.store.mark(entry, Status.GRADED, key=key)
                self._tell(Event.REUSED, entry)
                return
            try:
                card = grade_attempts(self.exercise, submission, self.backend, self.retry_delays_s, self._stop)
            except GradingFailed as exc:
                # A result stored before (this content graded earlier) stays this entry's result.
                if stored is None:
                    self.store.mark(entry, Status.INFRASTRUCTURE_ERROR, str(exc))
                else:
                    self.store.mark(entry, Status.GRADED, key=key)
                self._stop.set()
                with self._mutex:
                    self._run.stopped = self._run.stopped or str(exc)
                self._tell(Event.FAILED, entry)
                return
            self.store.save(entry, key, card)
            self._regraded.add(key)
        self._tell(Event.GRADED, entry)
