"""Reader pages: the front page, an article with its comments, an author."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from ..article_page import article_response, redirect_if_renamed
from ..extensions import db
from ..models import Article, Author

bp = Blueprint("articles", __name__)


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


@bp.get("/artikel/<slug>")
def show(slug: str):
    """One article with its comment section: the same bytes for every reader, cached."""
    try:
        return article_response(slug)
    except NotFound:
        redirect_if_renamed(slug)
        raise


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
        .options(joinedload(Article.author), joinedload(Article.photo)),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
    )
    return render_template("articles/author.html", author=author, page=page)
