"""The SQL databases the stores run on. A store's SQL is written once, with `?` placeholders and
types SQLite and PostgreSQL both read (`UPDATE ... RETURNING`, `ON CONFLICT DO NOTHING`); a
database only says how it connects and how it runs statements in one transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

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


class _PostgresCursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        self._cursor.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
        return list(self._cursor.fetchall()) if self._cursor.description is not None else []


class PostgresDatabase:
    """A PostgreSQL database (psycopg), reached by URL; one connection, used by one thread at a
    time, opened again when the server dropped it."""

    def __init__(self, url: str, schema: str, role: str) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise BadInputError(
                "A PostgreSQL store needs the kit's scale-out libraries: pip install 'opsdrill[scale]'."
            ) from exc
        self._psycopg = psycopg
        self.url, self.role = url, role
        self._lock = threading.Lock()
        self._db = self._connect()
        # Every process opening the store creates what is missing, one at a time.
        with self.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(7411)")
            for statement in filter(str.strip, schema.split(";")):
                cur.execute(statement)

    def _connect(self) -> Any:
        try:
            return self._psycopg.connect(self.url, connect_timeout=10, autocommit=True)
        except self._psycopg.Error as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BadInputError(
                f"The PostgreSQL database at {_redacted(self.url)} cannot serve as {self.role} ({first_line})."
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._lock:
            if self._db.closed or self._db.broken:
                self._db = self._connect()
            with self._db.transaction(), self._db.cursor() as cursor:
                yield _PostgresCursor(cursor)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _redacted(url: str) -> str:
    """`url` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def open_database(location: str | Path, schema: str, role: str) -> SqliteDatabase | PostgresDatabase:
    """A `postgresql://` URL's database, else the SQLite file at `location`."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text, schema, role)
    return SqliteDatabase(Path(location), schema, role)
