"""What search engines read: robots.txt and sitemap.xml (articles, topics, authors, pages).

Four queries, however large the site: the published articles, the topics and the
authors with their newest published article (which dates their pages), and the pages
(Impressum, Datenschutz, /seite/…), dated by their last save. A sitemap holds at most
50,000 addresses; Zirkel lists the 45,000 newest articles.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from .caching import shared_view
from .extensions import db
from .models import Article, Author, Topic, article_topic
from .pages import Page, page_url
from .urls import absolute, absolute_url

bp = Blueprint("sitemap", __name__)

MAX_ARTICLES = 45_000


@bp.get("/robots.txt")
@shared_view
def robots() -> Response:
    lines = [
        "User-agent: *",
        "Disallow: /verwaltung/",
        "Disallow: /suche",
        "",
        f"Sitemap: {absolute_url('sitemap.sitemap')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
@shared_view
def sitemap() -> Response:
    published = Article.is_published()
    articles = db.session.execute(
        select(Article.slug, Article.published_at, Article.updated_at, Article.comments_changed_at)
        .where(published)
        .order_by(Article.published_at.desc())
        .limit(MAX_ARTICLES)
    ).all()
    newest = func.max(Article.published_at)
    topics = db.session.execute(
        select(Topic.slug, newest, Topic.updated_at)
        .join(article_topic, article_topic.c.topic_id == Topic.id)
        .join(Article, Article.id == article_topic.c.article_id)
        .where(published)
        .group_by(Topic.id)
        .order_by(Topic.slug)
    ).all()
    authors = db.session.execute(
        select(Author.slug, newest, Author.updated_at)
        .join(Article, Article.author_id == Author.id)
        .where(published)
        .group_by(Author.id)
        .order_by(Author.slug)
    ).all()
    pages = db.session.scalars(
        select(Page).options(load_only(Page.slug, Page.updated_at)).order_by(Page.slug)
    ).all()
    entries = [(absolute_url("articles.index"), articles[0].published_at if articles else None)]
    entries += [(absolute_url("articles.show", slug=a.slug), _latest(*a[1:])) for a in articles]
    entries += [(absolute_url("articles.topic", slug=t.slug), _latest(*t[1:])) for t in topics]
    entries += [(absolute_url("articles.author", slug=a.slug), _latest(*a[1:])) for a in authors]
    entries += [(absolute(page_url(p)), p.updated_at) for p in pages]
    xml = render_template("sitemap.xml", entries=entries)
    return Response(xml, mimetype="application/xml")


def _latest(*times):
    present = [t for t in times if t is not None]
    return max(present) if present else None
