"""The article page: an article and its discussion, as one page or as the pieces htmx swaps.

Both blueprints need it: `articles` serves the page, and `comments` answers a post without
JavaScript (or one it refuses) with the whole page, and with pieces of it for htmx. So it
lives above `comments/` (whose rules and storage it uses) and beside `articles/`, and
neither blueprint imports the other.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import joinedload

from . import freshness
from .caching import conditional_page, personal, version_tag
from .comments import threads
from .comments.forms import CommentForm
from .comments.own import own_comment_ids
from .comments.remembered import remembered
from .comments.service import Own, comments_closed, own_comments
from .extensions import db
from .messages import Status
from .models import Article, ArticleSlug, Author, Comment, utcnow
from .site_settings import get_setting

# One indexed row per page view: is the article published, and which versions of
# everything the page shows are current. Core, not ORM: it runs on every request.
_VERSIONS = (
    select(
        Article.id,
        Article.updated_at,
        Author.updated_at.label("author_updated_at"),
        Article.comment_version,
        Article.comments_changed_at,
    )
    .join(Author, Article.author_id == Author.id)
    .where(Article.slug == bindparam("slug"), Article.is_published(bindparam("now")))
)


def published_versions(slug: str) -> Row:
    """The versions the article page shows, or 404, without loading the article (and on
    SQLite without a query, while nobody committed since: freshness.py)."""

    def read() -> Row | None:
        with db.engine.connect() as connection:
            return connection.execute(_VERSIONS, {"slug": slug, "now": utcnow()}).first()

    row = freshness.current(("article", slug), read)
    if row is None:
        abort(404, _("There is no article at this address."))
    return row


# Built once: constructing a statement costs more than running it from the cache.
_PUBLISHED_BY_SLUG = select(Article).where(
    Article.slug == bindparam("slug"), Article.is_published(bindparam("now"))
)
_WITH_AUTHOR = _PUBLISHED_BY_SLUG.options(
    joinedload(Article.author), joinedload(Article.photo), joinedload(Article.topics)
)


def get_published_article(slug: str, *, with_author: bool = True) -> Article:
    """The published article with this slug (with author, photo and topics, in one query,
    unless not needed), or 404."""
    statement = _WITH_AUTHOR if with_author else _PUBLISHED_BY_SLUG
    result = db.session.execute(statement, {"slug": slug, "now": utcnow()})
    article = result.unique().scalar_one_or_none()
    if article is None:
        abort(404, _("There is no article at this address."))
    return article


def redirect_if_renamed(slug: str) -> None:
    """An article's old address (and every address under it) answers 301 to its current one;
    otherwise nothing happens (the caller goes on to its 404)."""
    current = db.session.scalar(
        select(Article.slug)
        .join(ArticleSlug, ArticleSlug.article_id == Article.id)
        .where(ArticleSlug.slug == slug)
    )
    if current is not None:
        arguments = {**request.view_args, **request.args.to_dict(), "slug": current}
        abort(redirect(url_for(request.endpoint, **arguments), 301))


def discussion(
    article: Article,
    *,
    since: Comment | None = None,
    closed: bool | None = None,
    own: Own | None = None,
    focus_id: int | None = None,
) -> dict[str, Any]:
    """What the comment section shows: the template context of comments/_section.html.

    The threads from the one `since` belongs to (the oldest the reader has open) to the
    newest, and among them, in their place, the reader's own comments that wait for a
    moderator, and what they may still change (`own`; by default what the reader's cookie
    names). `personal` says whether the result shows anything to this reader only, and so
    must not be shared.
    """
    if own is None:
        own = reader_comments(article.id)
    page = threads.window(
        article,
        since=threads.key_of(since) if since is not None else None,
        per_page=current_app.config["COMMENTS_PER_PAGE"],
        waiting=own.waiting,
    )
    if closed is None:
        closed = comments_closed(article, get_setting("close_comments_after_days"))
    return {
        "comments_closed": closed,
        "personal": bool(own),
        "own": own.editable,
        **page_context(article, page, focus_id),
    }


def page_context(article: Article, page: threads.ThreadPage, focus_id: int | None) -> dict:
    """What the templates of a page of threads need (comments/_threads.html and the list)."""
    visible = page.visible
    return {
        "article": article,
        "threads": page.threads,
        "oldest": page.oldest,
        "newest": page.newest,
        "newest_id": max((c.id for c in visible), default=None),
        "has_older": page.has_older,
        "has_newer": page.has_newer,
        "focus_id": focus_id,
    }


def reader_comments(article_id: int) -> Own:
    """This reader's own comments under an article, as far as their cookie names them."""
    return own_comments(
        article_id,
        own_comment_ids(article_id),
        edit_minutes=current_app.config["EDIT_MINUTES"],
    )


def render_article(
    article: Article,
    *,
    form: CommentForm | None = None,
    status: Status | None = None,
    closed: bool | None = None,
    own: Own | None = None,
    focus_id: int | None = None,
    preview: dict | None = None,
) -> str:
    """The whole article page; the comment views render it too when JavaScript is off
    (`preview`: the comment as "Vorschau" shows it, in the form)."""
    if status is None and form is not None and form.errors:
        status = Status(form.summary(), "invalid")
    return render_template(
        "articles/article.html",
        form=form or CommentForm(formdata=None),
        status=status,
        preview=preview,
        **discussion(article, closed=closed, own=own, focus_id=focus_id),
    )


_FOCUS = "zirkel.focus"  # in the session: the comment a plain-form post leaves the focus on


def leave_for_next_page(status: Status, focus_id: int | None) -> None:
    """After a plain-form post, for the page it redirects to: what it says, and what takes
    the focus (the new comment; without one, the message)."""
    flash(status.message, status.kind)
    session[_FOCUS] = focus_id


def flashed_status() -> tuple[Status | None, int | None]:
    """What a plain-form post left for the page it redirected to, if anything: the
    message, and the comment that takes the focus.

    Only readers who already have a session cookie can have one; for everybody else
    the session stays untouched, so the page sets no cookie and varies by none.
    """
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None, None
    for kind, message in get_flashed_messages(with_categories=True):
        focus_id = session.pop(_FOCUS, None)
        return Status(message, kind, focus=focus_id is None), focus_id
    return None, None


def article_response(slug: str) -> Response:
    """The article page: the same bytes for every reader, cached and revalidated (and kept
    for a second by a shared cache in front), except for a reader who has a message
    waiting, a comment held or one they may still change, or their name kept for the
    form: theirs is never shared."""
    versions = published_versions(slug)
    status, focus_id = flashed_status()
    own = reader_comments(versions.id)
    kept = remembered()
    if status is None and not own and kept is None:
        return conditional_page(
            version_tag("article", *versions),
            lambda: render_article(get_published_article(slug), own=Own()),
            replayable=True,
        )
    article = get_published_article(slug)
    form = CommentForm(formdata=None, data=kept) if kept else None
    html = render_article(article, form=form, status=status, own=own, focus_id=focus_id)
    return personal(Response(html, mimetype="text/html"))
