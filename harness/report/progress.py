"""A batch's live progress on the terminal: a bar with what is done, failed and running, and an ETA."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from harness.model.results import Entry, Event

#: Events that end an entry, and the column each one counts in.
DONE = {Event.GRADED: "done", Event.REUSED: "done", Event.REFUSED: "failed", Event.FAILED: "failed"}


class BatchProgress:
    """A batch listener: call it with each event; use it as a context manager around the run."""

    def __init__(self, console: Console, total: int) -> None:
        self._progress = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
            TextColumn("done {task.fields[done]} · failed {task.fields[failed]} · running {task.fields[running]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, transient=False,
        )  # fmt: skip
        self._counts = {"done": 0, "failed": 0, "running": 0}
        self._task = self._progress.add_task("batch", total=total, done=0, failed=0, running=0)
        self._lock = threading.Lock()

    def __call__(self, event: Event, entry: Entry) -> None:
        with self._lock:
            if event is Event.STARTED:
                self._counts["running"] += 1
            else:
                self._counts["running"] -= 1
                self._counts[DONE[event]] += 1
            done, failed, running = self._counts["done"], self._counts["failed"], self._counts["running"]
            self._progress.update(self._task, completed=done + failed, done=done, failed=failed, running=running)

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()
