"""One comment's markup, kept: a visible comment looks the same to every reader.

Every answer about the discussion lists the comments the reader has open (fifty or more),
and a comment's date in German, its links and its permalink cost more to render than to
look up. So each visible comment is rendered once per worker and kept in the page cache
under what it shows: its id, when it was last changed, the article's address, whether
replies are open, whom it answers, the language and the release. A moderator's edit
changes `updated_at`, so it is rendered anew. A reader's own held comment is rendered for
that one answer.
"""

from __future__ import annotations

from flask import Flask, render_template
from markupsafe import Markup

from ..caching import shared_fragment
from ..models import Article, CommentStatus
from .avatars import avatar_name
from .threads import Node
from .token import PLACEHOLDER


def comment_item(node: Node, article: Article, comments_closed: bool) -> Markup:
    """One comment's own markup, without its replies (comments/_item.html)."""

    def render() -> str:
        return render_template(
            "comments/_item.html", node=node, article=article, comments_closed=comments_closed
        )

    comment = node.comment
    if not node.shown:
        return shared_fragment(render, "removed comment")
    if comment.status != CommentStatus.VISIBLE:
        return Markup(render())
    answers = (node.answers.id, node.answers.name, node.answers_shown) if node.answers else None
    return shared_fragment(
        render, "comment", comment.id, comment.updated_at, article.slug, comments_closed, answers
    )


def form_token() -> str:
    """Where a form's token goes in markup outside a form (stamped as the answer leaves)."""
    return PLACEHOLDER


def register(app: Flask) -> None:
    app.add_template_global(comment_item)
    app.add_template_global(form_token)
    app.add_template_global(avatar_name)
