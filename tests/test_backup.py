"""flask backup / restore: a consistent copy of a live SQLite database, and getting it back."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest
from sqlalchemy import func, select

from factories import make_article
from webapp.extensions import db
from webapp.models import Article

pytestmark = pytest.mark.sqlite


def test_a_backup_taken_while_comments_are_written_is_consistent(app, runner, tmp_path):
    """Comments and the article's count change together; the copy never shows them apart."""
    article = make_article()
    database = db.engine.url.database
    stop = threading.Event()
    written = []

    def write_comments() -> None:
        with closing(sqlite3.connect(database, timeout=15, isolation_level=None)) as live:
            n = 0
            while not stop.is_set() and n < 2000:
                live.execute("BEGIN IMMEDIATE")
                live.execute(
                    "INSERT INTO comment (article_id, name, email, text, created_at, status,"
                    " reasons) VALUES (?, 'W', 'w@example.org', ?, '2026-01-01', 'visible', '')",
                    (article.id, f"live {n}"),
                )
                live.execute(
                    "UPDATE article SET comment_count = comment_count + 1 WHERE id = ?",
                    (article.id,),
                )
                live.execute("COMMIT")
                n += 1
            written.append(n)

    writer = threading.Thread(target=write_comments)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output
    with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy:
        rows = copy.execute("SELECT count(*) FROM comment").fetchone()[0]
        counted = copy.execute(
            "SELECT comment_count FROM article WHERE id = ?", (article.id,)
        ).fetchone()[0]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert rows == counted
    assert written and written[0] > 0


def test_restore_brings_the_backup_back(app, runner, tmp_path):
    make_article(title="Bleibt")
    db.session.commit()
    backup = tmp_path / "copy.sqlite3"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    make_article(title="Später")
    db.session.commit()

    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.scalars(select(Article.title)).all() == ["Bleibt"]


def test_restore_refuses_a_file_that_is_no_database(app, runner, tmp_path):
    make_article()
    broken = tmp_path / "kaputt.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = runner.invoke(args=["restore", "--yes", str(broken)])
    assert result.exit_code == 1
    assert "is not a sound database" in result.output
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1


def test_backup_does_not_overwrite(app, runner, tmp_path):
    (tmp_path / "da.sqlite3").write_text("wichtig")
    result = runner.invoke(args=["backup", str(tmp_path / "da.sqlite3")])
    assert result.exit_code != 0 and "exists" in result.output
    assert (tmp_path / "da.sqlite3").read_text() == "wichtig"
