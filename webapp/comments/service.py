"""Comment-domain rules in one place: limits, what readers see, how a comment is stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value

from ..database import writing
from ..extensions import db
from ..models import Article, Comment, CommentStatus, utcnow
from ..site_settings import Moderation
from .guard import fingerprint

NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321's limit for a whole address
TEXT_MAX = 5000


class CommentPage(NamedTuple):
    comments: Sequence[Comment]  # oldest first
    has_older: bool
    has_newer: bool = False


def _visible(article: Article):
    return select(Comment).where(
        Comment.article_id == article.id, Comment.status == CommentStatus.VISIBLE
    )


def _position(comment: Comment):
    """Where a comment stands in its discussion: comments are ordered by (time, id)."""
    return tuple_(comment.created_at, comment.id)


_ORDER = tuple_(Comment.created_at, Comment.id)
_NEWEST_FIRST = (Comment.created_at.desc(), Comment.id.desc())
_OLDEST_FIRST = (Comment.created_at, Comment.id)


def visible_comments(
    article: Article, *, per_page: int, before: Comment | None = None
) -> CommentPage:
    """A page of the comments readers see under an article.

    Without `before`: the newest page, the one the article shows and new comments join.
    With it: the page of comments just older than that one. Either way one indexed query
    of at most `per_page + 1` rows, however many comments the article has.
    """
    query = _visible(article)
    if before is not None:
        query = query.where(_position(before) > _ORDER)
    newest_first = db.session.scalars(query.order_by(*_NEWEST_FIRST).limit(per_page + 1)).all()
    return CommentPage(newest_first[:per_page][::-1], has_older=len(newest_first) > per_page)


def newer_comments(article: Article, *, per_page: int, after: Comment) -> CommentPage:
    """The page of comments just newer than `after` (one query, at most `per_page + 1` rows)."""
    rows = db.session.scalars(
        _visible(article)
        .where(_position(after) < _ORDER)
        .order_by(*_OLDEST_FIRST)
        .limit(per_page + 1)
    ).all()
    return CommentPage(rows[:per_page], has_older=True, has_newer=len(rows) > per_page)


# The most comments a reader's window holds (ten pages at the default); beyond, the newest.
WINDOW_PAGES = 10


def comment_window(article: Article, *, per_page: int, since: Comment | None) -> CommentPage:
    """What a reader has open: every visible comment from `since` to the newest.

    `since` is the oldest comment the reader's list shows (after "Ältere Kommentare
    anzeigen", one of the older pages); without it, the newest page. New comments join the
    window, so a refresh or a post never drops what the reader opened. At most
    WINDOW_PAGES pages (the newest of them, then with a link to older ones): two queries.
    """
    limit = per_page * WINDOW_PAGES
    if since is None:
        return visible_comments(article, per_page=per_page)
    newest_first = db.session.scalars(
        _visible(article)
        .where(_position(since) <= _ORDER)
        .order_by(*_NEWEST_FIRST)
        .limit(limit + 1)
    ).all()
    if len(newest_first) > limit:
        return CommentPage(newest_first[:limit][::-1], has_older=True)
    older = db.session.scalar(
        _visible(article).with_only_columns(Comment.id).where(_position(since) > _ORDER).limit(1)
    )
    return CommentPage(newest_first[::-1], has_older=older is not None)


def comments_around(article: Article, comment: Comment, *, per_page: int) -> CommentPage:
    """A page of comments with `comment` in the middle: what its permalink shows when it
    is no longer among the newest. Two queries of at most `per_page` rows each."""
    before = per_page // 2
    older = db.session.scalars(
        _visible(article)
        .where(_position(comment) > _ORDER)
        .order_by(*_NEWEST_FIRST)
        .limit(before + 1)
    ).all()
    after = per_page - 1 - min(len(older), before)
    newer = db.session.scalars(
        _visible(article)
        .where(_position(comment) < _ORDER)
        .order_by(*_OLDEST_FIRST)
        .limit(after + 1)
    ).all()
    return CommentPage(
        [*older[:before][::-1], comment, *newer[:after]],
        has_older=len(older) > before,
        has_newer=len(newer) > after,
    )


def is_among_newest(article: Article, comment: Comment, *, per_page: int) -> bool:
    """Whether the article page itself shows this visible comment (one bounded query)."""
    newer = db.session.scalars(
        _visible(article)
        .with_only_columns(Comment.id)
        .where(_position(comment) < _ORDER)
        .limit(per_page)
    ).all()
    return len(newer) < per_page


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


def waiting_comments(article_id: int, ids: Sequence[int]) -> list[Comment]:
    """Of these comments (the reader's own, from their cookie), those of this article that
    wait for a moderator. No query without ids."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.id.in_(ids),
                Comment.article_id == article_id,
                Comment.status.in_(_WAITING),
                Comment.learned_as.is_(None),
            )
            .order_by(*_OLDEST_FIRST)
        )
    )


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


def status_for_new_comment(email: str, moderation: str) -> CommentStatus:
    """Visible at once, or held for moderation, as the site's moderation setting says."""
    if moderation == Moderation.ALL:
        return CommentStatus.PENDING
    if moderation == Moderation.FIRST:
        known = db.session.scalar(
            select(Comment.id)
            .where(Comment.email == email, Comment.status == CommentStatus.VISIBLE)
            .limit(1)
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
) -> Comment:
    """Store a validated comment; a visible one raises the article's count and version.

    One short write transaction, whatever the article already has: the insert, and an
    UPDATE of the counters themselves (so concurrent posts never lose an increment) that
    returns the new count and version into `article`. A held comment changes nothing
    readers see, so it leaves the counters alone. `on_stored(comment)` runs inside the same
    transaction (mail about it goes into the outbox with it, or not at all).
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
    }
    comments, articles = Comment.__table__, Article.__table__
    with writing():
        _refuse_duplicates_and_floods(values, list(limits))
        comment_id = db.session.execute(
            insert(comments).values(values).returning(comments.c.id)
        ).scalar_one()
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
    """Change what a comment says (a moderator's edit); readers see it on the next request.

    Call inside `writing()`.
    """
    comment.name, comment.email, comment.text = name, email, text
    if comment.fingerprint:
        # The duplicate check compares with what the comment says now.
        comment.fingerprint = fingerprint(comment.article_id, text)
    comment.updated_at = utcnow()
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
