"""Reader pages: the front page, an article with its comments, an author."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from ..caching import conditional_page, version_tag
from ..comments.forms import CommentForm
from ..comments.service import comments_closed, visible_comments
from ..extensions import db
from ..models import Article, ArticleSlug, Author, utcnow
from ..site_settings import get_setting

bp = Blueprint("articles", __name__)


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
    """The versions the article page shows, or 404, without loading the article."""
    with db.engine.connect() as connection:
        row = connection.execute(_VERSIONS, {"slug": slug, "now": utcnow()}).first()
    if row is None:
        abort(404, _("There is no article at this address."))
    return row


# Built once: constructing a statement costs more than running it from the cache.
_PUBLISHED_BY_SLUG = select(Article).where(
    Article.slug == bindparam("slug"), Article.is_published(bindparam("now"))
)
_WITH_AUTHOR = _PUBLISHED_BY_SLUG.options(joinedload(Article.author), joinedload(Article.photo))


def get_published_article(slug: str, *, with_author: bool = True) -> Article:
    """The published article with this slug (with author and photo, unless not needed), or 404."""
    statement = _WITH_AUTHOR if with_author else _PUBLISHED_BY_SLUG
    article = db.session.scalar(statement, {"slug": slug, "now": utcnow()})
    if article is None:
        abort(404, _("There is no article at this address."))
    return article


def render_article(
    article: Article,
    form: CommentForm | None = None,
    status_message: str | None = None,
    status_kind: str | None = None,
) -> str:
    """The whole article page; the comment post renders it too when JavaScript is off."""
    if form is not None and form.errors:
        status_kind, status_message = "error", form.summary()
    comments, has_older = visible_comments(
        article, per_page=current_app.config["COMMENTS_PER_PAGE"]
    )
    closed = comments_closed(article, get_setting("close_comments_after_days"))
    return render_template(
        "articles/article.html",
        comments_closed=closed,
        article=article,
        comments=comments,
        has_older=has_older,
        form=form or CommentForm(formdata=None),
        status_message=status_message,
        status_kind=status_kind,
    )


def flashed_status() -> tuple[str | None, str | None]:
    """The thanks a plain-form post left for the page it redirected to, if any.

    Only readers who already have a session cookie can have one; for everybody else
    the session stays untouched, so the page sets no cookie and varies by none.
    """
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None, None
    return next(iter(get_flashed_messages(with_categories=True)), (None, None))


def _page_number() -> int:
    return request.args.get("seite", 1, type=int)


@bp.get("/")
def index():
    """Published articles, newest first, a page at a time."""
    page = db.paginate(
        Article.published().options(joinedload(Article.author), joinedload(Article.photo)),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
    )
    return render_template("articles/index.html", page=page)


def redirect_if_renamed(slug: str) -> None:
    """An article's old address answers 301 to its current one; otherwise 404."""
    current = db.session.scalar(
        select(Article.slug)
        .join(ArticleSlug, ArticleSlug.article_id == Article.id)
        .where(ArticleSlug.slug == slug)
    )
    if current is not None:
        abort(redirect(url_for("articles.show", slug=current), 301))


@bp.get("/artikel/<slug>")
def show(slug: str):
    """One article with its comment section: the same bytes for every reader, cached."""
    try:
        versions = published_versions(slug)
    except NotFound:
        redirect_if_renamed(slug)
        raise
    status_kind, status_message = flashed_status()
    if status_message:
        # The thanks after a plain-form post is for this reader only.
        return render_article(
            get_published_article(slug), status_message=status_message, status_kind=status_kind
        )
    etag = version_tag("article", *versions)
    return conditional_page(etag, lambda: render_article(get_published_article(slug)))


@bp.get("/autoren/<slug>")
def author(slug: str):
    """An author's full bio and published articles."""
    author = db.session.scalar(
        select(Author).where(Author.slug == slug).options(joinedload(Author.photo))
    )
    if author is None:
        abort(404, _("There is no author at this address."))
    page = db.paginate(
        Article.published()
        .where(Article.author_id == author.id)
        .options(joinedload(Article.photo)),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
    )
    return render_template("articles/author.html", author=author, page=page)
