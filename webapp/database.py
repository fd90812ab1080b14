"""Engine setup: SQLite tuned for several gunicorn workers; other databases as they are."""

from __future__ import annotations

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

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


def _may_write() -> bool:
    """Whether the current unit of work may write (CLI commands always may)."""
    if not has_request_context():
        return True
    return request.method in _WRITE_METHODS
