"""One comment's markup, kept: a visible comment looks the same to every reader.

Every answer about the discussion lists the comments the reader has open (fifty or more),
and a comment's date in German, its links and its permalink cost more to render than to
look up. So each visible comment is rendered once per worker and kept in the page cache
under what it shows: its id, when it was last changed, the article's address, the language
and the release (caching.version_tag). A moderator's edit changes `updated_at`, so it is
rendered anew. The comment that takes the focus, and a reader's own held comment, are
rendered for that one answer.
"""

from __future__ import annotations

from flask import Flask, render_template
from markupsafe import Markup

from ..caching import shared_fragment
from ..models import Article, Comment, CommentStatus


def comment_item(comment: Comment, article: Article, focus_id: int | None = None) -> Markup:
    """The `<li>` of one comment (comments/_item.html)."""

    def render() -> str:
        return render_template(
            "comments/_item.html", comment=comment, article=article, focus_id=focus_id
        )

    if comment.status != CommentStatus.VISIBLE or comment.id == focus_id:
        return Markup(render())
    return shared_fragment(render, "comment", comment.id, comment.updated_at, article.slug)


def register(app: Flask) -> None:
    app.add_template_global(comment_item)
