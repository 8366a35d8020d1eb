"""A live session on disk: the candidate's workspace, and beside it (never inside it, where the
candidate could read it) the session folder holding the journal, the views' tokens and the packet."""

from __future__ import annotations

import copy
import json
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.errors import BadInputError
from harness.exercise import Exercise
from harness.live.journal import (
    AnyEvent,
    ChecksRan,
    Finished,
    HintReleased,
    Journal,
    ManualScored,
    NoteAdded,
    ProcessStarted,
    SessionStarted,
)
from harness.live.state import SessionState, Suite
from harness.model.scorecard import LiveSession, ManualResult, ReleasedHint, Scorecard, SessionNote, TimelineEntry
from harness.report import packet
from harness.score import live_percents

JOURNAL = "journal.jsonl"
TOKENS = "tokens.json"
PACKET = "packet"
#: Longest note kept (a note is the interviewer's, but it is shown in pages and the packet).
MAX_NOTE_CHARS = 4000


class SessionError(ValueError):
    """A request the session refuses, in one sentence for the person who made it."""


def session_dir(workspace: Path) -> Path:
    """The session folder of `workspace`: a hidden sibling, outside what the candidate edits."""
    workspace = workspace.resolve()
    return workspace.parent / f".{workspace.name}.opsdrill-live"


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Tokens:
    interviewer: str
    candidate: str


class Session:
    """One live session. Every change is journaled before it is applied, so a process killed at any
    point restarts into the state it had (open it again with the same workspace)."""

    def __init__(self, exercise: Exercise, workspace: Path, folder: Path, journal: Journal, tokens: Tokens) -> None:
        self.exercise, self.workspace, self.folder, self.tokens = exercise, workspace, folder, tokens
        self._journal = journal
        self._lock = threading.Lock()
        self.state = SessionState.fold(journal.read())

    @classmethod
    def open(cls, exercise: Exercise, workspace: Path) -> Session:
        """Resume the session of `workspace`, or start one: the workspace must then be absent or
        empty, and gets the exercise's starter."""
        workspace = workspace.resolve()
        folder = session_dir(workspace)
        journal = Journal(folder / JOURNAL)
        events = journal.read()
        if events:
            started = next(e for e in events if isinstance(e, SessionStarted))
            if started.exercise != exercise.id:
                raise BadInputError(
                    f"{workspace} holds a live session of {started.exercise}, not {exercise.id}; "
                    "choose another workspace."
                )
            if not workspace.is_dir():
                raise BadInputError(f"the session's workspace {workspace} is gone; restore it to resume the session.")
        else:
            if workspace.exists() and any(workspace.iterdir()):
                raise BadInputError(f"{workspace} is not empty and holds no live session; give an empty or new folder.")
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copytree(exercise.paths.starter, workspace, dirs_exist_ok=True)
            journal.append(SessionStarted(exercise=exercise.id, budget_s=60.0 * exercise.spec.minutes))
        journal.append(ProcessStarted())
        return cls(exercise, workspace, folder, journal, _tokens(folder / TOKENS))

    def snapshot(self) -> SessionState:
        """A copy of the state that no later event changes (pages read it while events arrive)."""
        with self._lock:
            return copy.deepcopy(self.state)

    def _record(self, event: AnyEvent) -> None:
        with self._lock:
            self._journal.append(event)
            self.state.apply(event)

    def _open_for_changes(self) -> None:
        if self.state.finished is not None:
            raise SessionError("the session is finished; its packet is written.")

    def release_hint(self, hint_id: str) -> None:
        self._open_for_changes()
        if hint_id not in {h.id for h in self.exercise.rubric.hints}:
            raise SessionError(f"there is no hint '{hint_id}' for {self.exercise.id}.")
        if hint_id not in self.state.hints:
            self._record(HintReleased(hint=hint_id))

    def add_note(self, text: str) -> None:
        self._open_for_changes()
        text = text.strip()
        if not text:
            raise SessionError("a note needs some text.")
        if len(text) > MAX_NOTE_CHARS:
            raise SessionError(f"a note may be at most {MAX_NOTE_CHARS} characters.")
        self._record(NoteAdded(text=text))

    def score_manual(self, item_id: str, score: int) -> None:
        self._open_for_changes()
        if item_id not in {item.id for item in self.exercise.rubric.manual}:
            raise SessionError(f"there is no manual item '{item_id}' for {self.exercise.id}.")
        if score not in range(4):
            raise SessionError("a manual item is scored 0, 1, 2 or 3.")
        self._record(ManualScored(item=item_id, score=score))

    def record_run(self, suite: Suite, statuses: dict[str, str], problem: str = "") -> None:
        if self.state.finished is None:
            self._record(ChecksRan(suite=suite, statuses=statuses, problem=problem))

    def unscored_items(self) -> list[str]:
        return [item.id for item in self.exercise.rubric.manual if item.id not in self.state.manual]

    def finish(self, grade: Callable[[Path], Scorecard]) -> Path:
        """Grade the workspace with the hidden checks (`grade`), combine the result with the manual
        items and the hints' cost, and write the packet; the session takes no changes after it."""
        self._open_for_changes()
        unscored = self.unscored_items()
        if unscored:
            raise SessionError(f"score the manual items first: {', '.join(unscored)}.")
        card = grade(self.workspace)
        self.record_run("hidden", {check.id: check.status for check in card.checks})
        finished_at = time.time()
        card = card.model_copy(
            update={"manual": self._manual_results(card), "session": self._record_of(card, finished_at)}
        )
        folder = self.folder / PACKET
        folder.mkdir(exist_ok=True)
        packet.write(card, folder)
        self._record(Finished(at=finished_at, packet=str(folder)))
        return folder

    def _manual_results(self, card: Scorecard) -> list[ManualResult]:
        return [m.model_copy(update={"score": self.state.manual.get(m.id)}) for m in card.manual]

    def _record_of(self, card: Scorecard, finished_at: float) -> LiveSession:
        rubric, state = self.exercise.rubric, self.state
        released = sorted(state.hints, key=state.hints.__getitem__)
        hint_cost, automatic, manual, final = live_percents(card.total, rubric, released, state.manual)
        hints = {h.id: h for h in rubric.hints}
        return LiveSession(
            started_at=iso(state.started_at),
            finished_at=iso(finished_at),
            duration_s=round(finished_at - state.started_at, 1),
            budget_s=state.budget_s,
            hints=[
                ReleasedHint(id=h, text=hints[h].text, cost=hints[h].cost, released_at=iso(state.hints[h]))
                for h in released
            ],
            notes=[SessionNote(at=iso(note.at), text=note.text) for note in state.notes],
            timeline=[
                TimelineEntry(
                    at=iso(t.at),
                    elapsed_s=round(max(t.at - state.started_at, 0.0), 1),
                    suite=t.suite,
                    check=t.check,
                    status=t.status,
                )
                for t in state.timeline()
            ],
            hint_cost=hint_cost,
            automatic_percent=automatic,
            manual_percent=manual,
            manual_weight_percent=rubric.manual_weight_percent,
            final_percent=final,
        )


def _tokens(path: Path) -> Tokens:
    """The views' tokens, made once per session and kept (owner-only) so that a restart keeps URLs."""
    if path.exists():
        data = json.loads(path.read_text())
        return Tokens(interviewer=data["interviewer"], candidate=data["candidate"])
    tokens = Tokens(interviewer=secrets.token_urlsafe(24), candidate=secrets.token_urlsafe(24))
    path.touch(mode=0o600)
    path.write_text(json.dumps({"interviewer": tokens.interviewer, "candidate": tokens.candidate}))
    return tokens
