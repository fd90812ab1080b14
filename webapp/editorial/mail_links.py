"""One-time links from the moderators' mails (webapp/notifications.py): a page that says
what the link would do and asks (GET never acts), then the action, once, through the same
`change_status` as the queue, with the link marked used in the same transaction."""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..database import writing
from ..extensions import csrf, db
from ..htmx import is_htmx
from ..models import Comment, CommentStatus, UsedLink, User
from ..notifications import Link, LinkError, read_link_token
from .moderation import change_status, comment_for_update, done_message, render
from .views import bp


def _link_refusal(reason: str) -> tuple[str, int]:
    """Why a link does nothing, in German, with the status code to answer."""
    if reason == "expired":
        return _("This link has expired. Please use the moderation queue."), 410
    if reason == "used":
        return _("This link has already been used. It works only once."), 410
    if reason == "decided":
        return _(
            "This comment no longer awaits approval; someone has decided about it already. "
            "The link changes nothing."
        ), 409
    if reason == "gone":
        return _("This comment no longer exists."), 404
    return _("This link is not valid. Please copy it from the e-mail in full."), 400


def _pending_comment(link: Link) -> Comment:
    """The comment a link acts on, while it still awaits approval; LinkError otherwise."""
    comment = comment_for_update(link.comment_id)
    if comment is None:
        raise LinkError("gone")
    if comment.status != CommentStatus.PENDING:
        raise LinkError("decided")
    return comment


def _link_response(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    # The token is in the address: it must not travel on in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/e-mail-link/<token>")
def mail_link(token: str):
    """A link from a moderator's mail: says what it would do and asks; changes nothing."""
    try:
        link = read_link_token(token)
        comment = db.session.scalar(
            select(Comment)
            .options(joinedload(Comment.article, innerjoin=True))
            .where(Comment.id == link.comment_id)
        )
        if comment is None:
            raise LinkError("gone")
        if comment.status != CommentStatus.PENDING:
            raise LinkError("decided")
    except LinkError as error:
        message, status = _link_refusal(error.reason)
        return _link_response(render("link.html", refusal=message), status)
    return _link_response(
        render("link.html", refusal=None, link=link, comment=comment, token=token)
    )


@bp.post("/e-mail-link/<token>")
@csrf.exempt  # the signed, one-time token in the address is what authorizes
def use_mail_link(token: str):
    """Do what a mail's link says, once; the link is marked used in the same transaction."""
    try:
        with writing():
            link = read_link_token(token)
            comment = _pending_comment(link)
            db.session.add(UsedLink(id=link.id))
            moderator = db.session.scalar(select(User).where(User.email == link.recipient))
            change_status(comment, link.action, via="link", user=moderator, email=link.recipient)
    except LinkError as error:
        message, status = _link_refusal(error.reason)
    except IntegrityError:
        # Used at the same moment by another request (PostgreSQL; SQLite queues writers).
        message, status = _link_refusal("used")
    else:
        message, status = done_message(link.action, comment.name), 200
    if is_htmx():
        return _link_response(
            render("_link_result.html", message=message, ok=status == 200), status
        )
    if status != 200:
        return _link_response(render("link.html", refusal=message), status)
    flash(message, "success")
    return redirect(url_for("editorial.mail_link_done"), 303)


@bp.get("/e-mail-link/erledigt")
def mail_link_done():
    """Where a link's plain form post lands: the flashed result."""
    return _link_response(render("link_done.html"))
