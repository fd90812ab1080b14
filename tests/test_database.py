"""The database: SQLite tuned for several workers, and migrations that match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text

from factories import make_article
from helpers import post_comment
from webapp.extensions import db


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        timeout_ms = connection.execute(text("PRAGMA busy_timeout")).scalar()
    assert timeout_ms == app.config["SQLITE_BUSY_TIMEOUT"] * 1000


def test_writes_begin_immediate_and_page_views_deferred(app, client):
    """A deferred transaction that reads, then writes, fails under load: writes start IMMEDIATE."""
    article = make_article()
    url = f"/artikel/{article.slug}"
    # Requests share the test's session: end its transaction so each request begins anew.
    db.session.commit()
    begins: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get(url)
        page_view = list(begins)
        begins.clear()
        db.session.commit()
        post_comment(client, article)  # a GET for the token, then the POST
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert set(page_view) == {"BEGIN"}
    assert begins[-1] == "BEGIN IMMEDIATE"


def test_migrations_match_the_models(app):
    """Every model change has its migration: autogenerate finds nothing left to do."""
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
