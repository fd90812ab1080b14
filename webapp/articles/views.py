"""Reader pages: the front page, an article with its comments, an author."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, get_flashed_messages, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..comments.forms import CommentForm
from ..comments.service import visible_comments
from ..extensions import db
from ..models import Article, Author

bp = Blueprint("articles", __name__)


def get_published_article(slug: str) -> Article:
    """The published article with this slug, with its author, or 404."""
    article = db.session.scalar(
        Article.published().where(Article.slug == slug).options(joinedload(Article.author))
    )
    if article is None:
        abort(404, _("There is no article at this address."))
    return article


def render_article(article: Article, form: CommentForm | None = None, status: int = 200):
    """The whole article page; the comment post renders it too when JavaScript is off."""
    if form is not None and form.errors:
        status_kind, status_message = "error", form.summary()
    else:
        # A plain-form post redirected here leaves its thanks as a flashed message.
        status_kind, status_message = next(
            iter(get_flashed_messages(with_categories=True)), (None, None)
        )
    html = render_template(
        "articles/article.html",
        article=article,
        comments=visible_comments(article),
        form=form or CommentForm(formdata=None),
        status_message=status_message,
        status_kind=status_kind,
    )
    return html, status


def _page_number() -> int:
    return request.args.get("seite", 1, type=int)


@bp.get("/")
def index():
    """Published articles, newest first, a page at a time."""
    page = db.paginate(
        Article.published().options(joinedload(Article.author)),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
    )
    return render_template("articles/index.html", page=page)


@bp.get("/artikel/<slug>")
def show(slug: str):
    """One article with its comment section."""
    return render_article(get_published_article(slug))


@bp.get("/autoren/<slug>")
def author(slug: str):
    """An author's full bio and published articles."""
    author = db.session.scalar(select(Author).where(Author.slug == slug))
    if author is None:
        abort(404, _("There is no author at this address."))
    page = db.paginate(
        Article.published().where(Article.author_id == author.id),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
    )
    return render_template("articles/author.html", author=author, page=page)
