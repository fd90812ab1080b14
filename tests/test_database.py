"""The database: SQLite tuned for several workers, and migrations that match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import event, text

from apps import make_app
from factories import make_article
from helpers import post_comment
from webapp.database import WriteOutsideTransaction
from webapp.extensions import db
from webapp.search.index import is_search_table


@pytest.mark.sqlite
def test_sqlite_runs_with_foreign_keys_and_wal(app):
    """(How long writers wait is tested in test_database_locked.py.)"""
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


@pytest.mark.sqlite
def test_writes_begin_immediate_and_page_views_deferred(app, client):
    """A deferred transaction that reads, then writes, fails under load: writes start IMMEDIATE."""
    article = make_article()
    url = f"/artikel/{article.slug}"
    begins: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get(url)
        page_view = list(begins)
        begins.clear()
        post_comment(client, article)  # a GET for the token, then the POST
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert set(page_view) == {"BEGIN"}
    # the token's page view asks nothing (nobody wrote since, webapp/freshness.py); the
    # post reads as a reader, writes briefly as a writer, then reads the comments it answers
    # with as a reader again
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"]


@pytest.mark.sqlite
def test_a_write_outside_writing_is_refused_loudly(app, client):
    """A request that writes in a reader's transaction would fail under load: it fails now."""
    from webapp.models import Author

    @app.post("/schreibt-falsch")
    def writes_wrongly():
        db.session.add(Author(name="X", slug="x"))
        db.session.commit()
        return "ok"

    app.config["WTF_CSRF_ENABLED"] = False
    with pytest.raises(WriteOutsideTransaction):
        client.post("/schreibt-falsch")


def test_migrations_match_the_models(app):
    """Every model change has its migration: autogenerate finds nothing left to do."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": is_search_table})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_keep_existing_data(databases, tmp_path):
    """Upgrading a database that has articles and comments keeps them (SQLite copies tables)."""
    url = databases.empty(tmp_path)
    app = make_app(tmp_path, DATABASE_URL=url)
    with app.app_context():
        upgrade(revision="e6f7f2f1bbec")  # the first revision
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO author (id, name, slug, bio) VALUES (1, 'A', 'a', '')"
            )
            connection.exec_driver_sql(
                "INSERT INTO article (id, slug, title, teaser, body, photo_alt, photo_caption,"
                " author_id, comment_count) VALUES (1, 'x', 'X', '', '', '', '', 1, 1)"
            )
            connection.exec_driver_sql(
                "INSERT INTO comment (article_id, name, email, text, created_at, status)"
                " VALUES (1, 'N', 'n@example.org', 'T', '2014-03-21 13:05:00', 'visible')"
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT article.slug, comment_count, comment_version, comment.text"
                " FROM article JOIN comment ON comment.article_id = article.id"
            ).all()
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
    databases.drop(url)
    assert rows == [("x", 1, 0, "T")]
