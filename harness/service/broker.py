"""Scale-out on Celery: the API sends job ids to a broker (Redis), `opsdrill worker` processes, each
on a host with its own Docker engine, grade them against the shared PostgreSQL store.

A task is acknowledged only when its grading ended (late acknowledgement), so a worker that dies
mid-grading leaves its message to be delivered again; the store's lease decides in any case, and
the API's dispatcher queues a job again as soon as its dead worker's lease runs out, without
waiting for the broker. Results never travel through the broker.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from celery import Celery

from harness.service.store import ServiceStore
from harness.service.worker import run_job

log = logging.getLogger("opsdrill.service")
QUEUE = "opsdrill-grading"
TASK = "opsdrill.grade"
#: Seconds a `ready()` answer is kept (it asks the workers over the broker).
READY_CACHE_S = 5.0


def celery_app(broker_url: str) -> Celery:
    app = Celery("opsdrill", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        # One job at a time per worker slot: a worker takes no job it cannot start.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        # The broker hands an unacknowledged job to another worker only after this long; the store's
        # lease brings a lost job back much sooner, so this is only the last resort.
        broker_transport_options={"visibility_timeout": 3600},
    )
    return app


class CeleryQueue:
    """The API's side: job ids sent to the broker for any worker to take."""

    only_workers = False

    def __init__(self, broker_url: str) -> None:
        self.app = celery_app(broker_url)
        self._ready: tuple[float, bool] = (0.0, False)

    def start(self) -> None:
        pass

    def enqueue(self, job_id: str) -> None:
        self.app.send_task(TASK, args=[job_id], queue=QUEUE)

    def ready(self) -> bool:
        """Whether a worker answers over the broker (asked at most every READY_CACHE_S)."""
        asked_at, answer = self._ready
        if time.monotonic() - asked_at > READY_CACHE_S:
            try:
                answer = bool(self.app.control.ping(timeout=1.0))
            except Exception:
                answer = False
            self._ready = (time.monotonic(), answer)
        return answer

    def stop(self) -> None:
        self.app.close()


def run_worker(broker_url: str, store: ServiceStore, backend: str, jobs: int) -> None:
    """`opsdrill worker`: grade jobs from the broker, `jobs` at a time, until stopped (SIGTERM
    waits for the gradings in flight; SIGKILL leaves them to other workers)."""
    app = celery_app(broker_url)

    @app.task(name=TASK)  # type: ignore[untyped-decorator]
    def grade(job_id: str) -> None:
        run_job(store, job_id, backend)

    node = f"opsdrill-{os.getpid()}@{socket.gethostname()}"
    argv: list[Any] = ["worker", "--pool", "threads", "--concurrency", str(max(jobs, 1)), "--queues", QUEUE,
                       "--hostname", node, "--loglevel", "INFO", "--without-gossip", "--without-mingle"]  # fmt: skip
    app.worker_main(argv=argv)
