"""E-mail to moderators about new and held comments, with signed one-time links.

A held comment's mail carries two links, "approve" and "delete". Each is a signed,
timed token (itsdangerous, the app's secret key, a salt of its own) naming the comment,
the action, the recipient and a random id. The link opens a confirmation page; only its
POST acts (a mail scanner that fetches links changes nothing), and the action stores the
id as a UsedLink in the same transaction, so a link works once (editorial/moderation.py).

Mails are put together during the request, from what it knows, and sent by a thread of
their own: a slow or dead mail server never holds up or breaks a reader's post; failures
are logged. Nothing a reader typed reaches a header: the subject names the article (whose
title editors write), the reader's name and text go into the plain-text body only.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .extensions import db
from .formatting import date_and_time
from .models import Article, Comment, CommentStatus, Role, UsedLink, User
from .site_settings import get_setting

logger = logging.getLogger(__name__)

# How long a link from a mail works.
LINK_MAX_AGE = 7 * 24 * 60 * 60  # seconds
# What a link may do, as the moderation routes name the actions.
LINK_ACTIONS = ("freigeben", "loeschen")
_SALT = "zirkel.moderation-link"

# Mails being sent right now (see join_senders).
_senders: set[threading.Thread] = set()
_senders_lock = threading.Lock()


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
        if address and "@" in address and address.isprintable() and " " not in address:
            addresses.append(address)
    return list(dict.fromkeys(addresses))


def one_line(value: str) -> str:
    """A value for one line of a mail: every kind of line break and run of spaces is one space."""
    return " ".join(value.split())


def absolute_url(endpoint: str, **values: Any) -> str:
    """A URL for a mail: on ZIRKEL_SITE_URL if set, else on the host this request named.

    Set SITE_URL in production: a reader could post with a forged Host header and so put
    another site into the links moderators get.
    """
    base = current_app.config["SITE_URL"]
    if base:
        return str(base).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def notify_moderators(
    article: Article, comment: Comment, settings: Mapping[str, Any] | None = None
) -> None:
    """E-mail the moderators about a comment just stored, if the site wants that.

    Never raises: the comment is stored already, and the reader must learn so.
    `settings` are the site settings if the caller has them at hand (saves a query).
    """
    config = current_app.config
    if not config["SMTP_HOST"]:
        return
    try:
        enabled = (
            settings["notify_moderators"]
            if settings is not None
            else get_setting("notify_moderators")
        )
        if not enabled:
            return
        messages = [
            comment_message(article, comment, recipient) for recipient in moderator_addresses()
        ]
    except Exception:
        logger.exception("Could not prepare the moderators' mail about comment %s", comment.id)
        return
    if messages:
        smtp = {
            "host": config["SMTP_HOST"],
            "port": int(config["SMTP_PORT"]),
            "username": config["SMTP_USERNAME"],
            "password": config["SMTP_PASSWORD"],
            "starttls": bool(config["SMTP_STARTTLS"]),
            "timeout": float(config["SMTP_TIMEOUT"]),
        }
        send_in_background(messages, smtp)


def comment_message(article: Article, comment: Comment, recipient: str) -> EmailMessage:
    """The plain-text mail to one moderator about a new or a held comment."""
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
    message = EmailMessage()
    # EmailMessage refuses header values with line breaks; one_line() made sure of that.
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = recipient
    message["Date"] = formatdate(usegmt=True)
    domain = str(config["MAIL_FROM"]).rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)  # no DNS lookup of our own name
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send_in_background(messages: list[EmailMessage], smtp: Mapping[str, Any]) -> None:
    """Send mails over one SMTP connection in a thread, so the request need not wait."""
    thread = threading.Thread(target=_send, args=(messages, smtp), name="zirkel-mail")
    with _senders_lock:
        _senders.add(thread)
    thread.start()


def join_senders(timeout: float = 10) -> None:
    """Wait for the mails being sent (tests, and anyone who wants to shut down cleanly)."""
    with _senders_lock:
        running = list(_senders)
    for thread in running:
        thread.join(timeout)


def _send(messages: list[EmailMessage], smtp: Mapping[str, Any]) -> None:
    """Deliver mails to the SMTP server; log, never raise, when that fails."""
    try:
        with smtplib.SMTP(smtp["host"], smtp["port"], timeout=smtp["timeout"]) as connection:
            if smtp["starttls"]:
                connection.starttls(context=ssl.create_default_context())
            if smtp["username"]:
                connection.login(smtp["username"], smtp["password"] or "")
            for message in messages:
                try:
                    connection.send_message(message)
                except smtplib.SMTPRecipientsRefused as error:
                    logger.error("The mail server refused %s: %s", message["To"], error)
    except OSError as error:  # smtplib's errors, refused connections and timeouts
        logger.error(
            "Could not send %d moderator mail(s) through %s:%s: %s",
            len(messages),
            smtp["host"],
            smtp["port"],
            error,
        )
    except Exception:
        logger.exception("Could not send moderator mails")
    finally:
        with _senders_lock:
            _senders.discard(threading.current_thread())
