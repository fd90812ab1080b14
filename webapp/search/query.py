"""Finding published articles: every word typed must match (as a stem, or the start of a
longer word: "Integration" finds "Integrationspolitik"); the best first, then the newest.

A search costs four queries, however many articles match: the page of matching ids in
rank order, their number, the articles with author and photo, and their topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from markupsafe import Markup, escape
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Article, utcnow
from .analysis import WORD, query_terms, stem
from .index import TABLE, body_text

SNIPPET_WORDS = 30  # about two lines

_SQLITE_WHERE = (
    f"FROM {TABLE} JOIN article ON article.id = {TABLE}.rowid "
    f"WHERE {TABLE} MATCH :match AND article.published_at <= :now"
)
_SQLITE_PAGE = text(
    f"SELECT article.id {_SQLITE_WHERE} "
    f"ORDER BY bm25({TABLE}, 10.0, 3.0, 1.0), article.published_at DESC, article.id DESC "
    "LIMIT :limit OFFSET :offset"
)
_SQLITE_COUNT = text(f"SELECT count(*) {_SQLITE_WHERE}")
_POSTGRES_WHERE = (
    f"FROM {TABLE} JOIN article ON article.id = {TABLE}.article_id "
    f"WHERE {TABLE}.document @@ to_tsquery('simple', :match) AND article.published_at <= :now"
)
_POSTGRES_PAGE = text(
    f"SELECT article.id {_POSTGRES_WHERE} "
    f"ORDER BY ts_rank({TABLE}.document, to_tsquery('simple', :match)) DESC, "
    "article.published_at DESC, article.id DESC LIMIT :limit OFFSET :offset"
)
_POSTGRES_COUNT = text(f"SELECT count(*) {_POSTGRES_WHERE}")
_ARTICLES = (
    select(Article)
    .where(Article.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(Article.author), joinedload(Article.photo), selectinload(Article.topics))
)


@dataclass
class Hit:
    article: Article
    title: Markup  # with the matching words marked
    snippet: Markup


@dataclass
class Results:
    query: str
    terms: list[str]
    hits: list[Hit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def search(query: str, page: int = 1, per_page: int = 10) -> Results:
    """The published articles matching `query`, a page at a time (page 1 is the best)."""
    terms = query_terms(query)
    results = Results(query, terms, [], 0, max(1, page), per_page)
    if not terms:
        return results
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        match = " AND ".join(f'"{term}"*' for term in terms)
        page_sql, count_sql = _SQLITE_PAGE, _SQLITE_COUNT
    else:
        match = " & ".join(f"{term}:*" for term in terms)
        page_sql, count_sql = _POSTGRES_PAGE, _POSTGRES_COUNT
    values = {"match": match, "now": utcnow()}
    offset = (results.page - 1) * per_page
    ids = db.session.scalars(page_sql, {**values, "limit": per_page, "offset": offset}).all()
    results.total = db.session.scalar(count_sql, values)
    if ids:
        found = {a.id: a for a in db.session.scalars(_ARTICLES, {"ids": ids}).unique()}
        results.hits = [
            Hit(found[i], highlight(found[i].title, terms), snippet(found[i], terms))
            for i in ids
            if i in found
        ]
    return results


def _matches(word: str, terms: list[str]) -> bool:
    """Whether the search found this word: its stem begins with a term, as in the index."""
    word_stem = stem(word)
    return any(word_stem.startswith(term) for term in terms)


def highlight(value: str, terms: list[str]) -> Markup:
    """The text, escaped, with the words that match marked (<mark>)."""
    out, last = [], 0
    for match in WORD.finditer(value):
        if _matches(match.group(), terms):
            out.append(escape(value[last : match.start()]))
            out.append(Markup("<mark>%s</mark>") % match.group())
            last = match.end()
    out.append(escape(value[last:]))
    return Markup("").join(out)


def snippet(article: Article, terms: list[str]) -> Markup:
    """About SNIPPET_WORDS words of the teaser or text around the first word that matches,
    marked; the teaser's start if no word of the text matches (the title did)."""
    for source in (article.teaser or "", body_text(article.body_html)):
        words = list(WORD.finditer(source))
        for n, match in enumerate(words):
            if _matches(match.group(), terms):
                first = max(0, n - SNIPPET_WORDS // 3)
                last = min(len(words) - 1, first + SNIPPET_WORDS)
                start, end = words[first].start(), words[last].end()
                piece = highlight(source[start:end], terms)
                before = "… " if start > 0 else ""
                after = " …" if end < len(source.rstrip(" .!?")) else ""
                return Markup(before) + piece + Markup(after)
    return escape(_shortened(article.teaser or body_text(article.body_html)))


def _shortened(value: str) -> str:
    words = value.split()
    return " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")
