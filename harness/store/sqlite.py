"""The embedded results store: one SQLite file in write-ahead-log mode.

Every write is one transaction, committed before the caller reports it, so a run killed at any
point loses at most the gradings in flight. One connection serves the batch's threads, in turn.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from harness.errors import BadInputError
from harness.model.results import Entry, EntryResult, ResultKey, Status
from harness.model.scorecard import Scorecard
from harness.store.db import Row, SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    submission_sha256 TEXT NOT NULL, exercise_id TEXT NOT NULL, exercise_version TEXT NOT NULL,
    rubric_sha256 TEXT NOT NULL, scorecard TEXT NOT NULL, graded_at TEXT NOT NULL,
    PRIMARY KEY (submission_sha256, exercise_id, exercise_version, rubric_sha256)
);
CREATE TABLE IF NOT EXISTS entries (
    candidate_id TEXT PRIMARY KEY, source TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
    submission_sha256 TEXT, exercise_id TEXT, exercise_version TEXT, rubric_sha256 TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fingerprints (candidate_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteDatabase(path, SCHEMA, "a results store")

    def _write(self, *statements: tuple[str, tuple[object, ...]]) -> None:
        with self._db.transaction() as cur:
            for sql, args in statements:
                cur.execute(sql, args)

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[Row]:
        with self._db.transaction() as cur:
            return cur.execute(sql, args)

    def exercise(self) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE name = 'exercise_id'")
        return str(rows[0][0]) if rows else None

    def claim(self, exercise_id: str) -> None:
        held = self.exercise()
        if held is None:
            self._write(("INSERT OR IGNORE INTO meta VALUES ('exercise_id', ?)", (exercise_id,)))
            return self.claim(exercise_id)
        if held != exercise_id:
            raise BadInputError(
                f"{self.path.parent} holds results of '{held}', not '{exercise_id}'; "
                "give the batch another --out folder."
            )

    def result(self, key: ResultKey) -> Scorecard | None:
        rows = self._read(
            "SELECT scorecard FROM results WHERE submission_sha256 = ? AND exercise_id = ? "
            "AND exercise_version = ? AND rubric_sha256 = ?",
            _key_args(key),
        )
        return Scorecard.model_validate_json(rows[0][0]) if rows else None

    def save(self, entry: Entry, key: ResultKey, scorecard: Scorecard) -> None:
        self._write(
            (
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                (*_key_args(key), scorecard.model_dump_json(), _now()),
            ),
            _entry_upsert(entry, Status.GRADED, "", key),
        )

    def mark(self, entry: Entry, status: Status, reason: str = "", key: ResultKey | None = None) -> None:
        self._write(_entry_upsert(entry, status, reason, key))

    def save_fingerprint(self, candidate_id: str, fingerprint: str) -> None:
        self._write(("INSERT OR REPLACE INTO fingerprints VALUES (?, ?)", (candidate_id, fingerprint)))

    def fingerprints(self) -> dict[str, str]:
        rows = self._read("SELECT candidate_id, fingerprint FROM fingerprints")
        return {str(candidate): str(data) for candidate, data in rows}

    def entries(self) -> list[EntryResult]:
        rows = self._read(
            "SELECT e.candidate_id, e.source, e.status, e.reason, e.updated_at, r.scorecard FROM entries e "
            "LEFT JOIN results r USING (submission_sha256, exercise_id, exercise_version, rubric_sha256) "
            "ORDER BY e.rowid"
        )
        return [
            EntryResult(
                entry=Entry(candidate_id=candidate, source=source),
                status=Status(status),
                scorecard=Scorecard.model_validate(json.loads(card)) if card and status == Status.GRADED else None,
                reason=reason,
                updated_at=updated,
            )
            for candidate, source, status, reason, updated, card in rows
        ]

    def close(self) -> None:
        self._db.close()


def _key_args(key: ResultKey) -> tuple[str, str, str, str]:
    return key.submission_sha256, key.exercise_id, key.exercise_version, key.rubric_sha256


def _entry_upsert(entry: Entry, status: Status, reason: str, key: ResultKey | None) -> tuple[str, tuple[object, ...]]:
    keyed = _key_args(key) if key else (None, None, None, None)
    return (
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (candidate_id) DO UPDATE SET "
        "source = excluded.source, status = excluded.status, reason = excluded.reason, "
        "submission_sha256 = excluded.submission_sha256, exercise_id = excluded.exercise_id, "
        "exercise_version = excluded.exercise_version, rubric_sha256 = excluded.rubric_sha256, "
        "updated_at = excluded.updated_at",
        (entry.candidate_id, entry.source, status.value, reason, *keyed, _now()),
    )
