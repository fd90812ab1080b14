"""Previews: an article as readers will see it, before they can.

Editors open any article as a preview from the editorial area (a draft, a scheduled
article). To show it to someone without an account (the person interviewed, a
proofreader), an editor makes a secret link: `/vorschau/<token>`, where the token is the
article's id signed with the site's secret key and the time it was made. It works for
PREVIEW_LINK_DAYS and shows the article as it is when opened (later changes included);
nobody can guess one, and it reveals nothing else. Preview pages are `noindex` and never
cached.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .article_page import personal
from .extensions import db
from .models import Article, utcnow
from .urls import absolute_url

PREVIEW_LINK_DAYS = 7
_SALT = "zirkel-article-preview"

bp = Blueprint("previews", __name__)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def preview_link(article: Article) -> tuple[str, datetime]:
    """A secret address showing this article, and until when it works."""
    token = _serializer().dumps(article.id)
    return absolute_url("previews.shared", token=token), utcnow() + timedelta(
        days=PREVIEW_LINK_DAYS
    )


def article_with_everything(article_id: int) -> Article | None:
    """Any article, published or not, with author, photo and topics (one query)."""
    return (
        db.session.execute(
            select(Article)
            .where(Article.id == article_id)
            .options(
                joinedload(Article.author), joinedload(Article.photo), joinedload(Article.topics)
            )
        )
        .unique()
        .scalar_one_or_none()
    )


def render_preview(article: Article, link_expires: datetime | None = None) -> Response:
    html = render_template(
        "articles/preview.html", article=article, now=utcnow(), link_expires=link_expires
    )
    response = personal(Response(html, mimetype="text/html"))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    # The secret address must not travel on to the sites the article links to.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/vorschau/<token>")
def shared(token: str):
    """The article a secret preview link names, while the link is valid."""
    max_age = PREVIEW_LINK_DAYS * 24 * 3600
    try:
        article_id, made = _serializer().loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        abort(410, _("This preview link has expired. Please ask the editors for a new one."))
    except BadSignature:
        abort(404, _("There is no preview at this address."))
    article = article_with_everything(article_id)
    if article is None:
        abort(404, _("There is no preview at this address."))
    expires = made.replace(tzinfo=None) + timedelta(days=PREVIEW_LINK_DAYS)
    return render_preview(article, link_expires=expires)


def register(app) -> None:
    app.register_blueprint(bp)
