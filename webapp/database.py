"""Engine setup: SQLite tuned for several gunicorn workers; other databases as they are."""

from __future__ import annotations

import fcntl
import os
import sqlite3

from flask import Flask, has_request_context, request
from sqlalchemy import Engine, event

# Requests that may write. Their transactions take SQLite's write lock up front.
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def engine_options(app: Flask) -> dict:
    """SQLAlchemy engine options for the configured database."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": float(app.config["SQLITE_BUSY_TIMEOUT"])}}
    # Connections to a server can go stale behind a restart or a firewall.
    return {"pool_pre_ping": True}


def configure_sqlite(engine: Engine) -> None:
    """Make a SQLite engine safe for concurrent workers.

    WAL lets readers run while one process writes; the busy timeout makes a
    writer wait for the lock instead of failing at once. That is not enough:
    a transaction that starts deferred, reads, then writes cannot wait for the
    lock (SQLite would deadlock) and fails with "database is locked". So every
    transaction of a request that may write starts with ``BEGIN IMMEDIATE``;
    plain page views keep deferred transactions so readers never queue.
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
        if not _may_write():
            connection.exec_driver_sql("BEGIN")
            return
        # Writers queue on a file lock first: the kernel wakes the next one the moment
        # the lock is free, where SQLite's busy handler would sleep up to 100 ms between
        # tries. SQLite's own lock (and busy timeout) still guards against everyone else.
        if (fd := connection.connection.info.get("write_lock")) is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            connection.info["holds_write_lock"] = fd
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection) -> None:
        if connection.invalidated:
            return  # its file descriptor, and with it the lock, closes with it
        if (fd := connection.info.pop("holds_write_lock", None)) is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _may_write() -> bool:
    """Whether the current unit of work may write (CLI commands always may)."""
    if not has_request_context():
        return True
    return request.method in _WRITE_METHODS
