"""The SQL databases the stores run on. A store's SQL is written once, with `?` placeholders and
types SQLite and PostgreSQL both read; a database only says how it connects and how it runs
statements in one transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from harness.errors import BadInputError

#: Seconds a write waits for another process's lock before failing.
BUSY_TIMEOUT_S = 30

Row = Sequence[Any]


class Cursor(Protocol):
    def execute(self, sql: str, args: Sequence[object] = ()) -> list[Row]: ...


class Database(Protocol):
    def transaction(self) -> Any:
        """A context manager yielding a Cursor; everything in it commits together or not at all."""

    def close(self) -> None: ...


class _SqliteCursor:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        return self._connection.execute(sql, tuple(args)).fetchall()


class SqliteDatabase:
    """One SQLite file in write-ahead-log mode; one connection, used by one thread at a time."""

    def __init__(self, path: Path, schema: str, role: str) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(schema.replace("BYTEA", "BLOB"))
        except (sqlite3.Error, OSError) as exc:
            raise BadInputError(f"{path} cannot serve as {role} ({exc}).") from exc
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteCursor(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
