"""The data: authors write articles; readers leave comments under them."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym, validates

from .extensions import db
from .text import render_markdown


def utcnow() -> datetime:
    """Now, as a naive UTC datetime: what the database stores and Babel converts."""
    return datetime.now(UTC).replace(tzinfo=None)


class AboutHeading(enum.StrEnum):
    """How the box under an author's articles is headed (formatting.about_heading)."""

    AUTHOR = "autor"  # "Über den Autor"
    AUTHOR_FEMALE = "autorin"  # "Über die Autorin"
    EDITORIAL_TEAM = "redaktion"  # "Über die Redaktion"


class Author(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    about_heading: Mapped[str] = mapped_column(
        String(20), default=AboutHeading.AUTHOR, server_default=AboutHeading.AUTHOR.value
    )
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    # Markdown as written, and the sanitized HTML pages show (see webapp/text.py).
    bio: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Where an imported author came from ("wordpress:<site>:<login>"): imports run twice
    # change nothing the second time.
    import_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # Raised by every editorial save; a form opened at an older one is not saved over it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    photo: Mapped[Photo | None] = relationship()
    articles: Mapped[list[Article]] = relationship(back_populates="author")

    def __repr__(self) -> str:
        return f"<Author {self.slug}>"

    @validates("bio")
    def _render_bio(self, _key: str, source: str) -> str:
        # The stored HTML always follows the Markdown, whoever sets it.
        self.bio_html = render_markdown(source)
        return source


class AuthorSlug(db.Model):
    """A slug an author had before: the old author page answers 301 to the new one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"), index=True)

    author: Mapped[Author] = relationship()


# Which topics an article is filed under (many to many).
article_topic = db.Table(
    "article_topic",
    db.Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    db.Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_topic_topic_id", "topic_id", "article_id"),
)


class Topic(db.Model):
    """A topic ("Thema") articles are filed under, e.g. "Integration"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Where an imported topic came from ("wordpress:<site>:category:<slug>").
    import_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # Raised by every editorial save; a form opened at an older one is not saved over it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class TopicSlug(db.Model):
    """A slug a topic had before (renamed, or merged into another): answers 301."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)

    topic: Mapped[Topic] = relationship()


class Article(db.Model):
    __table_args__ = (Index("ix_article_published_at", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    teaser: Mapped[str] = mapped_column(Text, default="")
    # Markdown as written, and the sanitized HTML the reader page shows.
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id", ondelete="SET NULL"))
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    photo_caption: Mapped[str] = mapped_column(String(500), default="")
    photo_credit: Mapped[str] = mapped_column(String(300), default="")
    comments_open: Mapped[bool] = mapped_column(default=True)
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
    import_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # Raised by every save in the editorial area: a form opened at an older version is
    # not saved over a newer one (editorial/articles.py). Nothing else changes it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    author: Mapped[Author] = relationship(back_populates="articles")
    photo: Mapped[Photo | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=article_topic, order_by=Topic.name)

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    @validates("body")
    def _render_body(self, _key: str, source: str) -> str:
        # The stored HTML always follows the Markdown, whoever sets it.
        self.body_html = render_markdown(source)
        return source

    @classmethod
    def is_published(cls, now=None):
        """The condition for what readers may see: published, and not scheduled for later.

        `now` is a bound parameter (for statements built once) or, by default, the time now.
        """
        return cls.published_at <= (utcnow() if now is None else now)

    @classmethod
    def published(cls):
        """A select of the articles readers may see, newest first."""
        return (
            select(cls).where(cls.is_published()).order_by(cls.published_at.desc(), cls.id.desc())
        )


class RevisionNote:
    """What a save did, kept with its revision."""

    EARLIER = "earlier"  # the state before the first save that kept revisions
    SAVED = "saved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    RESTORED = "restored"  # "restored:<version>"


class Revision:
    """What every kept revision has, whatever it keeps (webapp/revisions.py): the saved
    thing's version, who saved it and when, and the title, address and text it had.

    Each kind adds the column naming what it is a revision of and, as `owner_id`, a
    synonym for it, so that the revision machinery reads every kind alike.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # As it was at the time, should the account go.
    user_email: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(String(50), default=RevisionNote.SAVED)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    @property
    def restored_from(self) -> int | None:
        """The version a restore brought back, for a revision a restore made."""
        kind, _sep, version = self.note.partition(":")
        return int(version) if kind == RevisionNote.RESTORED and version.isdigit() else None


class ArticleRevision(Revision, db.Model):
    """An article as one editorial save left it (webapp/revisions.py)."""

    __tablename__ = "article_revision"
    __table_args__ = (Index("ix_article_revision_article_version", "article_id", "version"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    owner_id = synonym("article_id")
    teaser: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id", ondelete="SET NULL"))
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    photo_caption: Mapped[str] = mapped_column(String(500), default="")
    photo_credit: Mapped[str] = mapped_column(String(300), default="")
    comments_open: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime | None]
    # JSON: [[topic id, name], …] as filed at the time.
    topics: Mapped[str] = mapped_column(Text, default="[]")

    article: Mapped[Article] = relationship()
    photo: Mapped[Photo | None] = relationship()

    @property
    def topic_names(self) -> list[str]:
        return [name for _id, name in json.loads(self.topics)]


class CommentStatus(enum.StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"
    SPAM = "spam"
    DELETED = "deleted"


class Comment(db.Model):
    __table_args__ = (
        # The article page lists visible comments of one article, oldest first.
        Index("ix_comment_article_status_created", "article_id", "status", "created_at"),
        # … a page of threads at a time: the newest threads that have a visible comment.
        Index("ix_comment_article_status_thread", "article_id", "status", "thread_at", "thread_id"),
        # Flood control counts a network's recent comments; duplicates are found by hash.
        Index("ix_comment_network_created", "network", "created_at"),
        Index("ix_comment_fingerprint", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # Never shown publicly.
    email: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.VISIBLE)
    # The comment this one answers (kept from WordPress imports).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    # The thread it belongs to: its first comment's id and time (a thread's own first
    # comment names itself). Pages of comments are pages of threads; see comments/threads.py.
    thread_id: Mapped[int | None] = mapped_column(index=True)
    thread_at: Mapped[datetime | None]
    # Written by someone logged in to the editorial area: shown with a badge.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # When its text was last changed, by its author or a moderator: shown as "bearbeitet".
    edited_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    import_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # The poster's network (IPv4 /24, IPv6 /48), for flood control; never the address.
    network: Mapped[str | None] = mapped_column(String(64))
    # A hash of article, author and normalised text: the same comment twice is refused.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Why the spam guard held it or called it spam (JSON list of German sentences).
    reasons: Mapped[str] = mapped_column(Text, default="")
    # What the spam filter learned it as from a moderator ("spam", "ham"), if anything:
    # a change of mind moves the counts instead of adding them twice.
    learned_as: Mapped[str | None] = mapped_column(String(10))

    article: Mapped[Article] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.article_id}>"

    @property
    def reason_list(self) -> list[str]:
        """Why the spam guard held it, or called it spam."""
        return json.loads(self.reasons) if self.reasons else []


class Subscription(db.Model):
    """A reader asked for mail about a comment of theirs (replies; its approval), and
    confirmed it, or not yet (double opt-in: nothing else is sent before). See
    comments/subscriptions.py."""

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the confirmation mail was put into the outbox (none within RESEND_PAUSE again).
    asked_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # The interface language the reader subscribed in ("en"); the mails are in it. Empty
    # for subscriptions older than the choice: the site's default language.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")

    comment: Mapped[Comment] = relationship()


class SpamToken(db.Model):
    """What the spam filter learned from moderators: in how many comments marked as spam
    and how many approved a token appeared (comments/spamfilter.py). One row, the token
    "(messages)", counts the comments themselves."""

    token: Mapped[str] = mapped_column(String(100), primary_key=True)
    spam: Mapped[int] = mapped_column(default=0)
    ham: Mapped[int] = mapped_column(default=0)


class Photo(db.Model):
    """An uploaded image, stored re-encoded in several widths (see webapp/media.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The hash of the original's content: file names derive from it, never from the upload.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    # The widths stored, comma-separated, e.g. "480,960,1600".
    widths: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The media library's description (editorial/media_library.py): the default alternative
    # text where the photo is placed; empty for photos uploaded before the library.
    alt_text: Mapped[str] = mapped_column(String(300), default="", server_default="")
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    credit: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The uploaded file's name, shown to editors only; never part of a file name or URL.
    original_name: Mapped[str] = mapped_column(String(255), default="", server_default="")


class ArticleSlug(db.Model):
    """A slug an article had before: its old URL answers 301 to the new one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))

    article: Mapped[Article] = relationship()


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything: accounts and settings too
    EDITOR = "redaktion"  # articles and authors
    MODERATOR = "moderation"  # comments


class User(UserMixin, db.Model):
    """An account of the editorial area."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The second factor (editorial/second_factor.py): the TOTP secret, base32, never shown
    # again after enrolment (None: no second factor); when it was switched on; the last
    # time step whose code was accepted, so that no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    # Not stored here: the login session this object was loaded for (editorial/auth.py).
    login_session_id = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the cookie: the server-side login session's id."""
        return self.login_session_id

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"


class LoginSession(db.Model):
    """One login, kept on the server: logging out deletes it, so a copied cookie dies too."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor (a lost phone): only its hash."""

    __table_args__ = (Index("ix_recovery_code_user_hash", "user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))  # SHA-256, hex; the codes are random
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LoginAttempt(db.Model):
    """A failed login, counted per account and per address to slow guessing down."""

    __table_args__ = (
        Index("ix_login_attempt_email_created", "email", "created_at"),
        Index("ix_login_attempt_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # The client's network (IPv4 /24, IPv6 /48), not its full address.
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(db.Model):
    """Who did what to what, when, with the state before and after (editorial/audit.py).

    Never changed: the database refuses to delete an entry or change its content (triggers,
    migration f3a8c1d9e5b2); only the references below are emptied when what they point
    to is deleted.
    """

    __table_args__ = (Index("ix_audit_entry_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Kept as written at the time, should the account go.
    user_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(30), index=True)
    # What was changed, as a person reads it (an account's address …), kept as written.
    subject: Mapped[str] = mapped_column(String(300), default="", server_default="")
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"))
    before: Mapped[str] = mapped_column(Text, default="")  # JSON
    after: Mapped[str] = mapped_column(Text, default="")  # JSON

    user: Mapped[User | None] = relationship()


class SiteSetting(db.Model):
    """A setting editors change in the browser (moderation mode …); JSON values."""

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UsedLink(db.Model):
    """A one-time link from an e-mail that has been used, so it cannot be used again."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
