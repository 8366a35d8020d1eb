"""The results store's interface, shared by every implementation."""

from __future__ import annotations

from typing import Protocol

from harness.model.results import Entry, EntryResult, ResultKey, Status
from harness.model.scorecard import Scorecard


class ResultStore(Protocol):
    def claim(self, exercise_id: str) -> None:
        """Hold results of `exercise_id`; a store that holds another exercise's refuses (BadInputError)."""

    def exercise(self) -> str | None:
        """The exercise whose results it holds (None until claimed)."""

    def result(self, key: ResultKey) -> Scorecard | None:
        """The stored result for `key`, if any."""

    def save(self, entry: Entry, key: ResultKey, scorecard: Scorecard) -> None:
        """Store `scorecard` as the result for `key` and for `entry`, in one commit."""

    def mark(self, entry: Entry, status: Status, reason: str = "", key: ResultKey | None = None) -> None:
        """Record where `entry` stands (its result, when `key` names a stored one)."""

    def save_fingerprint(self, candidate_id: str, fingerprint: str) -> None:
        """Keep what an entry changed relative to the starter (JSON), for similarity flags."""

    def fingerprints(self) -> dict[str, str]:
        """Every entry's fingerprint, by candidate id."""

    def entries(self) -> list[EntryResult]:
        """Every entry recorded, in the order first recorded, with its scorecard when graded."""

    def close(self) -> None: ...
