"""Free slugs for articles, authors and topics: the wanted one, else with -2, -3 …"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from .extensions import db
from .models import Article, ArticleSlug, Author, Topic, TopicSlug


def unique_article_slug(wanted: str, article_id: int | None = None) -> str:
    """A slug no other article has, now or before (an old slug still redirects)."""

    def taken(slug: str) -> bool:
        owners = {
            db.session.scalar(select(Article.id).where(Article.slug == slug)),
            db.session.scalar(select(ArticleSlug.article_id).where(ArticleSlug.slug == slug)),
        }
        return bool(owners - {None, article_id})

    return _unique(wanted, taken)


def unique_author_slug(wanted: str, author_id: int | None = None) -> str:
    """A slug no other author has."""

    def taken(slug: str) -> bool:
        owner = db.session.scalar(select(Author.id).where(Author.slug == slug))
        return owner is not None and owner != author_id

    return _unique(wanted, taken)


def unique_topic_slug(wanted: str, topic_id: int | None = None) -> str:
    """A slug no other topic has, now or before (an old slug still redirects)."""

    def taken(slug: str) -> bool:
        owners = {
            db.session.scalar(select(Topic.id).where(Topic.slug == slug)),
            db.session.scalar(select(TopicSlug.topic_id).where(TopicSlug.slug == slug)),
        }
        return bool(owners - {None, topic_id})

    return _unique(wanted, taken)


def _unique(wanted: str, taken: Callable[[str], bool]) -> str:
    slug, n = wanted, 1
    while taken(slug):
        n += 1
        slug = f"{wanted}-{n}"
    return slug
