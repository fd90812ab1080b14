"""E-mail to moderators about new and held comments, with signed one-time links.

A held comment's mail carries two links, "approve" and "delete". Each is a signed,
timed token (itsdangerous, the app's secret key, a salt of its own) naming the comment,
the action, the recipient and a random id. The link opens a confirmation page; only its
POST acts (a mail scanner that fetches links changes nothing), and the action stores the
id as a UsedLink in the same transaction, so a link works once (editorial/mail_links.py).

Mails are put together during the request, from what it knows, and put into the outbox
(webapp/mail) in the comment's own write transaction: stored with the comment or not at
all, sent by the outbox's sender, never by the request. Nothing a reader typed reaches a
header: the subject names the article (whose title editors write), the reader's name and
text go into the plain-text body only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .extensions import db
from .formatting import date_and_time
from .language import site_language
from .mail import enqueue, is_address, one_line
from .models import Article, Comment, CommentStatus, Role, UsedLink, User
from .site_settings import get_setting
from .urls import absolute_url

logger = logging.getLogger(__name__)

# How long a link from a mail works.
LINK_MAX_AGE = 7 * 24 * 60 * 60  # seconds
# What a link may do, as the moderation routes name the actions.
LINK_ACTIONS = ("freigeben", "loeschen")
_SALT = "zirkel.moderation-link"


@dataclass(frozen=True)
class Link:
    """What a genuine, unexpired, unused link from a mail asks for."""

    id: str  # random; stored as UsedLink.id once the link has acted
    comment_id: int
    action: str  # one of LINK_ACTIONS
    recipient: str  # the moderator the mail went to


class LinkError(Exception):
    """A link that must not act: `reason` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_link_token(comment_id: int, action: str, recipient: str) -> str:
    """A signed token for one action on one comment, for one recipient."""
    if action not in LINK_ACTIONS:
        raise ValueError(action)
    return _serializer().dumps(
        {"id": secrets.token_urlsafe(16), "c": comment_id, "a": action, "to": recipient}
    )


def read_link_token(token: str) -> Link:
    """The link a token stands for; LinkError if it is forged, expired or used."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as error:
        raise LinkError("expired") from error
    except BadData as error:
        raise LinkError("invalid") from error
    try:
        link = Link(id=data["id"], comment_id=data["c"], action=data["a"], recipient=data["to"])
    except (KeyError, TypeError) as error:
        raise LinkError("invalid") from error
    if not (
        isinstance(link.id, str)
        and isinstance(link.comment_id, int)
        and link.action in LINK_ACTIONS
        and isinstance(link.recipient, str)
    ):
        raise LinkError("invalid")
    if db.session.get(UsedLink, link.id) is not None:
        raise LinkError("used")
    return link


def moderator_addresses() -> list[str]:
    """Who gets the mails: ZIRKEL_MODERATOR_EMAILS, else the moderation and admin accounts."""
    configured = current_app.config["MODERATOR_EMAILS"]
    if configured:
        candidates = configured.split(",") if isinstance(configured, str) else list(configured)
    else:
        candidates = db.session.scalars(
            select(User.email)
            .where(User.active.is_(True), User.role.in_((Role.MODERATOR, Role.ADMIN)))
            .order_by(User.id)
        ).all()
    addresses = []
    for candidate in candidates:
        address = str(candidate).strip()
        # An address with white space or control characters would be a header injection.
        if is_address(address):
            addresses.append(address)
    return list(dict.fromkeys(addresses))


def notify_moderators(
    article: Article, comment: Comment, settings: Mapping[str, Any] | None = None
) -> None:
    """Put mails to the moderators about a comment just stored into the outbox, if wanted.

    Called inside the comment's write transaction. Never raises: a mail that cannot be
    made or stored is logged and left out (a savepoint keeps the comment's transaction
    intact), and the reader learns that the comment is stored. `settings` are the site
    settings if the caller has them at hand (saves a query).
    """
    if not current_app.config["SMTP_HOST"]:
        return
    try:
        enabled = (
            settings["notify_moderators"]
            if settings is not None
            else get_setting("notify_moderators")
        )
        if not enabled:
            return
        # In the site's language, not in the one the commenter reads.
        with site_language():
            mails = [
                (recipient, comment_message(article, comment, recipient))
                for recipient in moderator_addresses()
            ]
        if not mails:
            return
        with db.session.begin_nested():
            for recipient, (subject, body) in mails:
                enqueue(to=recipient, subject=subject, body=body, kind="moderation")
    except Exception:
        logger.exception("Could not put the moderators' mail about comment %s", comment.id)


def comment_message(article: Article, comment: Comment, recipient: str) -> tuple[str, str]:
    """Subject and plain-text body of the mail to one moderator about a comment."""
    config = current_app.config
    held = comment.status == CommentStatus.PENDING
    site, title = one_line(config["SITE_NAME"]), one_line(article.title)
    if held:
        subject = _("[%(site)s] Comment awaiting approval: “%(title)s”", site=site, title=title)
        intro = _("A comment is waiting for your approval. Readers do not see it yet.")
    else:
        subject = _("[%(site)s] New comment on “%(title)s”", site=site, title=title)
        intro = _("A new comment has been published.")
    links = {}
    if held:
        links = {
            action: absolute_url(
                "editorial.mail_link", token=make_link_token(comment.id, action, recipient)
            )
            for action in LINK_ACTIONS
        }
    body = render_template(
        "email/comment_notification.txt",
        intro=intro,
        labels={
            "article": _("Article"),
            "name": _("Name"),
            "email": _("E-mail"),
            "date": _("Written"),
            "text": _("Comment"),
            "approve": _("Approve (opens a page that asks once more):"),
            "delete": _("Delete (opens a page that asks once more):"),
            "links": _("Each link works once and for seven days."),
            "queue": _("All comments awaiting approval:"),
            "footer": _("This mail was sent automatically by %(site)s.", site=site),
        },
        title=title,
        article_url=absolute_url(
            "articles.show", slug=article.slug, _anchor=None if held else f"kommentar-{comment.id}"
        ),
        name=one_line(comment.name),
        email=one_line(comment.email),
        date=date_and_time(comment.created_at),
        # Quoted, so that nothing the reader wrote looks like part of the mail itself.
        quoted_text="\n".join(f"> {line}" for line in comment.text.split("\n")),
        links=links,
        queue_url=absolute_url("editorial.comments"),
    )
    return subject, body
