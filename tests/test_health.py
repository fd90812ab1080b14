"""`/gesundheit`: 200 while the database answers, 503 when it does not; never cached, no
cookie, nothing about the site's insides in the answer."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

from apps import make_app
from databases import database_locked
from factories import make_article
from helpers import post_comment
from servers import free_port
from webapp.extensions import db
from webapp.health import TIMEOUT_SECONDS

UNAVAILABLE = {"status": "database unavailable"}


@pytest.fixture
def site_on(tmp_path):
    """`site_on(url)`: a test client for a site whose database is at `url`."""
    apps = []

    def make(url: str):
        apps.append(make_app(tmp_path / f"site-{len(apps)}", DATABASE_URL=url))
        return apps[-1].test_client()

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def assert_not_stored_anywhere(response) -> None:
    """Nobody between the monitor and the app keeps the answer, and nobody gets a cookie."""
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert response.mimetype == "application/json"


def health_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "webapp.health"]


def test_a_site_whose_database_answers_is_healthy(client):
    response = client.get("/gesundheit")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert_not_stored_anywhere(response)


def test_head_answers_like_get_without_a_body(client):
    response = client.head("/gesundheit")
    assert response.status_code == 200
    assert response.data == b""
    assert_not_stored_anywhere(response)


def test_a_sqlite_file_in_a_missing_folder_is_unavailable(site_on, tmp_path, caplog):
    missing = tmp_path / "nirgends" / "zirkel.sqlite3"
    client = site_on(f"sqlite:///{missing}")
    with caplog.at_level(logging.WARNING, logger="webapp.health"):
        response = client.get("/gesundheit")
        head = client.head("/gesundheit")
    assert response.status_code == 503
    assert response.json == UNAVAILABLE
    assert "nirgends" not in response.text
    assert_not_stored_anywhere(response)
    assert head.status_code == 503
    assert_not_stored_anywhere(head)
    # One line per failed check, not a traceback storm.
    warnings = health_warnings(caplog)
    assert len(warnings) == 2
    assert all("\n" not in warning for warning in warnings)


def test_a_postgresql_server_that_is_not_there_is_unavailable(site_on):
    url = f"postgresql+psycopg://zirkel:geheim@127.0.0.1:{free_port()}/zirkel"
    started = time.monotonic()
    response = site_on(url).get("/gesundheit")
    assert time.monotonic() - started < TIMEOUT_SECONDS + 1
    assert response.status_code == 503
    assert response.json == UNAVAILABLE
    for secret in ("127.0.0.1", "zirkel", "geheim", "postgresql"):
        assert secret not in response.text
    assert_not_stored_anywhere(response)


@pytest.mark.sqlite
def test_an_empty_database_file_is_unavailable(site_on, tmp_path):
    """A file without Zirkel's tables cannot serve a page, though `SELECT 1` would pass."""
    empty = tmp_path / "leer.sqlite3"
    sqlite3.connect(empty).close()
    response = site_on(f"sqlite:///{empty}").get("/gesundheit")
    assert response.status_code == 503
    assert response.json == UNAVAILABLE


@pytest.mark.sqlite
def test_the_check_does_not_create_a_missing_database_file(site_on, tmp_path):
    missing = tmp_path / "zirkel.sqlite3"
    missing.unlink(missing_ok=True)
    response = site_on(f"sqlite:///{missing}").get("/gesundheit")
    assert response.status_code == 503
    assert not missing.exists()


@contextmanager
def held_by_a_migration(url: str) -> Iterator[None]:
    """Another program holds the database so that not even readers get through (as a
    migration or a restore that rewrites tables does)."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(url).database, isolation_level=None)
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE alembic_version SET version_num = version_num")
    else:
        plain = make_url(url).set(drivername="postgresql")
        holder = psycopg.connect(plain.render_as_string(hide_password=False))
        holder.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def test_a_database_held_by_another_program_is_unavailable_within_seconds(client, database_url):
    """Neither the site's lock timeout (10 s) nor the server's own decide how long it waits."""
    with held_by_a_migration(database_url):
        started = time.monotonic()
        response = client.get("/gesundheit")
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.json == UNAVAILABLE
    assert TIMEOUT_SECONDS - 0.5 < waited < TIMEOUT_SECONDS + 2
    assert client.get("/gesundheit").status_code == 200


def test_a_writer_holding_the_write_lock_does_not_make_the_site_unhealthy(client, database_url):
    """Readers go on while a write waits (webapp/database.py), so pages are still served."""
    with database_locked(database_url, 1):
        response = client.get("/gesundheit")
    assert response.status_code == 200


def test_checks_do_not_count_towards_flood_control(tmp_path, database_url):
    """A monitor asking every few seconds from the same network leaves readers' posts alone."""
    app = make_app(tmp_path, DATABASE_URL=database_url, RATELIMIT="1 per minute")
    with app.app_context():
        client = app.test_client()
        for _ in range(5):
            assert client.get("/gesundheit").status_code == 200
        response = post_comment(client, make_article(), htmx=False)
        assert response.status_code == 303
        db.session.remove()
        db.engine.dispose()
