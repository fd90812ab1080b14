"""The search index: one row per article, in the database's own full-text index.

SQLite: an FTS5 table `article_search` (rowid = the article's id; columns title, teaser,
body). PostgreSQL: a table `article_search` (article_id, document) whose `tsvector` is
weighted A (title), B (teaser), C (body), with a GIN index. Both hold the stems of
analysis.py, so they find the same articles; each ranks with its own function (bm25,
ts_rank), the title weighing most.

The rows are written in the flush that writes the article (`keep_current`, a session
event), so an article and its index entry are committed together or not at all. Neither
table is in the models' metadata: the migration creates it, and `is_search_table` keeps
autogenerate from taking it for a leftover.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup
from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy.orm import Session

from ..models import Article
from .analysis import indexed_text

TABLE = "article_search"
_SQLITE_SHADOW = ("_data", "_idx", "_content", "_docsize", "_config")
TEXT_FIELDS = ("title", "teaser", "body")  # what the index holds of an article

SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, teaser, body, "
    "tokenize = 'unicode61 remove_diacritics 0')"
)
POSTGRES_CREATE = (
    f"CREATE TABLE {TABLE} (article_id INTEGER PRIMARY KEY REFERENCES article (id) "
    "ON DELETE CASCADE, document TSVECTOR NOT NULL)",
    f"CREATE INDEX ix_{TABLE}_document ON {TABLE} USING GIN (document)",
)

_SQLITE_DELETE = text(f"DELETE FROM {TABLE} WHERE rowid = :id")
_SQLITE_INSERT = text(
    f"INSERT INTO {TABLE} (rowid, title, teaser, body) VALUES (:id, :title, :teaser, :body)"
)
_POSTGRES_DELETE = text(f"DELETE FROM {TABLE} WHERE article_id = :id")
_POSTGRES_UPSERT = text(
    f"INSERT INTO {TABLE} (article_id, document) VALUES (:id, "
    "setweight(to_tsvector('simple', :title), 'A') || "
    "setweight(to_tsvector('simple', :teaser), 'B') || "
    "setweight(to_tsvector('simple', :body), 'C')) "
    "ON CONFLICT (article_id) DO UPDATE SET document = excluded.document"
)


def is_search_table(obj, name, type_, reflected, compare_to) -> bool:
    """For alembic's include_object: False for the index's tables (the migration owns them)."""
    return not (type_ == "table" and name and name.startswith(TABLE))


def body_text(body_html: str) -> str:
    """An article's text as readers read it: its HTML without tags."""
    return Markup(body_html).striptags()


def row(article_id: int, title: str, teaser: str, body_html: str) -> dict[str, object]:
    return {
        "id": article_id,
        "title": indexed_text(title),
        "teaser": indexed_text(teaser or ""),
        "body": indexed_text(body_text(body_html or "")),
    }


def write(connection: Connection, rows: Iterable[dict[str, object]]) -> None:
    """Put these articles' entries in the index (replacing what it held for them)."""
    rows = list(rows)
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(_SQLITE_DELETE, [{"id": r["id"]} for r in rows])
        connection.execute(_SQLITE_INSERT, rows)
    else:
        connection.execute(_POSTGRES_UPSERT, rows)


def remove(connection: Connection, article_ids: Iterable[int]) -> None:
    ids = [{"id": i} for i in article_ids]
    if ids:
        delete = _SQLITE_DELETE if connection.dialect.name == "sqlite" else _POSTGRES_DELETE
        connection.execute(delete, ids)


def rebuild(connection: Connection, batch: int = 500) -> int:
    """The whole index anew from the articles (after a migration, or raw SQL imports)."""
    connection.execute(text(f"DELETE FROM {TABLE}"))
    articles = Article.__table__
    count, last_id = 0, 0
    while True:
        chunk = connection.execute(
            select(articles.c.id, articles.c.title, articles.c.teaser, articles.c.body_html)
            .where(articles.c.id > last_id)
            .order_by(articles.c.id)
            .limit(batch)
        ).all()
        if not chunk:
            return count
        write(connection, [row(*r) for r in chunk])
        count += len(chunk)
        last_id = chunk[-1].id


def _changed_text(article: Article) -> bool:
    state = inspect(article)
    return any(state.attrs[name].history.has_changes() for name in ("title", "teaser", "body"))


def keep_current(session: Session, _flush_context) -> None:
    """After a flush: index the articles it inserted or whose text it changed, forget the
    deleted ones, in the same transaction."""
    changed = [
        a
        for a in (*session.new, *session.dirty)
        if isinstance(a, Article) and (a in session.new or _changed_text(a))
    ]
    deleted = [a.id for a in session.deleted if isinstance(a, Article)]
    if not changed and not deleted:
        return
    connection = session.connection()
    remove(connection, deleted)
    write(connection, [row(a.id, a.title, a.teaser, a.body_html) for a in changed])


def register() -> None:
    if not event.contains(Session, "after_flush", keep_current):
        event.listen(Session, "after_flush", keep_current)
