"""Reader pages: the front page, an article with its comments, authors and topics."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from .. import freshness
from ..article_page import article_response, redirect_if_renamed
from ..caching import conditional_page, shared_view, version_tag
from ..extensions import db
from ..models import Article, Author, AuthorSlug, utcnow
from ..topics import published_article_counts, published_in, topic_or_404

bp = Blueprint("articles", __name__)


def _page_number() -> int:
    return request.args.get("seite", 1, type=int)


def _cards(statement, total: int | None = None):
    """A page of article cards from a select of published articles: three queries (the
    articles with author and photo, their topics, the total), two when the caller knows
    the total. A page past the last is a 404."""
    page = db.paginate(
        statement.options(
            joinedload(Article.author), joinedload(Article.photo), selectinload(Article.topics)
        ),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
        count=total is None,
    )
    if total is not None:
        page.total = total
    return page


# What the front page shows, in one row: how many articles are published (a scheduled
# one's time passing, a withdrawal), the newest change to any of them (a topic's rename
# touches its articles), to their comments (the counts on the cards) and to their authors.
# The moment the next scheduled article appears is when the row stops being current.
_FRONT_VERSIONS = (
    select(
        func.count(Article.id),
        func.max(Article.updated_at),
        func.max(Article.comments_changed_at),
        func.max(Author.updated_at),
        select(func.min(Article.published_at))
        .where(Article.published_at > bindparam("now"))
        .scalar_subquery()
        .label("next_scheduled"),
    )
    .join(Author, Article.author_id == Author.id)
    .where(Article.is_published(bindparam("now")))
)


def _front_versions() -> Row:
    return freshness.current(
        "front page",
        lambda: db.session.execute(_FRONT_VERSIONS, {"now": utcnow()}).one(),
        until=lambda row: row.next_scheduled,
    )


@bp.get("/")
@shared_view
def index():
    """Published articles, newest first, a page at a time: rendered once per worker and
    version of what it shows, 304 for a browser that has it (one query either way)."""
    versions = _front_versions()
    published = versions[0]
    return conditional_page(
        version_tag("front", _page_number(), *versions[:4]),
        lambda: render_template(
            "articles/index.html", page=_cards(Article.published(), total=published)
        ),
        replayable=True,
    )


@bp.get("/artikel/<slug>")
@shared_view
def show(slug: str):
    """One article with its comment section: the same bytes for every reader, cached."""
    try:
        return article_response(slug)
    except NotFound:
        redirect_if_renamed(slug)
        raise


@bp.get("/autoren/<slug>")
@shared_view
def author(slug: str):
    """An author's full bio and published articles."""
    author = db.session.scalar(
        select(Author).where(Author.slug == slug).options(joinedload(Author.photo))
    )
    if author is None:
        current = db.session.scalar(
            select(Author.slug)
            .join(AuthorSlug, AuthorSlug.author_id == Author.id)
            .where(AuthorSlug.slug == slug)
        )
        if current is not None:  # renamed: the old address leads on
            return redirect(url_for("articles.author", **{**request.args, "slug": current}), 301)
        abort(404, _("There is no author at this address."))
    page = _cards(Article.published().where(Article.author_id == author.id))
    return render_template("articles/author.html", author=author, page=page)


@bp.get("/autoren")
@shared_view
def authors():
    """Every author with published articles, and how many."""
    rows = db.session.execute(
        select(Author, func.count(Article.id))
        .join(Article, Article.author_id == Author.id)
        .where(Article.is_published())
        .group_by(Author.id)
        .order_by(Author.name)
    ).all()
    return render_template("articles/authors.html", rows=rows)


@bp.get("/themen")
@shared_view
def topics():
    """Every topic with published articles, and how many."""
    return render_template("articles/topics.html", rows=published_article_counts())


@bp.get("/thema/<slug>")
@shared_view
def topic(slug: str):
    """A topic's published articles, newest first, a page at a time."""
    topic = topic_or_404(slug)
    page = _cards(published_in(topic))
    return render_template("articles/topic.html", topic=topic, page=page)
