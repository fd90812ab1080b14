"""Mail to readers about their comments: replies, and the approval of a held one.

Opt-in, and double: ticking "Bei Antworten per E-Mail benachrichtigen" stores a
subscription and puts a confirmation mail into the outbox, nothing else; only once the
link in it has been followed (a page with a button: a GET never acts, as mail scanners
follow links) does the reader get a mail for each visible reply to that comment, and one
when it is approved if it was held, in the language they subscribed in. Every such mail
has a one-click unsubscribe (`List-Unsubscribe` and `List-Unsubscribe-Post`, RFC 8058) and
the same link in its text.

Everything here runs inside the write transaction of what caused it (the reply stored, the
comment approved), so a mail goes into the outbox with it or not at all (webapp/mail/).
A confirmed subscription is also proof that the reader owns the address: the moderation
mode "first comment of an unknown address" trusts such an address (service.is_trusted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select

from .. import language, mail
from ..extensions import db
from ..models import Article, Comment, Subscription, utcnow
from ..notifications import one_line
from ..urls import absolute_url

logger = logging.getLogger(__name__)

CONFIRM_MAX_AGE = 7 * 24 * 60 * 60  # seconds a confirmation link works
# No second confirmation mail to one address within this time: ticking the box under ten
# comments must not fill a stranger's mailbox.
RESEND_PAUSE = timedelta(minutes=10)
_SALT = "zirkel.subscription"


class SubscriptionError(Exception):
    """A link that does not name a subscription (forged, expired, or for one that is gone)."""


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT + ".confirm")


def _stop_serializer() -> URLSafeSerializer:
    # Unsubscribing works for good: a mail from years ago still stops the mails.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT + ".stop")


def confirm_token(subscription: Subscription) -> str:
    return _confirm_serializer().dumps(subscription.id)


def stop_token(subscription: Subscription) -> str:
    return _stop_serializer().dumps(subscription.id)


def _read(serializer, token: str, **options: Any) -> Subscription:
    try:
        subscription_id = serializer.loads(token, **options)
    except BadData as error:
        raise SubscriptionError() from error
    subscription = (
        db.session.get(Subscription, subscription_id) if type(subscription_id) is int else None
    )
    if subscription is None:
        raise SubscriptionError()
    return subscription


def by_confirm_token(token: str) -> Subscription:
    return _read(_confirm_serializer(), token, max_age=CONFIRM_MAX_AGE)


def by_stop_token(token: str) -> Subscription:
    return _read(_stop_serializer(), token)


# --- what happens -------------------------------------------------------------------------------


def subscribe(article: Article, comment: Comment) -> None:
    """The reader ticked the box under this comment: store it and ask for confirmation.

    Call inside `writing()`. Without a mail server nothing is stored (nothing could be sent).
    """
    if not current_app.config["SMTP_HOST"]:
        return
    now = utcnow()
    subscription = Subscription(
        comment_id=comment.id, email=comment.email, created_at=now, language=language.current()
    )
    db.session.add(subscription)
    db.session.flush()
    asked_lately = db.session.scalar(
        select(Subscription.id)
        .where(Subscription.email == comment.email, Subscription.asked_at > now - RESEND_PAUSE)
        .limit(1)
    )
    if asked_lately is not None:
        return  # the reader can confirm this one from its page later (see confirm_page)
    subscription.asked_at = now
    _send(
        "subscription",
        subscription,
        lambda: _("[%(site)s] Please confirm: mail about replies to your comment", site=_site()),
        "email/subscription_confirm.txt",
        article=article,
        comment=comment,
        link=absolute_url("comments.confirm_subscription", token=confirm_token(subscription)),
    )


def confirm(subscription: Subscription) -> None:
    """The owner of the address followed the link and pressed the button. Inside writing()."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
    subscription.unsubscribed_at = None


def unsubscribe(subscription: Subscription) -> None:
    """No more mail about this comment. Inside writing()."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = utcnow()


def comment_became_visible(article: Article, comment: Comment, *, approved: bool) -> None:
    """A comment is visible now (a reply stored, or a held one approved): the reader it
    answers gets a mail, if they asked for it; and its own author, if it was held and they
    asked. Inside the transaction that made it visible."""
    if not current_app.config["SMTP_HOST"]:
        return
    if comment.parent_id is not None:
        for subscription in _active(comment.parent_id):
            if subscription.email.casefold() == comment.email.casefold():
                continue  # one's own reply in one's own thread
            _send(
                "reply",
                subscription,
                lambda: _(
                    "[%(site)s] %(name)s replied to your comment",
                    site=_site(),
                    name=one_line(comment.name),
                ),
                "email/reply_notification.txt",
                article=article,
                comment=comment,
                link=absolute_url(
                    "comments.permalink", comment_id=comment.id, _anchor=f"kommentar-{comment.id}"
                ),
            )
    if approved:
        for subscription in _active(comment.id):
            _send(
                "approved",
                subscription,
                lambda: _("[%(site)s] Your comment has been published", site=_site()),
                "email/comment_approved.txt",
                article=article,
                comment=comment,
                link=absolute_url(
                    "comments.permalink", comment_id=comment.id, _anchor=f"kommentar-{comment.id}"
                ),
            )


def is_confirmed_address(email: str) -> bool:
    """Whether someone proved they own this address (a confirmed subscription)."""
    return (
        db.session.scalar(
            select(Subscription.id)
            .where(Subscription.email == email, Subscription.confirmed_at.is_not(None))
            .limit(1)
        )
        is not None
    )


def _active(comment_id: int) -> list[Subscription]:
    return list(
        db.session.scalars(
            select(Subscription).where(
                Subscription.comment_id == comment_id,
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
            )
        )
    )


def _site() -> str:
    return one_line(current_app.config["SITE_NAME"])


def _send(
    kind: str,
    subscription: Subscription,
    subject: Callable[[], str],
    template: str,
    **context: Any,
) -> None:
    """One mail to a subscriber, with the one-click unsubscribe every such mail has.

    In the language the reader subscribed in, whoever's request sends it.
    """
    stop = absolute_url("comments.unsubscribe", token=stop_token(subscription))
    with force_locale(subscription.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(template, site=_site(), stop=stop, **context)
        subject = subject()
    headers = {
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if kind == "subscription":
        headers = {}  # not yet subscribed: nothing to unsubscribe from
    try:
        mail.enqueue(to=subscription.email, subject=subject, body=body, kind=kind, headers=headers)
    except ValueError:
        # An address the outbox cannot send to (not plain ASCII): the comment stands anyway.
        logger.warning("No %s mail for subscription %s: unusable address", kind, subscription.id)
