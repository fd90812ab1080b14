"""Moderation: the comment queue, actions in place and in bulk, editing. The one-time links
from the moderators' mails act through `change_status` too (mail_links.py).

Every change to a comment goes through comments.service (which keeps the article's
count and version right) inside `writing()`, together with its audit entry (audit.py):
the log and the change are one transaction, and the log is never changed afterwards.
The spam filter learns from the same decisions, in the same transaction (`teach_filter`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload
from wtforms.validators import Optional

from ..comments import service, spamfilter, subscriptions
from ..comments.forms import CommentForm, Filled
from ..database import writing
from ..extensions import db
from ..htmx import is_htmx, is_partial, vary_on_htmx
from ..models import Article, Comment, CommentStatus, Role, User
from . import audit
from .auth import role_required
from .views import bp

moderators_only = role_required(Role.MODERATOR)

PER_PAGE = 25
MAX_BULK = 100  # comments one bulk action may change
SEARCH_MAX = 200  # characters of a search term

# The queue's status filter as URLs name it, and the status it selects (None: every one).
STATUS_FILTERS: dict[str, CommentStatus | None] = {
    "wartend": CommentStatus.PENDING,
    "sichtbar": CommentStatus.VISIBLE,
    "spam": CommentStatus.SPAM,
    "geloescht": CommentStatus.DELETED,
    "alle": None,
}
STATUS_FILTER_LABELS = {
    "wartend": _l("Awaiting approval"),
    "sichtbar": _l("Published"),
    "spam": _l("Spam"),
    "geloescht": _l("Deleted"),
    "alle": _l("All"),
}
# Status in words: the queue never tells it by colour alone.
STATUS_LABELS = {
    CommentStatus.PENDING: _l("Awaiting approval"),
    CommentStatus.VISIBLE: _l("Published"),
    CommentStatus.SPAM: _l("Spam"),
    CommentStatus.DELETED: _l("Deleted"),
}

# The actions on a comment, as URLs name them: the status each sets and the audit name.
ACTIONS: dict[str, tuple[CommentStatus, str]] = {
    "freigeben": (CommentStatus.VISIBLE, "approve"),
    "spam": (CommentStatus.SPAM, "spam"),
    "loeschen": (CommentStatus.DELETED, "delete"),
}
ACTION_LABELS = {
    "freigeben": _l("Approve"),
    "spam": _l("Mark as spam"),
    "loeschen": _l("Delete"),
}


def status_label(status: str) -> str:
    """A comment's status in German words."""
    return str(STATUS_LABELS.get(status, status))


def _templates() -> dict[str, Any]:
    """What the moderation templates use besides their own data."""
    return {
        "status_label": status_label,
        "ACTION_LABELS": ACTION_LABELS,
        "ACTIONS": ACTIONS,
    }


def render(template: str, **context: Any) -> str:
    """Render one of the templates in editorial/moderation/ with the helpers they share."""
    return render_template(f"editorial/moderation/{template}", **_templates(), **context)


def snapshot(comment: Comment) -> dict[str, str]:
    """What the audit log keeps of a comment's state."""
    return {
        "status": str(comment.status),
        "name": comment.name,
        "email": comment.email,
        "text": comment.text,
    }


def record(
    action: str,
    comment: Comment,
    before: dict[str, str],
    *,
    user: User | None = None,
    email: str | None = None,
) -> None:
    """Log a change just made to a comment; call in the change's `writing()` block."""
    if user is None and email is None and current_user.is_authenticated:
        user = current_user
    audit.add_entry(
        action,
        user=user,
        email=email,
        comment_id=comment.id,
        article_id=comment.article_id,
        before=before,
        after=snapshot(comment),
    )


def change_status(comment: Comment, action: str, *, via: str = "", **who: Any) -> bool:
    """Apply an action to a comment and log it; False if it was in that state already."""
    status, audit_action = ACTIONS[action]
    if comment.status == status:
        return False
    before = snapshot(comment)
    service.set_status(comment, status)
    if status == CommentStatus.VISIBLE:
        # A reply now visible goes to whoever asked for mail about its comment; an approved
        # comment's author hears so, if they asked.
        subscriptions.comment_became_visible(
            comment.article, comment, approved=before["status"] != CommentStatus.DELETED
        )
    teach_filter(comment, action, was=before["status"])
    record(f"{via}_{audit_action}" if via else audit_action, comment, before, **who)
    return True


def teach_filter(comment: Comment, action: str, *, was: str) -> None:
    """A moderator's decision teaches the spam filter (comments/spamfilter.py).

    Marked as spam: spam. Approved after it was held, marked as spam or learned as spam:
    genuine. Deleting teaches nothing (a genuine comment can be deleted too). A change of
    mind moves what was learned instead of counting the comment twice.
    """
    if action == "spam":
        spamfilter.learn(comment, "spam")
    elif action == "freigeben" and (
        was in (CommentStatus.PENDING, CommentStatus.SPAM) or comment.learned_as == "spam"
    ):
        spamfilter.learn(comment, "ham")


def comment_for_update(comment_id: int) -> Comment | None:
    """The comment as it is now, read inside the write transaction (locked where possible)."""
    return db.session.scalar(
        select(Comment)
        .options(joinedload(Comment.article, innerjoin=True))
        .where(Comment.id == comment_id)
        .with_for_update(of=Comment)
        .execution_options(populate_existing=True)
    )


def get_comment(comment_id: int) -> Comment:
    """A comment with its article, whatever its status, or 404."""
    comment = db.session.scalar(
        select(Comment)
        .options(joinedload(Comment.article, innerjoin=True))
        .where(Comment.id == comment_id)
    )
    if comment is None:
        abort(404, _("There is no comment at this address."))
    return comment


# --- the queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters, read from the URL, carried through every action and back."""

    status: str = "wartend"
    article_id: int | None = None
    search: str = ""
    page: int = 1

    @classmethod
    def from_request(cls) -> QueueFilter:
        args = request.args
        status = args.get("status", "wartend")
        search = unicodedata.normalize("NFC", args.get("suche", "")).strip()[:SEARCH_MAX]
        return cls(
            status=status if status in STATUS_FILTERS else "wartend",
            article_id=args.get("artikel", type=int),
            search=search,
            page=max(args.get("seite", 1, type=int), 1),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """URL parameters for these filters (defaults left out), with `changes` applied."""
        f = replace(self, **changes)
        params: dict[str, Any] = {}
        if f.status != "wartend":
            params["status"] = f.status
        if f.article_id:
            params["artikel"] = f.article_id
        if f.search:
            params["suche"] = f.search
        if f.page > 1:
            params["seite"] = f.page
        return params

    def url(self, **changes: Any) -> str:
        """The queue's URL with these filters."""
        return url_for("editorial.comments", **self.args(**changes))

    def page_url(self, page: int) -> str:
        """The queue's URL for another page of these results."""
        return self.url(page=page)


def escape_like(value: str) -> str:
    """A value matched literally by LIKE … ESCAPE '\\': % and _ are no wildcards."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lower_or_none(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _sql_lower() -> Callable:
    """SQL lower() that folds every letter. SQLite's own folds only ASCII (Ä stays Ä), so
    on SQLite Python's str.lower is lent to this request's connection."""
    if db.session.get_bind().dialect.name != "sqlite":
        return func.lower
    connection = db.session.connection().connection.driver_connection
    connection.create_function("zirkel_lower", 1, _lower_or_none, deterministic=True)
    return func.zirkel_lower


def queue_query(filters: QueueFilter):
    """The comments the filters select, newest first."""
    query = select(Comment).options(joinedload(Comment.article, innerjoin=True))
    status = STATUS_FILTERS[filters.status]
    if status is not None:
        query = query.where(Comment.status == status)
    if filters.article_id:
        query = query.where(Comment.article_id == filters.article_id)
    if filters.search:
        lower = _sql_lower()
        pattern = f"%{escape_like(filters.search.lower())}%"
        query = query.where(
            or_(
                *(
                    lower(column).like(pattern, escape="\\")
                    for column in (Comment.name, Comment.email, Comment.text)
                )
            )
        )
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def article_choices() -> list[tuple[int, str]]:
    """The articles that have comments, for the article filter."""
    rows = db.session.execute(
        select(Article.id, Article.title)
        .where(exists().where(Comment.article_id == Article.id))
        .order_by(Article.title, Article.id)
    ).all()
    return [(row.id, row.title) for row in rows]


def queue_total(filters: QueueFilter) -> int:
    """How many comments the filters select now (after an action changed some)."""
    return db.session.scalar(select(func.count()).select_from(queue_query(filters).subquery()))


def _queue_context(filters: QueueFilter, **context: Any) -> dict[str, Any]:
    page = db.paginate(queue_query(filters), page=filters.page, per_page=PER_PAGE, error_out=False)
    context.setdefault("bulk_action", "")
    context.setdefault("selected", set())
    context.setdefault("bulk_error", None)
    return {"filters": filters, "page": page, **context}


def _queue_page(filters: QueueFilter, status: int = 200, **context: Any) -> Response:
    html = render(
        "queue.html",
        articles=article_choices(),
        status_filters=STATUS_FILTER_LABELS,
        **_queue_context(filters, **context),
    )
    return vary_on_htmx(make_response(html, status))


@bp.get("/kommentare")
@moderators_only
def comments():
    """The moderation queue: filtered by status and article, searched, page by page."""
    filters = QueueFilter.from_request()
    if not is_partial():
        return _queue_page(filters)
    # The filter form, in place: the results, and their number in the live region.
    context = _queue_context(filters)
    message = ngettext(
        "%(num)d comment found.", "%(num)d comments found.", context["page"].total or 0
    )
    html = render("_filter_response.html", status_message=message, **context)
    return vary_on_htmx(make_response(html))


@bp.post("/kommentare/<int:comment_id>/<any(freigeben, spam, loeschen):action>")
@moderators_only
def moderate(comment_id: int, action: str):
    """Approve, mark as spam or delete one comment: the row in place, or back to the queue."""
    filters = QueueFilter.from_request()
    with writing():
        comment = comment_for_update(comment_id)
        if comment is None:
            abort(404, _("There is no comment at this address."))
        change_status(comment, action)
    message = done_message(action, comment.name)
    if is_htmx():
        return render(
            "_action_response.html",
            comment=comment,
            filters=filters,
            selected=set(),
            focus=True,
            status_message=message,
            total=queue_total(filters),
        )
    flash(message, "success")
    return redirect(filters.url(), 303)


def done_message(action: str, name: str) -> str:
    """What the live region or the flash says after an action on one comment."""
    if action == "freigeben":
        return _("The comment by %(name)s has been approved.", name=name)
    if action == "spam":
        return _("The comment by %(name)s has been marked as spam.", name=name)
    return _("The comment by %(name)s has been deleted.", name=name)


def bulk_done_message(action: str, num: int) -> str:
    """What the live region or the flash says after a bulk action."""
    if action == "freigeben":
        return ngettext(
            "%(num)d comment has been approved.", "%(num)d comments have been approved.", num
        )
    if action == "spam":
        return ngettext(
            "%(num)d comment has been marked as spam.",
            "%(num)d comments have been marked as spam.",
            num,
        )
    return ngettext("%(num)d comment has been deleted.", "%(num)d comments have been deleted.", num)


@bp.post("/kommentare/sammelaktion")
@moderators_only
def bulk_moderate():
    """One action on every ticked comment; each change gets its own audit entry."""
    filters = QueueFilter.from_request()
    action = request.form.get("aktion", "")
    ids = list(dict.fromkeys(request.form.getlist("kommentar", type=int)))
    error = None
    if not ids:
        error = _("Please select at least one comment.")
    elif len(ids) > MAX_BULK:
        error = _("Please select at most %(max)d comments at once.", max=MAX_BULK)
    elif action not in ACTIONS:
        error = _("Please choose an action.")
    if error is not None:
        if is_htmx():
            html = render(
                "_bulk_response.html",
                bulk_action=action,
                bulk_error=error,
                filters=filters,
                comments=[],
                status_message=error,
                total=queue_total(filters),
            )
            return html, 422
        return _queue_page(filters, 422, bulk_action=action, bulk_error=error, selected=set(ids))

    with writing():
        changed = db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.article, innerjoin=True))
            .where(Comment.id.in_(ids))
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .with_for_update(of=Comment)
            .execution_options(populate_existing=True)
        ).all()
        for comment in changed:
            change_status(comment, action, via="bulk")
    message = bulk_done_message(action, len(changed))
    if is_htmx():
        return render(
            "_bulk_response.html",
            bulk_action="",
            bulk_error=None,
            filters=filters,
            comments=changed,
            status_message=message,
            total=queue_total(filters),
        )
    flash(message, "success")
    return redirect(filters.url(), 303)


class ModerationCommentForm(CommentForm):
    """The public form's fields and rules, with the editorial area's session CSRF token."""

    notify = remember = None  # a reader's own choices, not a moderator's

    class Meta:
        # CommentForm uses a session-less token for readers; moderators have a session.
        csrf_class = FlaskForm.Meta.csrf_class

    def allow_empty_email(self) -> None:
        """Comments imported from WordPress may have no address; an edit may keep none."""
        kept = [v for v in self.email.validators if not isinstance(v, Filled)]
        self.email.validators = [Optional(), *kept]
        self.email.flags.required = False


@bp.route("/kommentare/<int:comment_id>/bearbeiten", methods=["GET", "POST"])
@moderators_only
def edit_comment(comment_id: int):
    """Correct a comment's name, e-mail address or text, by the public form's rules."""
    filters = QueueFilter.from_request()
    comment = get_comment(comment_id)
    form = ModerationCommentForm(obj=comment)
    if not comment.email:
        form.allow_empty_email()
    if form.validate_on_submit():
        new = {"name": form.name.data, "email": form.email.data, "text": form.text.data}
        with writing():
            comment = comment_for_update(comment_id)
            if comment is None:
                abort(404, _("There is no comment at this address."))
            if any(getattr(comment, key) != value for key, value in new.items()):
                before = snapshot(comment)
                service.edit_comment(comment, **new)
                # What the filter learned from it follows the corrected text.
                spamfilter.relearn(comment, (before["name"], before["email"], before["text"]))
                record("edit", comment, before)
                flash(_("The comment by %(name)s has been saved.", name=comment.name), "success")
            else:
                flash(_("Nothing was changed."), "success")
        if is_htmx():
            # A new page is what comes next; htmx loads it as a whole.
            return "", 200, {"HX-Redirect": filters.url()}
        return redirect(filters.url(), 303)

    status = 422 if request.method == "POST" else 200
    context = {"comment": comment, "form": form, "filters": filters}
    if form.errors:
        context.update(status_message=form.summary(), status_kind="error")
    if status == 422 and is_htmx():
        return render("_edit_response.html", **context), 422
    return render("edit.html", **context), status
