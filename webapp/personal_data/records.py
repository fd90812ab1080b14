"""What is stored under an e-mail address, as a download, and its erasure.

An address is matched without regard to case (`lower()` on both sides: ASCII letters,
which is what addresses that can receive mail have). Erasing goes through
comments.service, so each article's comment version moves and cached pages render anew;
a comment whose text goes is shown as "Dieser Kommentar wurde gelöscht." where replies
hang from it (comments/threads.py), so threads keep their shape.

Audit entries never carry the address in clear: `address_key` (a keyed hash, the same for
the same address, so entries about one person can be found together) and `masked`
("e***@example.org") stand in for it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import pgettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from ..comments.service import edit_comment, set_status
from ..extensions import db
from ..language import site_language
from ..models import Comment, CommentStatus, Subscription, utcnow
from ..urls import absolute_url


def normal(address: str) -> str:
    """An address as it is matched: without surrounding space, in lower case."""
    return address.strip().lower()


def address_key(address: str) -> str:
    """A keyed hash of an address (the site's secret): names a person in the audit log."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, b"personal-data\0" + normal(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def masked(address: str) -> str:
    """'erika@example.org' → 'e***@example.org': what the audit log shows of an address."""
    local, _at, domain = normal(address).rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _of(address: str):
    return func.lower(Comment.email) == normal(address)


def comments_of(address: str) -> list[Comment]:
    """Every comment stored under an address, whatever its status, oldest first."""
    if not normal(address):
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.article, innerjoin=True))
            .where(_of(address))
            .order_by(Comment.created_at, Comment.id)
        )
    )


def count_of(address: str) -> int:
    """How many comments are stored under an address."""
    if not normal(address):
        return 0
    return db.session.scalar(select(func.count()).select_from(Comment).where(_of(address)))


def first_comment_id(address: str) -> int | None:
    """The oldest comment stored under an address (what a mailed link names)."""
    if not normal(address):
        return None
    return db.session.scalar(select(func.min(Comment.id)).where(_of(address)))


def _time(value: datetime | None) -> str | None:
    return f"{value.isoformat(timespec='seconds')}Z" if value is not None else None


def export(address: str) -> dict[str, Any]:
    """Everything stored under an address, for the JSON download: its comments (article,
    name, text, time, status, whom it answers) and its subscriptions; nobody else's data
    (a reply names the comment it answers by number only)."""
    comments = comments_of(address)
    subscriptions = db.session.scalars(
        select(Subscription)
        .where(func.lower(Subscription.email) == normal(address))
        .order_by(Subscription.id)
    ).all()
    return {
        "site": current_app.config["SITE_NAME"],
        "address": normal(address),
        "exported_at": _time(utcnow()),
        "comments": [
            {
                "id": comment.id,
                "article": {
                    "title": comment.article.title,
                    "url": absolute_url("articles.show", slug=comment.article.slug),
                },
                "url": absolute_url(
                    "comments.permalink",
                    comment_id=comment.id,
                    _anchor=f"kommentar-{comment.id}",
                )
                if comment.status == CommentStatus.VISIBLE
                else None,
                "name": comment.name,
                "email": comment.email,
                "text": comment.text,
                "created_at": _time(comment.created_at),
                "edited_at": _time(comment.edited_at),
                "status": str(comment.status),
                "replies_to": comment.parent_id,
                # Kept for flood control for ZIRKEL_KEEP_NETWORK_DAYS, then emptied.
                "network": comment.network,
            }
            for comment in comments
        ],
        "subscriptions": [
            {
                "comment_id": subscription.comment_id,
                "created_at": _time(subscription.created_at),
                "confirmed_at": _time(subscription.confirmed_at),
                "unsubscribed_at": _time(subscription.unsubscribed_at),
            }
            for subscription in subscriptions
        ],
    }


def erased_name() -> str:
    """What an erased comment is signed with, in the site's language (it is stored)."""
    with site_language():
        return pgettext("erased name", "Deleted")


def erase(address: str, *, texts: bool) -> int:
    """Erase what is stored under an address; returns how many comments it touched.

    The name becomes "Gelöscht", the address, network prefix and fingerprint go, and with
    `texts` the text too (the comment then counts as deleted: replies keep their place
    under "Dieser Kommentar wurde gelöscht."). The address's subscriptions are removed.
    Call inside `writing()`, with the audit entry that belongs to it.
    """
    name = erased_name()
    comments = comments_of(address)
    for comment in comments:
        if texts:
            comment.name, comment.email, comment.text, comment.reasons = name, "", "", ""
            if comment.status != CommentStatus.DELETED:
                set_status(comment, CommentStatus.DELETED)
        else:
            # Not an edit of what it says: no "bearbeitet" for a changed signature.
            edited_at = comment.edited_at
            edit_comment(comment, name=name, email="", text=comment.text)
            comment.edited_at = edited_at
        comment.network = comment.fingerprint = None
    db.session.execute(
        delete(Subscription).where(func.lower(Subscription.email) == normal(address))
    )
    db.session.flush()
    return len(comments)
