"""Engine setup: SQLite tuned for several gunicorn workers, PostgreSQL for several servers.

One rule for both: requests read in plain transactions and write only inside
`writing()`, whose transaction takes the site's write lock as it begins: SQLite's
(`BEGIN IMMEDIATE`, behind a file lock that queues this machine's workers) or a
PostgreSQL advisory lock (which queues every app server). Writers therefore see each
other's rows, which is what flood control and the duplicate check rely on. A writer waits
at most LOCK_TIMEOUT seconds for the lock, then the request answers 503 with Retry-After
(`DatabaseBusy`); readers never wait for writers.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

# Set inside writing(): the transaction that begins now is going to write.
_writing: ContextVar[bool] = ContextVar("zirkel.writing", default=False)
_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# pg_advisory_xact_lock's key for "the site's write lock" ("Zirkel" in ASCII).
_ADVISORY_LOCK_KEY = 0x5A69726B656C
# PostgreSQL's codes for "gave up waiting for a lock" and "cancelled by a timeout".
_POSTGRES_BUSY = {"55P03", "57014"}
RETRY_AFTER = 5  # seconds, in the 503's Retry-After
# How a write transaction takes the lock on PostgreSQL (BEGIN IMMEDIATE's counterpart).
POSTGRES_LOCK_STATEMENTS = (
    "SET LOCAL lock_timeout = {milliseconds}",
    f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})",
)


class WriteOutsideTransaction(RuntimeError):
    """A request wrote in a transaction that began as a reader (see writing())."""


class DatabaseBusy(ServiceUnavailable):
    """A write waited LOCK_TIMEOUT for the database and gave up; nothing was written."""

    def __init__(self) -> None:
        super().__init__(retry_after=RETRY_AFTER)


def is_busy(error: DBAPIError) -> bool:
    """Whether a database error means "locked by someone else for too long"."""
    if isinstance(error.orig, sqlite3.OperationalError):
        return "locked" in str(error.orig) or "busy" in str(error.orig)
    return getattr(error.orig, "sqlstate", None) in _POSTGRES_BUSY


def engine_options(app: Flask) -> dict:
    """SQLAlchemy engine options for the configured database."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": float(app.config["LOCK_TIMEOUT"])}}
    # Connections to a server can go stale behind a restart or a firewall.
    return {"pool_pre_ping": True}


def configure_engine(engine: Engine, lock_timeout: float) -> None:
    """The write lock and the reader/writer rule (module docstring) for this engine."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, lock_timeout)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine, lock_timeout)
    _refuse_writes_outside_writing(engine)


@contextmanager
def writing() -> Iterator[None]:
    """A write, in a transaction of its own that takes the write lock as it begins.

    What the session read before is committed first: on SQLite a transaction that began
    as a reader cannot wait to become a writer; under load it fails with "database is
    locked". So requests read in deferred transactions (readers never queue) and write
    only in here, briefly: other writers wait while the block runs.
    """
    db.session.commit()
    token = _writing.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(token)


def _begins_writer() -> bool:
    """Whether the transaction beginning now may write: in writing(), or outside requests."""
    return _writing.get() or not has_request_context()


def _configure_sqlite(engine: Engine, lock_timeout: float) -> None:
    """Make a SQLite engine safe for concurrent workers.

    WAL lets readers run while one process writes. Write transactions begin IMMEDIATE
    (they take SQLite's write lock up front, waiting for it), readers begin deferred and
    never wait.
    """
    lock_path = f"{engine.url.database}.write-lock" if engine.url.database else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        if lock_path:
            record.info["write_lock"] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection: sqlite3.Connection, record) -> None:
        if (fd := record.info.pop("write_lock", None)) is not None:
            os.close(fd)

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        writer = _begins_writer()
        connection.info["writer"] = writer
        if not writer:
            connection.exec_driver_sql("BEGIN")
            return
        # Writers queue on a file lock first, so this machine's workers take turns without
        # SQLite's busy handler, which sleeps up to 100 ms between tries. SQLite's own lock
        # (and busy timeout: what is left of LOCK_TIMEOUT) still guards against everyone
        # else, such as another program holding the database.
        deadline = time.monotonic() + lock_timeout
        try:
            if (fd := connection.connection.info.get("write_lock")) is not None:
                _flock_until(fd, deadline)
                connection.info["holds_write_lock"] = fd
            left = max(0.0, deadline - time.monotonic())
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(left * 1000)}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except (DatabaseBusy, DBAPIError) as error:
            _give_up(connection, error)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection) -> None:
        if connection.invalidated:
            return  # its file descriptor, and with it the lock, closes with it
        connection.info.pop("writer", None)
        if (fd := connection.info.pop("holds_write_lock", None)) is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _flock_until(fd: int, deadline: float) -> None:
    """Take the file lock, trying until the deadline (flock itself has no timeout)."""
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DatabaseBusy() from None
            time.sleep(pause)
            pause = min(pause * 2, 0.004)


def _configure_postgresql(engine: Engine, lock_timeout: float) -> None:
    """Writers queue on one advisory lock, held until their transaction ends.

    Under READ COMMITTED, two transactions would not see each other's new rows, so
    parallel posts could both pass flood control. The lock makes writers take turns
    across all workers and app servers, as SQLite's write lock does on one machine.
    """
    milliseconds = int(lock_timeout * 1000)

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        writer = _begins_writer()
        connection.info["writer"] = writer
        if not writer:
            return
        try:
            # LOCAL: for this transaction; it covers the advisory lock and every row or
            # table lock the writer waits for after it.
            set_timeout, take_lock = POSTGRES_LOCK_STATEMENTS
            connection.exec_driver_sql(set_timeout.format(milliseconds=milliseconds))
            connection.exec_driver_sql(take_lock)
        except DBAPIError as error:
            _give_up(connection, error)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection) -> None:
        connection.info.pop("writer", None)


def _give_up(connection, error: Exception):
    """A writer that could not begin: drop the half-begun connection, answer 503 if busy."""
    connection.invalidate()
    if isinstance(error, DatabaseBusy) or (isinstance(error, DBAPIError) and is_busy(error)):
        raise DatabaseBusy() from error
    raise error


def _refuse_writes_outside_writing(engine: Engine) -> None:
    """A write in a reader's transaction would race other writers: fail loudly instead."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check_write(connection, cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:7].upper().startswith(_WRITE_STATEMENTS) and not (
            connection.info.get("writer", True)
        ):
            raise WriteOutsideTransaction(
                "This request writes in a transaction that began as a reader; "
                "wrap the write in `with writing():` (webapp/database.py)."
            )
