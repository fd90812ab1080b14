"""Comment-domain rules in one place: limits, what readers see, how a comment is stored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from ..extensions import db
from ..models import Article, Comment, CommentStatus, utcnow

NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321's limit for a whole address
TEXT_MAX = 5000


def visible_comments(article: Article) -> Sequence[Comment]:
    """The comments readers see under an article, oldest first."""
    return db.session.scalars(
        select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.VISIBLE)
        .order_by(Comment.created_at, Comment.id)
    ).all()


def add_comment(article: Article, *, name: str, email: str, text: str) -> Comment:
    """Store a validated comment and keep the article's count in step, in one transaction."""
    comment = Comment(article=article, name=name, email=email, text=text, created_at=utcnow())
    db.session.add(comment)
    # An UPDATE of the columns themselves, so concurrent posts never lose an increment;
    # "fetch" brings the new values back into `article` (RETURNING where supported).
    db.session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(
            comment_count=Article.comment_count + 1,
            comment_version=Article.comment_version + 1,
            comments_changed_at=comment.created_at,
            updated_at=Article.updated_at,  # a comment is not an edit of the article
        )
        .execution_options(synchronize_session="fetch")
    )
    db.session.commit()
    return comment
