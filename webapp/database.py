"""Engine setup: SQLite tuned for several gunicorn workers; other databases as they are."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context
from sqlalchemy import Engine, event

from .extensions import db

# Set inside writing(): the transaction that begins now is going to write.
_writing: ContextVar[bool] = ContextVar("zirkel.writing", default=False)
_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteOutsideTransaction(RuntimeError):
    """A request wrote in a transaction that began as a reader (see writing())."""


def engine_options(app: Flask) -> dict:
    """SQLAlchemy engine options for the configured database."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": float(app.config["SQLITE_BUSY_TIMEOUT"])}}
    # Connections to a server can go stale behind a restart or a firewall.
    return {"pool_pre_ping": True}


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


def configure_sqlite(engine: Engine) -> None:
    """Make a SQLite engine safe for concurrent workers.

    WAL lets readers run while one process writes; the busy timeout makes a writer wait
    for the lock instead of failing at once. Write transactions begin IMMEDIATE (they take
    the lock up front and wait for it), readers begin deferred and never wait.
    """
    if engine.dialect.name != "sqlite":
        return
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
        # Writers queue on a file lock first: the kernel wakes the next one the moment
        # the lock is free, where SQLite's busy handler would sleep up to 100 ms between
        # tries. SQLite's own lock (and busy timeout) still guards against everyone else.
        if (fd := connection.connection.info.get("write_lock")) is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            connection.info["holds_write_lock"] = fd
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _check_write(connection, cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:7].upper().startswith(_WRITE_STATEMENTS) and not (
            connection.info.get("writer", True)
        ):
            raise WriteOutsideTransaction(
                "This request writes in a transaction that began as a reader; "
                "wrap the write in `with writing():` (webapp/database.py)."
            )

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection) -> None:
        if connection.invalidated:
            return  # its file descriptor, and with it the lock, closes with it
        connection.info.pop("writer", None)
        if (fd := connection.info.pop("holds_write_lock", None)) is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
