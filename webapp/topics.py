"""Topics ("Themen"): what articles are filed under, and the changes editors make to them.

An article is filed under any number of topics. A topic's address is `/thema/<slug>`;
renaming it or merging it into another keeps every address it had answering 301 (the
old slugs are kept in `topic_slug`, as articles keep theirs). Every change that alters
what an article page shows about its topics touches the articles' `updated_at` in the
same transaction, so their cached pages and ETags change with it.

All writing functions run inside `database.writing()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, literal, select, update

from .extensions import db
from .models import Article, Topic, TopicSlug, article_topic, utcnow


class TopicError(Exception):
    """A change that cannot be made, with the German message that says why."""


def topic_by_slug(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def topic_or_404(slug: str) -> Topic:
    """The topic with this slug for a page or feed of it; a former slug answers 301 to the
    same page under the current one (as articles do), anything else a German 404."""
    topic = topic_by_slug(slug)
    if topic is None:
        if (current := renamed_topic_slug(slug)) is not None:
            arguments = {**request.view_args, **request.args.to_dict(), "slug": current}
            abort(redirect(url_for(request.endpoint, **arguments), 301))
        abort(404, _("There is no topic at this address."))
    return topic


def published_in(topic: Topic):
    """A select of the topic's published articles, newest first."""
    filed = select(article_topic.c.article_id).where(article_topic.c.topic_id == topic.id)
    return Article.published().where(Article.id.in_(filed))


def renamed_topic_slug(slug: str) -> str | None:
    """The current slug of the topic that had this one before; None if none had."""
    return db.session.scalar(
        select(Topic.slug)
        .join(TopicSlug, TopicSlug.topic_id == Topic.id)
        .where(TopicSlug.slug == slug)
    )


def published_article_counts() -> list[tuple[Topic, int]]:
    """Every topic with published articles and how many, by name: one query."""
    count = func.count(Article.id)
    return [
        (topic, n)
        for topic, n in db.session.execute(
            select(Topic, count)
            .join(article_topic, article_topic.c.topic_id == Topic.id)
            .join(Article, Article.id == article_topic.c.article_id)
            .where(Article.is_published())
            .group_by(Topic.id)
            .order_by(Topic.name)
        )
    ]


def article_counts() -> list[tuple[Topic, int]]:
    """Every topic, and how many articles of any state it holds (for the editorial area)."""
    rows = db.session.execute(
        select(Topic, func.count(article_topic.c.article_id))
        .outerjoin(article_topic, article_topic.c.topic_id == Topic.id)
        .group_by(Topic.id)
        .order_by(Topic.name)
    )
    return [(topic, count) for topic, count in rows]


def name_taken(name: str, topic_id: int | None = None) -> bool:
    """Whether another topic has this name (names are unique, case aside)."""
    owner = db.session.scalar(select(Topic.id).where(func.lower(Topic.name) == name.lower()))
    return owner is not None and owner != topic_id


def save_topic(topic: Topic | None, *, name: str, slug: str, description: str = "") -> Topic:
    """Create a topic, or rename it: its old slug keeps answering (301)."""
    if topic is None:
        topic = Topic(name=name, slug=slug, description=description)
        db.session.add(topic)
        db.session.flush()
        return topic
    if slug != topic.slug:
        db.session.execute(delete(TopicSlug).where(TopicSlug.slug == slug))
        db.session.add(TopicSlug(slug=topic.slug, topic_id=topic.id))
    topic.name, topic.slug, topic.description = name, slug, description
    touch_articles_of([topic.id])
    return topic


def merge_topics(source: Topic, target: Topic) -> int:
    """File every article of `source` under `target` instead, and remove `source`; its
    addresses answer 301 to `target` from now on. Returns how many articles moved."""
    if source.id == target.id:
        raise TopicError("a topic cannot be merged into itself")
    touch_articles_of([source.id])
    already = select(article_topic.c.article_id).where(article_topic.c.topic_id == target.id)
    moving = select(article_topic.c.article_id, literal(target.id)).where(
        article_topic.c.topic_id == source.id, article_topic.c.article_id.not_in(already)
    )
    # Counted first: drivers do not all report the rows an INSERT … SELECT wrote.
    moved = db.session.scalar(select(func.count()).select_from(moving.subquery()))
    db.session.execute(insert(article_topic).from_select(["article_id", "topic_id"], moving))
    db.session.execute(
        update(TopicSlug).where(TopicSlug.topic_id == source.id).values(topic_id=target.id)
    )
    old_slug = source.slug
    db.session.delete(source)
    db.session.flush()
    db.session.add(TopicSlug(slug=old_slug, topic_id=target.id))
    return moved


def delete_topic(topic: Topic) -> None:
    """Remove a topic that holds no article (a topic with articles is merged instead)."""
    if db.session.scalar(
        select(func.count()).select_from(article_topic).where(article_topic.c.topic_id == topic.id)
    ):
        raise TopicError("the topic still holds articles")
    db.session.delete(topic)


def topics_with_ids(topic_ids: Iterable[int]) -> list[Topic]:
    wanted = set(topic_ids)
    if not wanted:
        return []
    return list(db.session.scalars(select(Topic).where(Topic.id.in_(wanted)).order_by(Topic.name)))


def file_article(article: Article, topics: list[Topic]) -> None:
    """File an article under exactly these topics (load them first: topics_with_ids)."""
    if {t.id for t in article.topics} != {t.id for t in topics}:
        article.topics = topics
        article.updated_at = utcnow()


def touch_articles_of(topic_ids: Sequence[int]) -> None:
    """What these topics' articles show changed: their pages are made anew."""
    db.session.execute(
        update(Article)
        .where(
            Article.id.in_(
                select(article_topic.c.article_id).where(article_topic.c.topic_id.in_(topic_ids))
            )
        )
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
