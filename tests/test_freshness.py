"""Rows of versions kept while nobody commits (webapp/freshness.py): never stale."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from apps import make_app
from factories import make_article, make_comment
from helpers import soup
from webapp.extensions import db
from webapp.freshness import DataVersion, Rows
from webapp.models import utcnow


def sqlite_path(app) -> str:
    return db.engine.url.database


class Reads:
    """A read that counts how often it ran and returns what it is told."""

    def __init__(self, value) -> None:
        self.value, self.count = value, 0

    def __call__(self):
        self.count += 1
        return self.value


@pytest.mark.sqlite
def test_a_row_is_reused_until_anyone_commits(app):
    rows = Rows(DataVersion(sqlite_path(app)))
    read = Reads("v1")
    assert [rows.current("k", read) for _ in range(3)] == ["v1"] * 3
    assert read.count == 1

    # Another connection commits (another worker, a command): read again at once.
    other = sqlite3.connect(sqlite_path(app))
    other.execute("PRAGMA user_version = 7")  # any write, committed
    other.commit()
    other.close()
    read.value = "v2"
    assert rows.current("k", read) == "v2"
    assert read.count == 2

    # This app's own session commits through the pool: another connection too.
    make_article()
    read.value = "v3"
    assert rows.current("k", read) == "v3"


@pytest.mark.sqlite
def test_nothing_missing_is_kept_and_nothing_past_its_time(app, monkeypatch):
    rows = Rows(DataVersion(sqlite_path(app)))
    missing = Reads(None)
    rows.current("404", missing)
    rows.current("404", missing)
    assert missing.count == 2, "a 404 is asked again: a scheduled article may appear"

    front = Reads("before")
    next_scheduled = utcnow() + timedelta(hours=1)
    assert rows.current("front", front, until=lambda _row: next_scheduled) == "before"
    front.value = "after"
    assert rows.current("front", front, until=lambda _row: next_scheduled) == "before"
    # The scheduled article's time comes, and nobody wrote: the row is read again.
    later = next_scheduled + timedelta(seconds=1)
    monkeypatch.setattr("webapp.freshness.utcnow", lambda: later)
    assert rows.current("front", front, until=lambda _row: None) == "after"


def test_without_sqlite_every_request_asks():
    rows = Rows(None)
    read = Reads("v")
    rows.current("k", read)
    rows.current("k", read)
    assert read.count == 2


def test_another_workers_comment_shows_on_the_next_request(tmp_path, database_url, app, client):
    """A second app on the same database is another worker: what it stores is on this
    worker's next page, though this worker kept the article's versions."""
    article = make_article()
    url = f"/artikel/{article.slug}"
    assert soup(client.get(url)).find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    assert soup(client.get("/")).find(string="0 Kommentare") is not None
    other_worker = make_app(tmp_path / "other", DATABASE_URL=database_url)
    with other_worker.app_context():
        make_comment(db.session.merge(article), text="Von nebenan")
        db.session.remove()
        db.engine.dispose()  # its connections close now, not when collected
    page = soup(client.get(url))
    assert page.find(id="kommentar-anzahl").get_text() == "1 Kommentar"
    assert "Von nebenan" in page.get_text()
    assert soup(client.get("/")).find(string="1 Kommentar") is not None
