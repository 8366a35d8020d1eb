"""Runs a live session's checks, one run at a time, in a thread of its own: the public checks when
the workspace's files change (once they have been still for a moment), the hidden checks when the
interviewer asks, and the grading that finishes the session."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harness.errors import OpsdrillError
from harness.live.session import Session, SessionError
from harness.live.state import Suite
from harness.model.scorecard import Scorecard

log = logging.getLogger(__name__)
#: How often the workspace is looked at, and how long its files must stay unchanged before the
#: public checks run (an editor saving several files, a `git checkout`, count as one change).
POLL_S = 1.0
SETTLE_S = 1.5

Statuses = dict[str, str]
#: Folders whose changes never change a check's outcome, and may hold many files.
UNWATCHED = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules", ".ipynb_checkpoints", ".mypy_cache"})


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file under `root` with its size and modification time (symlinks not followed)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in UNWATCHED)
        for name in sorted(files):
            path = Path(folder, name)
            try:
                stat = path.lstat()
            except OSError:
                continue
            found.append((str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class Runner:
    """`public(workspace)` gives each public check's status; `grade(workspace)` the scorecard of the
    hidden checks (a hidden run keeps its statuses; Finish, the whole card). Failures of the kit are
    recorded as the run's problem."""

    def __init__(
        self, session: Session, public: Callable[[Path], Statuses], grade: Callable[[Path], Scorecard]
    ) -> None:
        self.session = session
        self._public, self._grade = public, grade
        self._wake = threading.Condition()
        self._wanted: set[str] = {"public"}  # a fresh process checks the workspace once
        self._stop = False
        self.running: str | None = None
        self.finish_problem = ""
        self._thread = threading.Thread(target=self._loop, name="live-checks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        self._thread.join(timeout=5)

    def request(self, what: str) -> None:
        """Ask for a run: "public", "hidden" or "finish" (queued behind the one running, once)."""
        with self._wake:
            self._wanted.add(what)
            self._wake.notify_all()

    def pending(self) -> set[str]:
        with self._wake:
            return set(self._wanted)

    def _loop(self) -> None:
        seen = fingerprint(self.session.workspace)
        changed_at: float | None = None
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._stop or "hidden" in self._wanted or "finish" in self._wanted,
                                    timeout=POLL_S)  # fmt: skip
                if self._stop:
                    return
            now_seen = fingerprint(self.session.workspace)
            if now_seen != seen:
                seen, changed_at = now_seen, time.monotonic()
            elif changed_at is not None and time.monotonic() - changed_at >= SETTLE_S:
                changed_at = None
                self.request("public")
            self._run_next()

    def _run_next(self) -> None:
        with self._wake:
            order = [w for w in ("finish", "hidden", "public") if w in self._wanted]
            if not order or self.session.state.finished is not None:
                self._wanted.clear()
                return
            what = order[0]
            self._wanted.discard(what)
            self.running = what
        try:
            if what == "finish":
                self._finish()
            else:
                self._run("hidden" if what == "hidden" else "public")
        finally:
            self.running = None

    def _run(self, suite: Suite) -> None:
        try:
            if suite == "public":
                statuses = self._public(self.session.workspace)
            else:
                statuses = {c.id: c.status for c in self._grade(self.session.workspace).checks}
        except OpsdrillError as exc:
            self.session.record_run(suite, {}, problem=str(exc))
            return
        except Exception:  # a bug must not stop the session's checks for good
            log.exception("the %s checks failed", suite)
            self.session.record_run(suite, {}, problem="the kit failed to run the checks (see its log)")
            return
        self.session.record_run(suite, statuses)

    def _finish(self) -> None:
        try:
            self.session.finish(self._grade)
            self.finish_problem = ""
        except (OpsdrillError, SessionError) as exc:
            self.finish_problem = str(exc)
            log.warning("finishing the session failed: %s", exc)
