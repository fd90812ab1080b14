"""Comment-domain rules in one place: limits, what readers see, how a comment is stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value

from ..database import writing
from ..extensions import db
from ..models import Article, Comment, CommentStatus, utcnow

NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321's limit for a whole address
TEXT_MAX = 5000


class CommentPage(NamedTuple):
    comments: Sequence[Comment]  # oldest first
    has_older: bool


def visible_comments(
    article: Article, *, per_page: int, before: Comment | None = None
) -> CommentPage:
    """A page of the comments readers see under an article.

    Without `before`: the newest page, the one the article shows and new comments join.
    With it: the page of comments just older than that one. Either way one indexed query
    of at most `per_page + 1` rows, however many comments the article has.
    """
    query = select(Comment).where(
        Comment.article_id == article.id, Comment.status == CommentStatus.VISIBLE
    )
    if before is not None:
        query = query.where(
            tuple_(Comment.created_at, Comment.id) < tuple_(before.created_at, before.id)
        )
    newest_first = db.session.scalars(
        query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(per_page + 1)
    ).all()
    return CommentPage(newest_first[:per_page][::-1], has_older=len(newest_first) > per_page)


def get_visible_comment(article: Article, comment_id: int) -> Comment | None:
    """A comment readers may see, if it is under this article."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article.id:
        return None
    return comment if comment.status == CommentStatus.VISIBLE else None


def add_comment(article: Article, *, name: str, email: str, text: str) -> Comment:
    """Store a validated comment and raise the article's count and version with it.

    One short write transaction of two statements, whatever the article already has:
    the insert, and an UPDATE of the counters themselves (so concurrent posts never lose
    an increment) that returns the new count into `article`.
    """
    values = {
        "article_id": article.id,
        "name": name,
        "email": email,
        "text": text,
        "created_at": utcnow(),
        "status": CommentStatus.VISIBLE,
    }
    comments, articles = Comment.__table__, Article.__table__
    with writing():
        comment_id = db.session.execute(
            insert(comments).values(values).returning(comments.c.id)
        ).scalar_one()
        count = db.session.execute(
            update(articles)
            .where(articles.c.id == article.id)
            .values(
                comment_count=articles.c.comment_count + 1,
                comment_version=articles.c.comment_version + 1,
                comments_changed_at=values["created_at"],
                updated_at=articles.c.updated_at,  # a comment is not an edit of the article
            )
            .returning(articles.c.comment_count)
        ).scalar_one()
    set_committed_value(article, "comment_count", count)
    return Comment(id=comment_id, **values)
