"""A live session's state: the fold of its journal's events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from harness.live.journal import (
    AnyEvent,
    ChecksRan,
    Finished,
    HintReleased,
    ManualScored,
    NoteAdded,
    ProcessStarted,
    SessionStarted,
)

Suite = Literal["public", "hidden"]


@dataclass(frozen=True)
class Transition:
    """A check's status changed (or was first seen) in a run of its suite at `at`."""

    at: float
    suite: Suite
    check: str
    status: str


@dataclass
class SessionState:
    exercise: str
    started_at: float
    budget_s: float
    #: Released hints: id -> when.
    hints: dict[str, float] = field(default_factory=dict)
    notes: list[NoteAdded] = field(default_factory=list)
    #: Manual item id -> its latest score (0-3).
    manual: dict[str, int] = field(default_factory=dict)
    runs: list[ChecksRan] = field(default_factory=list)
    finished: Finished | None = None
    #: How many times `opsdrill live` started on this session (1: never restarted).
    processes: int = 0

    @classmethod
    def fold(cls, events: list[AnyEvent]) -> SessionState:
        start = next((e for e in events if isinstance(e, SessionStarted)), None)
        if start is None:
            raise ValueError("a session's events begin with session_started")
        state = cls(start.exercise, start.at, start.budget_s)
        for event in events:
            state.apply(event)
        return state

    def apply(self, event: AnyEvent) -> None:
        if isinstance(event, ProcessStarted):
            self.processes += 1
        elif isinstance(event, ChecksRan):
            self.runs.append(event)
        elif isinstance(event, HintReleased):
            self.hints.setdefault(event.hint, event.at)
        elif isinstance(event, NoteAdded):
            self.notes.append(event)
        elif isinstance(event, ManualScored):
            self.manual[event.item] = event.score
        elif isinstance(event, Finished):
            self.finished = event

    def elapsed_s(self, now: float | None = None) -> float:
        """Wall time since the session started (a restart does not stop the clock), until it finished."""
        end = self.finished.at if self.finished else (time.time() if now is None else now)
        return max(end - self.started_at, 0.0)

    def latest(self, suite: Suite) -> ChecksRan | None:
        return next((run for run in reversed(self.runs) if run.suite == suite), None)

    def timeline(self, suite: Suite | None = None) -> list[Transition]:
        """Every change of a check's status across the runs (of `suite`, or of both), in order."""
        seen: dict[tuple[str, str], str] = {}
        changes = []
        for run in self.runs:
            if suite is not None and run.suite != suite:
                continue
            for check, status in run.statuses.items():
                if seen.get((run.suite, check)) != status:
                    seen[(run.suite, check)] = status
                    changes.append(Transition(run.at, run.suite, check, status))
        return changes
