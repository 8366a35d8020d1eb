"""The session journal: one JSON event per line, appended and flushed to disk as it happens.

A process killed mid-write leaves at most a torn last line, which reading skips; every complete
line before it is the session. Events are facts with a time; the session state is their fold.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from harness.errors import BadInputError


class Event(BaseModel):
    #: Seconds since the epoch (the session's clock survives restarts of the process).
    at: float = Field(default_factory=time.time)


class SessionStarted(Event):
    kind: Literal["session_started"] = "session_started"
    exercise: str
    budget_s: float


class ProcessStarted(Event):
    """`opsdrill live` (re)started on this session."""

    kind: Literal["process_started"] = "process_started"


class ChecksRan(Event):
    """One run of the public (self-check) or hidden checks over the workspace: each check's status."""

    kind: Literal["checks_ran"] = "checks_ran"
    suite: Literal["public", "hidden"]
    statuses: dict[str, str]
    #: Why the run gave no statuses (the workspace could not be graded), else empty.
    problem: str = ""


class HintReleased(Event):
    kind: Literal["hint_released"] = "hint_released"
    hint: str


class NoteAdded(Event):
    kind: Literal["note_added"] = "note_added"
    text: str


class ManualScored(Event):
    kind: Literal["manual_scored"] = "manual_scored"
    item: str
    score: int = Field(ge=0, le=3)


class Finished(Event):
    kind: Literal["finished"] = "finished"
    packet: str


AnyEvent = Annotated[
    SessionStarted | ProcessStarted | ChecksRan | HintReleased | NoteAdded | ManualScored | Finished,
    Field(discriminator="kind"),
]
_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


class Journal:
    """Append-only events in `path`; each append is on disk (fsync) before it returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mended = False

    def read(self) -> list[AnyEvent]:
        """Every complete event. A line cut short by a process killed while writing it is skipped
        (the next append starts a line of its own); a file with lines but no session start is not a
        journal, and is said so rather than overwritten."""
        if not self.path.exists():
            return []
        events: list[AnyEvent] = []
        lines = [line for line in self.path.read_bytes().split(b"\n") if line.strip()]
        for line in lines:
            try:
                events.append(_EVENT.validate_json(line))
            except ValidationError:
                continue
        if lines and not any(isinstance(e, SessionStarted) for e in events):
            raise BadInputError(f"{self.path} is not a live session journal; move it away or choose another folder.")
        return events

    def append(self, event: AnyEvent) -> AnyEvent:
        data = event.model_dump_json().encode() + b"\n"
        with self._lock:
            self._mend_torn_tail()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        return event

    def _mend_torn_tail(self) -> None:
        """End a torn last line (left by a process killed while writing: only ever before this
        process's first append), so the next event starts on a line of its own."""
        if self._mended:
            return
        self._mended = True
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open("rb") as handle:
                handle.seek(-1, os.SEEK_END)
                torn = handle.read(1) != b"\n"
            if torn:
                with self.path.open("ab") as handle:
                    handle.write(b"\n")
