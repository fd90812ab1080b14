"""The data: authors write articles; readers leave comments under them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Now, as a naive UTC datetime: what the database stores and Babel converts."""
    return datetime.now(UTC).replace(tzinfo=None)


class Author(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    articles: Mapped[list[Article]] = relationship(back_populates="author")

    def __repr__(self) -> str:
        return f"<Author {self.slug}>"


class Article(db.Model):
    __table_args__ = (Index("ix_article_published_at", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    teaser: Mapped[str] = mapped_column(Text, default="")
    # Plain text; paragraphs are separated by blank lines.
    body: Mapped[str] = mapped_column(Text, default="")
    # Path below static/ of the article's photo, with its alt text and caption.
    photo: Mapped[str | None] = mapped_column(String(300))
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    photo_caption: Mapped[str] = mapped_column(String(500), default="")
    # None: a draft. In the future: scheduled, hidden until then.
    published_at: Mapped[datetime | None]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The number of visible comments, and a version that changes with every change to
    # them, kept by comments.service in the same transaction as the change: no page
    # ever counts rows, and caches and ETags know when the comments changed.
    comment_count: Mapped[int] = mapped_column(default=0)
    comment_version: Mapped[int] = mapped_column(default=0)
    comments_changed_at: Mapped[datetime | None]

    author: Mapped[Author] = relationship(back_populates="articles")

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    @classmethod
    def published(cls):
        """A select of the articles readers may see, newest first."""
        return (
            select(cls)
            .where(cls.published_at.is_not(None), cls.published_at <= utcnow())
            .order_by(cls.published_at.desc(), cls.id.desc())
        )


class CommentStatus(enum.StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"
    SPAM = "spam"
    DELETED = "deleted"


class Comment(db.Model):
    # The article page lists visible comments of one article, oldest first.
    __table_args__ = (
        Index("ix_comment_article_status_created", "article_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # Never shown publicly.
    email: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.VISIBLE)

    article: Mapped[Article] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.article_id}>"
