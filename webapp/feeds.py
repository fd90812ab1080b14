"""Atom feeds: all articles, one topic's articles, one article's comments, the latest
comments of the whole site.

Written as one Jinja template (templates/feeds/atom.xml) rather than with a feed library:
Atom is a dozen elements, Jinja escapes every value for XML as it does for HTML, and the
feeds share the page cache and conditional requests of the pages (caching.py). Characters
XML 1.0 cannot carry are dropped from the finished document. Only visible comments on
published articles appear, with the commenter's name, never their address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from .article_page import published_versions, redirect_if_renamed
from .caching import conditional_page, version_tag
from .extensions import db
from .models import Article, Comment, CommentStatus, utcnow
from .text import comment_html
from .topics import published_in, topic_or_404
from .urls import absolute_url

bp = Blueprint("feeds", __name__)

ARTICLES = 20  # entries in an article feed
COMMENTS = 50  # entries in a comment feed
ATOM = "application/atom+xml"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str
    summary: str
    content: str  # HTML as text: the template escapes it, as Atom's type="html" wants


def _tag(kind: str, number: int) -> str:
    """A stable entry id (an article's address may change, its id does not)."""
    host = urlsplit(absolute_url("articles.index")).hostname or "localhost"
    return f"tag:{host},2026:{kind}/{number}"


def _answer(etag: str, title: str, self_endpoint: str, alternate: str, entries, **values):
    def render() -> str:
        items = entries()
        updated = max((e.updated for e in items), default=utcnow())
        xml = render_template(
            "feeds/atom.xml",
            title=title,
            feed_id=absolute_url(self_endpoint, **values),
            self_link=absolute_url(self_endpoint, **values),
            alternate=alternate,
            updated=updated,
            entries=items,
        )
        return _NOT_XML.sub("", xml)

    response = conditional_page(etag, render)
    response.mimetype = ATOM
    return response


# --- articles -----------------------------------------------------------------------------------


def _article_entries(statement) -> list[Entry]:
    articles = db.session.scalars(
        statement.options(joinedload(Article.author)).limit(ARTICLES)
    ).all()
    return [
        Entry(
            id=_tag("artikel", a.id),
            title=a.title,
            link=absolute_url("articles.show", slug=a.slug),
            published=a.published_at,
            updated=max(a.published_at, a.updated_at),
            author=a.author.name,
            summary=a.teaser,
            content=a.body_html,
        )
        for a in articles
    ]


def _articles_version(statement) -> tuple:
    """What a feed of these articles shows changes with their number, newest publication
    (a scheduled article's time coming) and latest change: one aggregate query."""
    published = statement.subquery()
    return tuple(
        db.session.execute(
            select(
                func.count(),
                func.max(published.c.published_at),
                func.max(published.c.updated_at),
            )
        ).one()
    )


@bp.get("/feed")
def articles():
    """The site's articles, newest first."""
    statement = Article.published()
    return _answer(
        version_tag("feed", *_articles_version(statement)),
        current_app.config["SITE_NAME"],
        "feeds.articles",
        absolute_url("articles.index"),
        lambda: _article_entries(statement),
    )


@bp.get("/thema/<slug>/feed")
def topic(slug: str):
    """One topic's articles, newest first."""
    topic = topic_or_404(slug)
    statement = published_in(topic)
    return _answer(
        version_tag(
            "topic feed",
            topic.id,
            topic.updated_at,
            *_articles_version(statement),
        ),
        f"{topic.name} – {current_app.config['SITE_NAME']}",
        "feeds.topic",
        absolute_url("articles.topic", slug=topic.slug),
        lambda: _article_entries(statement),
        slug=topic.slug,
    )


# --- comments -----------------------------------------------------------------------------------


def _comment_entries(statement) -> list[Entry]:
    rows = db.session.execute(statement.limit(COMMENTS)).all()
    return [
        Entry(
            id=_tag("kommentar", c.id),
            title=_("%(name)s on “%(title)s”", name=c.name, title=title),
            link=absolute_url("comments.permalink", comment_id=c.id, _anchor=f"kommentar-{c.id}"),
            published=c.created_at,
            updated=c.edited_at or c.created_at,
            author=c.name,
            summary="",
            content=str(comment_html(c.text)),
        )
        for c, title in rows
    ]


def _visible_comments():
    return (
        select(Comment, Article.title)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.status == CommentStatus.VISIBLE, Article.is_published())
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


@bp.get("/artikel/<slug>/kommentare/feed")
def article_comments(slug: str):
    """One article's visible comments, newest first."""
    try:
        versions = published_versions(slug)
    except NotFound:
        redirect_if_renamed(slug)
        raise
    article = db.session.get(Article, versions.id)
    return _answer(
        version_tag(
            "comment feed",
            versions.id,
            versions.comment_version,
            versions.updated_at,
        ),
        _("Comments on “%(title)s”", title=article.title),
        "feeds.article_comments",
        absolute_url("articles.show", slug=slug, _anchor="kommentare"),
        lambda: _comment_entries(_visible_comments().where(Comment.article_id == versions.id)),
        slug=slug,
    )


@bp.get("/kommentare/feed")
def comments():
    """The latest visible comments of the whole site."""
    published = Article.published().subquery()
    version = db.session.execute(
        select(
            func.sum(published.c.comment_version),
            func.max(published.c.comments_changed_at),
            func.count(),
        )
    ).one()
    return _answer(
        version_tag("comments feed", *version),
        _("Comments – %(site)s", site=current_app.config["SITE_NAME"]),
        "feeds.comments",
        absolute_url("articles.index"),
        lambda: _comment_entries(_visible_comments()),
    )
