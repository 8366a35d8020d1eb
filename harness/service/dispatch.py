"""The dispatcher: the one thing that sends jobs to the queue, from the API's process.

A submission is stored first and sent after, so a queue that is down, or an API killed between the
two, delays a job but never loses it. Each round the dispatcher queues again the jobs whose worker
stopped renewing its lease, then sends every job not sent yet, and again every job sent long ago
that no worker started (its message died with a worker that had taken it, or with the broker).
Sending a job twice is harmless: only the worker that wins the job's lease grades it.
"""

from __future__ import annotations

import logging
import threading

from harness.service.store import ServiceStore
from harness.service.worker import JobQueue

log = logging.getLogger("opsdrill.service")
#: Times a job's grading may be lost (its worker stopped) before the kit gives up on it.
MAX_LOST_GRADINGS = 3
#: Seconds after which a job sent but not started is sent again.
RESEND_AFTER_S = 600.0


class Dispatcher:
    """A thread sending due jobs to `queue` every `poll_s` seconds, and at once when poked."""

    def __init__(
        self, store: ServiceStore, queue: JobQueue, *, poll_s: float = 2.0, resend_after_s: float = RESEND_AFTER_S
    ) -> None:
        self.store, self.queue, self.poll_s, self.resend_after_s = store, queue, poll_s, resend_after_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="opsdrill-dispatcher", daemon=True)

    def start(self) -> None:
        self.store.resend_all(release_running=self.queue.only_workers)
        self._thread.start()

    def poke(self) -> None:
        """A job was stored: send it now rather than at the next round."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def round(self) -> int:
        """One round: expired leases queued again, unsent jobs sent. Returns the jobs sent."""
        for job_id in self.store.expire_leases(MAX_LOST_GRADINGS):
            log.warning("grading lost: the job's worker stopped renewing its lease", extra={"job_id": job_id})
        sent = 0
        for job_id in self.store.unsent(self.resend_after_s):
            self.queue.enqueue(job_id)
            self.store.mark_sent(job_id)
            sent += 1
        return sent

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.round()
            except Exception:
                # The queue or the store is away: what was not sent stays unsent for the next round.
                log.exception("dispatch round failed; trying again")
            self._wake.wait(self.poll_s)
