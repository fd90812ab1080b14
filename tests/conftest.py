"""Fixtures: an app on a fresh, migrated database per test; a live gunicorn for browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event

import databases as databases_module
import servers
from apps import make_app
from mailserver import MailServer
from webapp.database import POSTGRES_LOCK_STATEMENTS
from webapp.extensions import db
from webapp.mail import stop_sender


@pytest.fixture(scope="session")
def databases(request, tmp_path_factory) -> Iterator[databases_module.SQLiteDatabases]:
    """Where tests get their databases: SQLite, or PostgreSQL in the second pass."""
    if databases_module.KIND == "sqlite":
        yield request.getfixturevalue("sqlite_databases")
        return
    server = databases_module.PostgresServer()
    try:
        server.start()
        yield databases_module.PostgresDatabases(server, tmp_path_factory.mktemp("pg-template"))
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory) -> databases_module.SQLiteDatabases:
    return databases_module.SQLiteDatabases(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def database_url(request, tmp_path) -> Iterator[str]:
    """A migrated, empty database of this test's own; SQLite for tests marked `sqlite`."""
    which = "sqlite_databases" if request.node.get_closest_marker("sqlite") else "databases"
    source = request.getfixturevalue(which)
    url = source.migrated(tmp_path)
    yield url
    source.drop(url)


@pytest.fixture
def app(tmp_path, database_url) -> Iterator[Flask]:
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        yield app
        stop_sender(app)  # a mail thread a test started ends with its app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Transaction control and the write lock, on SQLite and PostgreSQL: not queries.
NOT_QUERIES = (
    *("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"),
    *(statement.split("{")[0].upper() for statement in POSTGRES_LOCK_STATEMENTS),
)


@pytest.fixture
def count_queries(app):
    """A context manager that counts the SQL statements run inside it (not BEGIN/COMMIT)."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(NOT_QUERIES):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.fixture(scope="session")
def run_gunicorn(databases):
    """servers.run_gunicorn on a database of its own: `with run_gunicorn(tmp) as server`."""

    @contextmanager
    def run(
        instance: Path, *args, database_url: str | None = None, **kwargs
    ) -> Iterator[servers.LiveServer]:
        """A new database, or `database_url`: another server's, to serve the same site."""
        url = database_url or databases.empty(instance)
        try:
            with servers.run_gunicorn(instance, *args, database_url=url, **kwargs) as server:
                yield server
        finally:
            if database_url is None:
                databases.drop(url)

    return run


@pytest.fixture
def smtp(app):
    """A running mail server (tests/mailserver.py), and the app configured to send through it."""
    server = MailServer()
    server.start()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=2, MAIL_RETRY_SECONDS=60
    )
    yield server
    server.stop()
