"""Fixtures: an app on a fresh, migrated database per test; a live gunicorn for browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from jinja2 import StrictUndefined
from sqlalchemy import event

from webapp import create_app
from webapp.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def make_app(instance: Path, **config) -> Flask:
    """An app whose instance folder and SQLite file live in a temporary folder."""
    os.environ["ZIRKEL_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test secret",
                "DATABASE_URL": f"sqlite:///{instance / 'zirkel.sqlite3'}",
                **config,
            }
        )
    finally:
        del os.environ["ZIRKEL_INSTANCE_PATH"]
    # A variable a template forgot fails the test instead of rendering empty.
    app.jinja_env.undefined = StrictUndefined
    return app


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


# --- a live server: gunicorn as `make run` starts it -------------------------------------


@dataclass
class LiveServer:
    url: str
    instance: Path
    process: subprocess.Popen

    def database_url(self) -> str:
        return f"sqlite:///{self.instance / 'zirkel.sqlite3'}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def run_gunicorn(instance: Path, workers: int = 2, **env: str) -> Iterator[LiveServer]:
    """Migrate, load the demo, and serve with gunicorn.conf.py on a free port, as `make run`."""
    port = free_port()
    environment = {
        **os.environ,
        "ZIRKEL_INSTANCE_PATH": str(instance),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        **env,
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            flask + command, cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True
        )
    log = open(instance / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "gunicorn did not start:\n" + (instance / "gunicorn.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield LiveServer(url, instance, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One gunicorn with the demo article for the browser tests of a session."""
    with run_gunicorn(tmp_path_factory.mktemp("live-instance")) as server:
        yield server
