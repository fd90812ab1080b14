"""The audit log: who changed what, when, with the state before and after.

Any change in the editorial area adds an entry with `record()`, inside the change's own
`writing()` block: the entry and the change are one transaction. Entries are never
changed or deleted: the ORM refuses it here, and the database refuses it too (triggers,
migration f3a8c1d9e5b2), except that deleting a user, comment or article still empties
the entries' reference to it (their foreign keys are ON DELETE SET NULL).

Admins see every entry; moderators see the comment moderation (COMMENT_ACTIONS).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Article, AuditEntry, Role, User
from .auth import role_required
from .views import bp

AUDIT_PER_PAGE = 50

# Comment moderation: (kind as the filter names it in URLs, action, label). Bulk actions
# and one-time mail links store "bulk_<action>" and "link_<action>".
_COMMENT_KINDS = (
    ("freigeben", "approve", _l("Approved")),
    ("spam", "spam", _l("Marked as spam")),
    ("loeschen", "delete", _l("Deleted")),
    ("bearbeiten", "edit", _l("Edited")),
)
AUDIT_VIA = {"bulk": _l("bulk action"), "link": _l("e-mail link")}
COMMENT_ACTIONS = frozenset(
    f"{via}{action}" for _kind, action, _label in _COMMENT_KINDS for via in ("", "bulk_", "link_")
)

# Everything else, by its full name: what happened, in German words. Modules that record
# new kinds of changes add their names here.
LABELS: dict[str, Any] = {
    "account.invite": _l("Account invited"),
    "account.role": _l("Role changed"),
    "account.deactivate": _l("Account deactivated"),
    "account.reactivate": _l("Account reactivated"),
    "account.remove": _l("Account removed"),
    "account.link": _l("New link to set a password"),
    "password.set": _l("Password set (invitation)"),
    "password.change": _l("Password changed"),
    "password.reset": _l("Password reset"),
    "login.guessed": _l("Failed logins: account throttled"),
    "login.unthrottle": _l("Login throttle lifted"),
    "login.second_factor_on": _l("Second factor set up"),
    "login.second_factor_off": _l("Second factor switched off"),
    "login.recovery_codes": _l("New recovery codes"),
    "login.second_factor_reset": _l("Second factor reset by an admin"),
    "login.recovery_code_used": _l("Logged in with a recovery code"),
    "article.create": _l("Article written"),
    "article.save": _l("Article saved"),
    "article.publish": _l("Article published"),
    "article.withdraw": _l("Article withdrawn"),
    "article.restore": _l("Article version restored"),
    "article.delete": _l("Article deleted"),
    "author.create": _l("Author added"),
    "author.save": _l("Author saved"),
    "author.delete": _l("Author deleted"),
    "topic.create": _l("Topic added"),
    "topic.save": _l("Topic saved"),
    "topic.merge": _l("Topic merged"),
    "topic.delete": _l("Topic deleted"),
    "page.create": _l("Page added"),
    "page.save": _l("Page saved"),
    "page.restore": _l("Page version restored"),
    "page.delete": _l("Page deleted"),
    "photo.describe": _l("Photo description changed"),
    "photo.delete": _l("Photo deleted"),
    "settings.save": _l("Settings changed"),
}
# The filter's kinds (as URLs name them): label and the actions each covers.
AUDIT_KINDS: dict[str, tuple[Any, frozenset[str]]] = {
    kind: (label, frozenset({action, f"bulk_{action}", f"link_{action}"}))
    for kind, action, label in _COMMENT_KINDS
}
AUDIT_KINDS["konten"] = (
    _l("Accounts and logins"),
    frozenset(name for name in LABELS if name.split(".")[0] in ("account", "password", "login")),
)
AUDIT_KINDS["inhalte"] = (
    _l("Articles, pages, authors, topics and media"),
    frozenset(
        name
        for name in LABELS
        if name.split(".")[0] in ("article", "author", "topic", "photo", "page")
    ),
)
AUDIT_KINDS["einstellungen"] = (_l("Settings"), frozenset({"settings.save"}))
# Kinds only admins may filter by (and see).
ADMIN_KINDS = frozenset({"konten", "inhalte", "einstellungen"})

ROLE_LABELS = {
    Role.ADMIN: _l("Administration"),
    Role.EDITOR: _l("Editorial team"),
    Role.MODERATOR: _l("Moderation"),
}
# The parts of a state the log names; others are shown by their key.
FIELD_LABELS = {
    "status": _l("Status"),
    "name": _l("Name"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "active": _l("Active"),
    "failures": _l("Failed logins"),
    "network": _l("Network"),
    "title": _l("Title"),
    "slug": _l("Address (slug)"),
    "published": _l("Publication"),
    "version": _l("Version"),
    "author": _l("Author"),
    "articles": _l("Articles"),
    "into": _l("Merged into"),
    "restored": _l("Restored version"),
    "alt_text": _l("Alternative text"),
    "moderation": _l("Moderation"),
    "close_comments_after_days": _l("Close comments after (days)"),
    "notify_moderators": _l("E-mail moderators about new and held comments"),
    "revisions_kept": _l("Versions kept per article or page"),
}


def role_label(role: str) -> str:
    """An account's role in German words."""
    return str(ROLE_LABELS.get(role, role))


def audit_label(action: str) -> str:
    """'Freigegeben', 'Freigegeben (Sammelaktion)', 'Rolle geändert' …"""
    if action in LABELS:
        return str(LABELS[action])
    via, _sep, name = action.rpartition("_")
    labels = {action: label for _kind, action, label in _COMMENT_KINDS}
    label = str(labels.get(name if via in AUDIT_VIA else action, action))
    if via in AUDIT_VIA:
        return _("%(action)s (%(via)s)", action=label, via=AUDIT_VIA[via])
    return label


# --- the log is append-only -------------------------------------------------------------


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_changing_an_entry(_mapper, _connection, _target) -> None:
    raise AuditLogIsAppendOnly("Audit entries are never changed or deleted.")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes_to_entries(state) -> None:
    # update(AuditEntry) / delete(AuditEntry) run through a session bypass the mapper events.
    if (state.is_update or state.is_delete) and getattr(
        getattr(state.statement, "table", None), "name", None
    ) == AuditEntry.__tablename__:
        raise AuditLogIsAppendOnly("Audit entries are never changed or deleted.")


# --- writing entries --------------------------------------------------------------------


def _dump(state: dict | None) -> str:
    return json.dumps(state, ensure_ascii=False) if state is not None else ""


def add_entry(
    action: str,
    *,
    user: User | None,
    email: str | None = None,
    subject: str = "",
    article_id: int | None = None,
    comment_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """An entry by `user` (or by someone known only by `email`, or by nobody: the site)."""
    db.session.add(
        AuditEntry(
            user_id=user.id if user is not None else None,
            user_email=email if email is not None else (user.email if user else ""),
            action=action,
            subject=subject,
            article_id=article_id,
            comment_id=comment_id,
            before=_dump(before),
            after=_dump(after),
        )
    )


def record(
    action: str,
    *,
    subject: str = "",
    article_id: int | None = None,
    comment_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Add an entry for a change the current user just made, in the caller's transaction.

    Call inside the change's `writing()` block. `subject` names what was changed as a
    person reads it (an account's address, an article's title …); `before` and `after`
    are the parts of its state that matter, JSON-serialisable.
    """
    user = current_user if has_request_context() and current_user.is_authenticated else None
    add_entry(
        action,
        user=user,
        subject=subject,
        article_id=article_id,
        comment_id=comment_id,
        before=before,
        after=after,
    )


# --- the log page -----------------------------------------------------------------------


def _shown(key: str, value: Any) -> str:
    if key == "status":
        from .moderation import status_label  # moderation records through this module

        return status_label(str(value))
    if key == "role":
        return role_label(str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


@dataclass
class AuditRow:
    entry: AuditEntry
    article_title: str | None
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def is_comment(self) -> bool:
        return self.entry.action in COMMENT_ACTIONS

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(what, before, after) for each part of the state that changed (but the text)."""
        rows = []
        for key in dict.fromkeys([*self.before, *self.after]):
            old, new = self.before.get(key, ""), self.after.get(key, "")
            if old == new or key == "text" or key not in self.before or key not in self.after:
                continue
            rows.append((str(FIELD_LABELS.get(key, key)), _shown(key, old), _shown(key, new)))
        return rows

    @property
    def facts(self) -> list[tuple[str, str]]:
        """(what, value) for what only one side has: an invitation's role, a removed name."""
        if self.is_comment:
            return []
        one_sided = {
            **{k: v for k, v in self.before.items() if k not in self.after},
            **{k: v for k, v in self.after.items() if k not in self.before},
        }
        return [
            (str(FIELD_LABELS.get(key, key)), _shown(key, value))
            for key, value in one_sided.items()
            if key != "text"
        ]

    @property
    def text_changed(self) -> bool:
        return self.before.get("text", "") != self.after.get("text", "")


def _json(value: str) -> dict[str, Any]:
    """A stored before/after state; an unreadable one counts as empty."""
    try:
        data = json.loads(value) if value else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _visible_kinds() -> dict[str, Any]:
    admin = current_user.role == Role.ADMIN
    return {
        kind: label
        for kind, (label, _actions) in AUDIT_KINDS.items()
        if admin or kind not in ADMIN_KINDS
    }


@bp.get("/protokoll")
@role_required(Role.MODERATOR)
def audit_log():
    """Every change, newest first: who, when, what, before and after."""
    kinds = _visible_kinds()
    kind = request.args.get("aktion", "")
    if kind not in kinds:
        kind = ""
    comment_id = request.args.get("kommentar", type=int)
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if current_user.role != Role.ADMIN:
        query = query.where(AuditEntry.action.in_(COMMENT_ACTIONS))
    if kind:
        query = query.where(AuditEntry.action.in_(AUDIT_KINDS[kind][1]))
    if comment_id is not None:
        query = query.where(AuditEntry.comment_id == comment_id)
    page = db.paginate(
        query,
        page=max(request.args.get("seite", 1, type=int), 1),
        per_page=AUDIT_PER_PAGE,
        error_out=False,
    )
    article_ids = {entry.article_id for entry in page.items if entry.article_id}
    titles = (
        dict(
            db.session.execute(
                select(Article.id, Article.title).where(Article.id.in_(article_ids))
            ).all()
        )
        if article_ids
        else {}
    )
    rows = [
        AuditRow(entry, titles.get(entry.article_id), _json(entry.before), _json(entry.after))
        for entry in page.items
    ]
    params = {
        key: value
        for key, value in (("aktion", kind), ("kommentar", comment_id))
        if value not in ("", None)
    }
    page_url: Callable[[int], str] = lambda n: url_for("editorial.audit_log", **params, seite=n)  # noqa: E731
    return render_template(
        "editorial/moderation/audit_log.html",
        rows=rows,
        page=page,
        kind=kind,
        comment_id=comment_id,
        kinds=kinds,
        audit_label=audit_label,
        page_url=page_url,
    )
