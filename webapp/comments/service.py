"""Comment-domain rules in one place: limits, what readers see, how a comment is stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..database import writing
from ..extensions import db
from ..models import Article, Comment, CommentStatus, Subscription, utcnow
from ..site_settings import Moderation
from .guard import fingerprint

NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321's limit for a whole address
TEXT_MAX = 5000


def get_visible_comment(article: Article, comment_id: int) -> Comment | None:
    """A comment readers may see, if it is under this article."""
    comment = get_comment_of(article, comment_id)
    return comment if comment is not None and comment.status == CommentStatus.VISIBLE else None


def get_comment_of(article: Article, comment_id: int | None) -> Comment | None:
    """A comment of this article, whatever its status (None if it is not this article's)."""
    comment = db.session.get(Comment, comment_id) if comment_id else None
    if comment is None or comment.article_id != article.id:
        return None
    return comment


# Held comments their author still sees as waiting: not yet decided by a moderator (a
# comment the guard called spam waits in the spam folder, where a moderator may approve it).
_WAITING = (CommentStatus.PENDING, CommentStatus.SPAM)


@dataclass
class Own:
    """What a reader's own comments under an article need: those that wait for a moderator
    (shown to them in place), and until when they may still change which."""

    waiting: list[Comment] = field(default_factory=list)
    editable: dict[int, datetime] = field(default_factory=dict)  # comment id -> until

    def __bool__(self) -> bool:
        return bool(self.waiting or self.editable)


def own_comments(article_id: int, ids: Sequence[int], *, edit_minutes: int) -> Own:
    """Of these comments (the reader's own, from their cookie), those of this article that
    wait for a moderator or that their author may still change. No query without ids."""
    if not ids:
        return Own()
    window = timedelta(minutes=edit_minutes)
    since = utcnow() - window
    rows = db.session.scalars(
        select(Comment)
        .where(
            Comment.id.in_(ids),
            Comment.article_id == article_id,
            or_(
                and_(Comment.status.in_(_WAITING), Comment.learned_as.is_(None)),
                and_(Comment.status == CommentStatus.VISIBLE, Comment.created_at > since),
            ),
        )
        .order_by(Comment.created_at, Comment.id)
    ).all()
    return Own(
        waiting=[c for c in rows if is_waiting(c)],
        editable={c.id: c.created_at + window for c in rows if c.created_at > since},
    )


def waiting_comments(article_id: int, ids: Sequence[int]) -> list[Comment]:
    """Of these comments (the reader's own), those of this article that wait for a moderator."""
    return own_comments(article_id, ids, edit_minutes=0).waiting


def is_waiting(comment: Comment) -> bool:
    """Whether a comment waits for a moderator (as `waiting_comments` selects them)."""
    return comment.status in _WAITING and comment.learned_as is None


def comments_closed(article: Article, close_after_days: int) -> bool:
    """Closed by the article's own switch, or by the site's age limit (0: none)."""
    if not article.comments_open:
        return True
    if close_after_days and article.published_at is not None:
        return article.published_at < utcnow() - timedelta(days=close_after_days)
    return False


def status_for_new_comment(
    email: str, moderation: str, own_ids: Sequence[int] = ()
) -> CommentStatus:
    """Visible at once, or held for moderation, as the site's moderation setting says.

    "The first comment of an unknown address" trusts a reader who proves an approved comment
    is theirs: by the signed cookie of the browser that wrote it (`own_ids`), or by an
    address they confirmed (a confirmed subscription). A typed address alone proves nothing,
    as anyone who knows a regular's address could type it (one query).
    """
    if moderation == Moderation.ALL:
        return CommentStatus.PENDING
    if moderation == Moderation.FIRST:
        confirmed = exists().where(
            Subscription.email == email, Subscription.confirmed_at.is_not(None)
        )
        proof = and_(Comment.email == email, confirmed)
        if own_ids:
            proof = or_(Comment.id.in_(own_ids), proof)
        known = db.session.scalar(
            select(Comment.id).where(Comment.status == CommentStatus.VISIBLE, proof).limit(1)
        )
        return CommentStatus.VISIBLE if known is not None else CommentStatus.PENDING
    return CommentStatus.VISIBLE


class DuplicateComment(Exception):
    """The same comment (article, text, and name or e-mail) was sent before."""


class TooManyComments(Exception):
    """The poster's network sent more comments than ZIRKEL_RATELIMIT allows."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _refuse_duplicates_and_floods(values: dict, limits: list[tuple[int, int]]) -> None:
    """Inside the write transaction: parallel posts see each other (the lock serialises)."""
    comments = Comment.__table__
    if values["fingerprint"]:
        earlier = db.session.execute(
            select(comments.c.name, comments.c.email).where(
                comments.c.fingerprint == values["fingerprint"]
            )
        ).all()
        if any(
            name.casefold() == values["name"].casefold()
            or email.casefold() == values["email"].casefold()
            for name, email in earlier
        ):
            raise DuplicateComment()
    now = values["created_at"]
    for limit, seconds in limits:
        since = now - timedelta(seconds=seconds)
        count, oldest = db.session.execute(
            select(func.count(), func.min(comments.c.created_at)).where(
                comments.c.network == values["network"], comments.c.created_at > since
            )
        ).one()
        if count >= limit:
            raise TooManyComments(max(1, int((oldest - since).total_seconds()) + 1))


def add_comment(
    article: Article,
    *,
    name: str,
    email: str,
    text: str,
    status: CommentStatus = CommentStatus.VISIBLE,
    network: str | None = None,
    fingerprint: str | None = None,
    reasons: Sequence[str] = (),
    limits: Sequence[tuple[int, int]] = (),
    on_stored: Callable[[Comment], None] | None = None,
    parent: Comment | None = None,
    user_id: int | None = None,
) -> Comment:
    """Store a validated comment; a visible one raises the article's count and version.

    One short write transaction, whatever the article already has: the insert, and an
    UPDATE of the counters themselves (so concurrent posts never lose an increment) that
    returns the new count and version into `article`. A held comment changes nothing
    readers see, so it leaves the counters alone. `on_stored(comment)` runs inside the same
    transaction (mail about it goes into the outbox with it, or not at all). A reply joins
    its `parent`'s thread; a comment that answers nobody begins its own (comments/threads.py).
    """
    values = {
        "article_id": article.id,
        "name": name,
        "email": email,
        "text": text,
        "created_at": utcnow(),
        "status": status,
        "network": network,
        "fingerprint": fingerprint,
        "reasons": json.dumps(list(reasons), ensure_ascii=False) if reasons else "",
        "parent_id": parent.id if parent else None,
        "thread_id": parent.thread_id if parent else None,
        "user_id": user_id,
    }
    values["thread_at"] = parent.thread_at if parent else values["created_at"]
    comments, articles = Comment.__table__, Article.__table__
    with writing():
        _refuse_duplicates_and_floods(values, list(limits))
        comment_id = db.session.execute(
            insert(comments).values(values).returning(comments.c.id)
        ).scalar_one()
        if values["thread_id"] is None:
            values["thread_id"] = comment_id
            db.session.execute(
                update(comments).where(comments.c.id == comment_id).values(thread_id=comment_id)
            )
        comment = Comment(id=comment_id, **values)
        if on_stored is not None:
            on_stored(comment)
        if status != CommentStatus.VISIBLE:
            return comment
        count, version = db.session.execute(
            update(articles)
            .where(articles.c.id == article.id)
            .values(
                comment_count=articles.c.comment_count + 1,
                comment_version=articles.c.comment_version + 1,
                comments_changed_at=values["created_at"],
                updated_at=articles.c.updated_at,  # a comment is not an edit of the article
            )
            .returning(articles.c.comment_count, articles.c.comment_version)
        ).one()
    set_committed_value(article, "comment_count", count)
    set_committed_value(article, "comment_version", version)
    return comment


def set_status(comment: Comment, status: CommentStatus) -> None:
    """Move a comment to another status, keeping its article's count and version right.

    Call inside `writing()`, with whatever else belongs to the same change (the audit log).
    """
    was_visible = comment.status == CommentStatus.VISIBLE
    comment.status = status
    comment.updated_at = utcnow()
    change = int(status == CommentStatus.VISIBLE) - int(was_visible)
    if change:
        _touch_comments(comment.article_id, count_change=change)


def edit_comment(comment: Comment, *, name: str, email: str, text: str) -> None:
    """Change what a comment says (its author's or a moderator's edit); readers see it on
    the next request, marked "bearbeitet".

    Call inside `writing()`.
    """
    comment.name, comment.email, comment.text = name, email, text
    if comment.fingerprint:
        # The duplicate check compares with what the comment says now.
        comment.fingerprint = fingerprint(comment.article_id, text)
    comment.updated_at = comment.edited_at = utcnow()
    if comment.status == CommentStatus.VISIBLE:
        _touch_comments(comment.article_id, count_change=0)


def _touch_comments(article_id: int, *, count_change: int) -> None:
    """Raise the article's comment version (and count), so every cache renders anew."""
    articles = Article.__table__
    db.session.execute(
        update(articles)
        .where(articles.c.id == article_id)
        .values(
            comment_count=articles.c.comment_count + count_change,
            comment_version=articles.c.comment_version + 1,
            comments_changed_at=utcnow(),
            updated_at=articles.c.updated_at,
        )
    )
