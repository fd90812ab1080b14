"""Putting mails into the outbox, inside the caller's transaction, and reading its state."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import utcnow
from .models import MailStatus, OutboxMail

# What each kind of mail is called on the settings page; features add theirs here.
KINDS = {
    "moderation": _l("Notification to moderators"),
    "test": _l("Test mail"),
    "subscription": _l("Confirmation of reply notifications"),
    "reply": _l("Reply to a reader's comment"),
    "approved": _l("A reader's comment approved"),
    "invitation": _l("Invitation to the editorial area"),
    "password-reset": _l("Link to set a new password"),
    "login-warning": _l("Warning about failed logins"),
    "personal-data": _l("Link to a reader's own data"),
}
# Headers a caller may add; everything else a mail carries is set by build_message().
EXTRA_HEADERS = frozenset(
    {"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Auto-Submitted", "Precedence"}
)
# Characters that would make one address into several, or into a display name.
_NOT_IN_ADDRESSES = frozenset(' ,;:<>()[]"\\')
# Set in the session's info when a mail was enqueued: wake the sender once it commits.
_ENQUEUED = "zirkel.mail.enqueued"


def one_line(value: str) -> str:
    """A value for one line of a mail: every kind of line break and run of spaces is one space."""
    return " ".join(value.split())


def is_address(value: str) -> bool:
    """Whether a value is one plain address (local@domain), safe for a To: header."""
    local, _at, domain = value.partition("@")
    return bool(
        len(value) <= 254  # what SMTP (RFC 5321) and the outbox's column allow
        and value.count("@") == 1
        and local
        and domain
        and value.isprintable()
        and value.isascii()
        and not _NOT_IN_ADDRESSES.intersection(value)
    )


def enqueue(
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    headers: Mapping[str, str] | None = None,
) -> OutboxMail | None:
    """Put a mail into the outbox, in the caller's write transaction (inside writing()).

    It is sent once that transaction commits, and never if it rolls back. Without a mail
    server (ZIRKEL_SMTP_HOST) nothing is stored and None returned: mails that nobody can
    send would otherwise pile up and go out, stale, the day one is configured. Raises
    ValueError for a recipient that is not one plain address or a header not allowed.
    """
    if not current_app.config["SMTP_HOST"]:
        return None
    if not is_address(to):
        raise ValueError(f"not one plain e-mail address: {to!r}")
    if not 0 < len(kind) <= 40:
        raise ValueError(f"a kind of mail has 1 to 40 characters: {kind!r}")
    extra = {}
    for name, value in (headers or {}).items():
        if name not in EXTRA_HEADERS:
            raise ValueError(f"header not allowed: {name!r}")
        extra[name] = one_line(value)
    now = utcnow()
    mail = OutboxMail(
        kind=kind,
        recipient=to,
        subject=one_line(subject),
        body=body,
        headers=json.dumps(extra, ensure_ascii=False) if extra else "",
        message_id=make_msgid(domain=_sender_domain()),  # no DNS lookup of our own name
        status=MailStatus.WAITING,
        attempts=0,
        created_at=now,
        due_at=now,
    )
    build_message(mail)  # a mail that cannot be built fails here, not in the sender
    db.session.add(mail)
    # Now, so that a write outside writing() fails here and not at some later flush.
    db.session.flush()
    db.session.info[_ENQUEUED] = True
    return mail


def build_message(mail: OutboxMail) -> EmailMessage:
    """The mail as it goes over the wire: plain text, headers only from trusted values."""
    config = current_app.config
    message = EmailMessage()
    # EmailMessage refuses header values with line breaks; one_line() made sure of that.
    message["Subject"] = mail.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.recipient
    # Written when the mail was complete (RFC 5322), however late it goes out.
    message["Date"] = format_datetime(mail.created_at.replace(tzinfo=UTC), usegmt=True)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (json.loads(mail.headers) if mail.headers else {}).items():
        if name in message:
            message.replace_header(name, value)
        else:
            message[name] = value
    message.set_content(mail.body)
    # The header parser must see exactly the one address we checked.
    addresses = message["To"].addresses
    if len(addresses) != 1 or addresses[0].addr_spec != mail.recipient:
        raise ValueError(f"not one plain e-mail address: {mail.recipient!r}")
    return message


def _sender_domain() -> str:
    return str(current_app.config["MAIL_FROM"]).rpartition("@")[2].strip("> ") or "localhost"


@dataclass(frozen=True)
class OutboxState:
    """What the settings page says about the outbox."""

    waiting: int
    failed: int
    sent_last_day: int
    last_error: OutboxMail | None  # the mail that failed last, with its error and time
    recent_failures: list[OutboxMail]


def outbox_state(recent: int = 5) -> OutboxState:
    """Counts by status, the last error, and the latest mails that failed for good."""
    counts = dict(
        db.session.execute(
            select(OutboxMail.status, func.count())
            .where(OutboxMail.status != MailStatus.SENT)
            .group_by(OutboxMail.status)
        ).all()
    )
    since = utcnow() - timedelta(days=1)
    sent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMail)
        .where(OutboxMail.status == MailStatus.SENT, OutboxMail.sent_at >= since)
    )
    last_error = db.session.scalars(
        select(OutboxMail)
        .where(OutboxMail.last_error_at.is_not(None))
        .order_by(OutboxMail.last_error_at.desc(), OutboxMail.id.desc())
        .limit(1)
    ).first()
    failures = db.session.scalars(
        select(OutboxMail)
        .where(OutboxMail.status == MailStatus.FAILED)
        .order_by(OutboxMail.last_error_at.desc(), OutboxMail.id.desc())
        .limit(recent)
    ).all()
    return OutboxState(
        waiting=counts.get(MailStatus.WAITING, 0),
        failed=counts.get(MailStatus.FAILED, 0),
        sent_last_day=sent,
        last_error=last_error,
        recent_failures=list(failures),
    )


def kind_label(kind: str) -> str:
    """A kind of mail as the settings page names it."""
    return str(KINDS.get(kind, kind))


def _after_commit(session: Session) -> None:
    """A mail was committed: wake this process's sender, so it goes out at once."""
    if session.info.pop(_ENQUEUED, False) and has_app_context():
        from .sender import wake_sender

        wake_sender(current_app._get_current_object())


def _after_rollback(session: Session) -> None:
    session.info.pop(_ENQUEUED, None)


def listen() -> None:
    """Wake the sender after commits that enqueued mail (once per process)."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
