"""The links in readers' mail: confirming mail about replies, and stopping it.

A GET only shows a page with a button (mail scanners follow links); the button's POST
acts, with the comment form's session-less token. Stopping also takes the one-click POST
that mail programs send by themselves (RFC 8058: `List-Unsubscribe=One-Click`), which can
carry no token: the signed link is the proof, and stopping mail harms nobody.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, render_template, request
from flask_babel import gettext as _

from ..database import writing
from ..extensions import csrf, db
from ..messages import Status
from ..models import Subscription
from . import subscriptions
from .forms import TokenForm
from .token import is_cross_site
from .views import bp


def _subscription(reader, token: str) -> Subscription:
    try:
        return reader(token)
    except subscriptions.SubscriptionError:
        abort(404, _("This link is not valid (any more). Links to confirm work for seven days."))


@bp.route("/benachrichtigungen/bestaetigen/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own session-less token, see token.py
def confirm_subscription(token: str):
    """Confirm mail about replies to one's comment: a page, then its button."""
    return _page_and_button(
        _subscription(subscriptions.by_confirm_token, token),
        "confirm",
        subscriptions.confirm,
        _("Confirmed: you will get a mail when someone replies."),
    )


@bp.route("/benachrichtigungen/abbestellen/<token>", methods=["GET", "POST"])
@csrf.exempt  # a one-click unsubscribe carries no token; see the module's docstring
def unsubscribe(token: str):
    """Stop mail about a comment: a page and its button, or a mail program's one click."""
    return _page_and_button(
        _subscription(subscriptions.by_stop_token, token),
        "stop",
        subscriptions.unsubscribe,
        _("Done: you will get no more mail about this comment."),
        one_click=request.form.get("List-Unsubscribe") == "One-Click",
    )


def _page_and_button(
    subscription: Subscription,
    action: str,
    change: Callable[[Subscription], None],
    done_text: str,
    *,
    one_click: bool = False,
) -> str:
    """GET: the page with its button. POST from it (or a mail program's one click): act."""
    form = TokenForm()
    status = None
    if request.method == "POST":
        if not one_click and is_cross_site():
            abort(403, _("This can only be confirmed on this website."))
        if one_click or form.validate():
            with writing():
                change(db.session.get(Subscription, subscription.id))
            status = Status(done_text, "success")
        else:
            status = Status(_("The form had expired. Please confirm again."), "error", focus=True)
    changed_at = subscription.confirmed_at if action == "confirm" else subscription.unsubscribed_at
    return render_template(
        "comments/subscription.html",
        subscription=subscription,
        form=form,
        status=status,
        action=action,
        done=changed_at is not None and status is not None,
    )
