"""Which comments this browser posted: a signed cookie, set only for people who post.

Its author may change or delete a comment for ZIRKEL_EDIT_MINUTES, and sees it, in place
and marked as waiting, while a moderator has not decided; nobody else may or does. The
author is "whoever holds this cookie": it lists the comments (article id, comment id)
posted from this browser, signed with the secret key so that it cannot be made to name
anyone else's comment, HttpOnly and SameSite=Lax. It is set only in answer to a post, so a
reader who never posts never gets a cookie, and a page that shows a reader their own
comment's buttons or waiting comment is never shared (see article_page.py).
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..models import Comment
from .cookies import set_with_answer

COOKIE = "zirkel_eigene_kommentare"
MAX_AGE = 30 * 24 * 60 * 60  # seconds: a month is long enough to wait for a moderator
KEEP = 20  # the most recent comments the cookie names


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="zirkel.own-comments")


def _pairs() -> list[tuple[int, int]]:
    """(article id, comment id) of every comment the cookie names; [] if none or forged."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        value = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return []
    if not isinstance(value, list):
        return []
    return [
        (pair[0], pair[1])
        for pair in value
        if isinstance(pair, list) and len(pair) == 2 and all(type(n) is int for n in pair)
    ]


def own_comment_ids(article_id: int) -> list[int]:
    """The comments under this article that this browser posted (as far as it remembers)."""
    return [comment for article, comment in _pairs() if article == article_id]


def all_own_comment_ids() -> list[int]:
    """Every comment this browser posted (as far as it remembers), under any article."""
    return [comment for _article, comment in _pairs()]


def is_own(comment: Comment) -> bool:
    """Whether this browser posted that comment (its cookie names it)."""
    return (comment.article_id, comment.id) in _pairs()


def remember(comment: Comment) -> None:
    """Let this browser change its comment for a while, and see it while it waits: the
    answer sets the cookie."""
    pairs = [pair for pair in _pairs() if pair[1] != comment.id]
    pairs = [*pairs, (comment.article_id, comment.id)][-KEEP:]
    value = _serializer().dumps([list(pair) for pair in pairs])
    set_with_answer(COOKIE, value, MAX_AGE)
