"""Fixtures: an app on a fresh, migrated database per test; a live gunicorn for browser tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event

import servers
from apps import make_app
from webapp.extensions import db


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite file with every migration applied, made once and copied for each test."""
    instance = tmp_path_factory.mktemp("template-instance")
    app = make_app(instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return instance / "zirkel.sqlite3"


@pytest.fixture
def app(tmp_path, migrated_database) -> Iterator[Flask]:
    shutil.copy(migrated_database, tmp_path / "zirkel.sqlite3")
    app = make_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def count_queries(app):
    """A context manager that counts the SQL statements run inside it (not BEGIN/COMMIT)."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.fixture(scope="session")
def run_gunicorn():
    """servers.run_gunicorn, for tests that want a real server: `with run_gunicorn(tmp) as s`."""
    return servers.run_gunicorn
