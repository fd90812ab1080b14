"""Sending the outbox: claim due mails under a lease, send them over SMTP, record each.

Every step with the database is a short transaction of its own inside writing(), so it
takes the site's write lock (module docstring of webapp/database.py): claiming is a
SELECT of due mails and an UPDATE that gives them this claim's lease id, and no other
sender can run between the two. The SMTP conversation happens outside any transaction.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update

from ..database import DatabaseBusy, writing
from ..extensions import db
from ..models import utcnow
from .models import MailStatus, OutboxMail
from .outbox import build_message

logger = logging.getLogger("webapp.mail")

BATCH = 20  # mails claimed at once, sent over one connection
MAX_RETRY_WAIT = 60 * 60  # seconds: the backoff doubles up to this
POLL_SECONDS = 60  # a background sender looks at least this often (mail from elsewhere)
BUSY_PAUSE = 5  # seconds before a background sender tries again after an error
KEEP_SENT = timedelta(days=7)  # sent mails hold readers' comments: kept only this long
KEEP_FAILED = timedelta(days=30)  # failed ones stay longer, for the settings page
PURGE_EVERY = 60 * 60  # seconds between purges, per process
RECORD_TRIES = 3  # a busy database gets this many tries to learn that a mail was sent
_ERROR_LENGTH = 1000
# The last error of a mail whose sender stopped (a killed worker) while it held the mail.
LEASE_EXPIRED = "Lease expired: the sender stopped during this attempt"
_next_purge = 0.0  # time.monotonic() of this process's next purge
_sender_lock = threading.Lock()
_EXTENSION = "zirkel.mail.sender"


def lease_seconds() -> float:
    """How long a claim holds its mails: ample for a batch at the configured SMTP timeout."""
    return max(300.0, 30 * float(current_app.config["SMTP_TIMEOUT"]))


def backoff(attempts: int) -> float:
    """Seconds to wait after the attempts so far: MAIL_RETRY_SECONDS, doubled each time."""
    first = float(current_app.config["MAIL_RETRY_SECONDS"])
    return min(MAX_RETRY_WAIT, first * 2 ** max(0, attempts - 1))


@dataclass
class Claim:
    """Mails this sender holds until `deadline` (time.monotonic()) under `lease_id`."""

    lease_id: str
    mails: list[OutboxMail]
    deadline: float


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: sent, or an error that is temporary or permanent."""

    sent: bool
    error: str | None = None
    permanent: bool = False


@dataclass
class Report:
    """What one run of send_due() did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def claim(
    limit: int = BATCH, now: datetime | None = None, skip: Collection[int] = ()
) -> Claim | None:
    """Take up to `limit` due mails for this sender (not those in `skip`); None if none.

    The UPDATE repeats the SELECT's conditions, so even a writer that bypassed the write
    lock could not take a mail twice: a row another claim changed no longer matches.
    Each claim counts as an attempt (see OutboxMail.attempts).
    """
    now = now or utcnow()
    lease = lease_seconds()
    lease_id = secrets.token_hex(16)
    table = OutboxMail.__table__
    started = time.monotonic()
    with writing():
        _purge_now_and_then(now)
        _end_expired_leases(now)
        due = (
            select(OutboxMail.id)
            .where(OutboxMail.status == MailStatus.WAITING, OutboxMail.due_at <= now)
            .order_by(OutboxMail.due_at, OutboxMail.id)
            .limit(limit)
        )
        if skip:
            due = due.where(OutboxMail.id.not_in(skip))
        ids = db.session.scalars(due).all()
        if not ids:
            return None
        db.session.execute(
            update(table)
            .where(
                table.c.id.in_(ids),
                table.c.status == MailStatus.WAITING,
                table.c.due_at <= now,
            )
            .values(
                lease_id=lease_id,
                due_at=now + timedelta(seconds=lease),
                attempts=table.c.attempts + 1,
            )
        )
        mails = db.session.scalars(
            select(OutboxMail)
            .where(OutboxMail.lease_id == lease_id)
            .order_by(OutboxMail.id)
            .execution_options(populate_existing=True)
        ).all()
    # Start no mail that might still be on the wire when the lease ends.
    margin = 10 * float(current_app.config["SMTP_TIMEOUT"])
    return Claim(lease_id, list(mails), started + lease - margin)


def deliver(
    mails: list[OutboxMail], keep_going: Callable[[], bool]
) -> Iterator[tuple[OutboxMail, Outcome]]:
    """Send mails over one SMTP connection, yielding each one's outcome as it is known.

    Stops early (the rest get no outcome) when `keep_going()` says so or the connection
    breaks. Trouble reaching the server or logging in is temporary for every mail: it is
    the site's configuration or the server's state, not the mail's.
    """
    config = current_app.config
    try:
        connection = smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=float(config["SMTP_TIMEOUT"])
        )
    except OSError as error:  # smtplib's errors are OSErrors too
        outcome = Outcome(sent=False, error=describe(error))
        for mail in mails:
            yield mail, outcome
        return
    try:
        try:
            if config["SMTP_STARTTLS"]:
                connection.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                connection.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        except OSError as error:
            outcome = Outcome(sent=False, error=describe(error))
            for mail in mails:
                yield mail, outcome
            return
        for mail in mails:
            if not keep_going():
                return
            try:
                connection.send_message(build_message(mail))
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                yield mail, refusal(code, text)
            except smtplib.SMTPResponseException as error:  # sender refused, data refused
                yield mail, refusal(error.smtp_code, error.smtp_error)
            except smtplib.SMTPNotSupportedError as error:  # the mail needs what it lacks
                yield mail, Outcome(sent=False, error=describe(error), permanent=True)
            except OSError as error:  # the connection broke: the rest wait for the next round
                yield mail, Outcome(sent=False, error=describe(error))
                return
            except ValueError as error:  # a stored mail that can no longer be built
                yield mail, Outcome(sent=False, error=describe(error), permanent=True)
            else:
                yield mail, Outcome(sent=True)
    finally:
        try:
            connection.quit()
        except OSError:
            connection.close()


def refusal(code: int, text: bytes | str) -> Outcome:
    """The server's answer to one mail: 5xx is for good, anything else worth a retry."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return Outcome(sent=False, error=f"{code} {text}", permanent=500 <= code < 600)


def describe(error: BaseException) -> str:
    """An error as the settings page shows it: its kind and message, on one line."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def record(claimed: Claim, mail: OutboxMail, outcome: Outcome | None) -> str | None:
    """Store what became of a claimed mail; None (no outcome) gives the attempt back.

    Returns the status it now has, or None if the lease was lost meanwhile (another
    sender may have it: then it is theirs to record).
    """
    now = utcnow()
    table = OutboxMail.__table__
    if outcome is None:
        values = {"lease_id": None, "due_at": now, "attempts": table.c.attempts - 1}
        status = MailStatus.WAITING
    elif outcome.sent:
        values = {"status": MailStatus.SENT, "sent_at": now, "lease_id": None, "due_at": now}
        status = MailStatus.SENT
    else:
        values = {
            "lease_id": None,
            "last_error": (outcome.error or "")[:_ERROR_LENGTH],
            "last_error_at": now,
        }
        if outcome.permanent or mail.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
            values.update(status=MailStatus.FAILED, due_at=now)
            status = MailStatus.FAILED
        else:
            values.update(due_at=now + timedelta(seconds=backoff(mail.attempts)))
            status = MailStatus.WAITING
    statement = (
        update(table)
        .where(table.c.id == mail.id, table.c.lease_id == claimed.lease_id)
        .values({table.c[name]: value for name, value in values.items()})
    )
    changed = 0
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            with writing():
                changed = db.session.execute(statement).rowcount
            break
        except DatabaseBusy:
            # The lease expires if this never works, and the mail is tried again: for one
            # that was sent, that is the window the package's docstring names.
            if attempt == RECORD_TRIES:
                raise
    if not changed:
        logger.warning("Mail %s: its lease ran out before its outcome was stored", mail.id)
        return None
    return status


def send_due(
    *, stop: threading.Event | None = None, limit: int = BATCH, now: datetime | None = None
) -> Report:
    """Send every mail that is due, batch after batch; for the CLI and the background sender.

    Each mail is tried at most once per run: one that is to be retried waits for a later
    run, even if its backoff is shorter than the run.
    """
    report = Report()
    retrying: set[int] = set()
    while stop is None or not stop.is_set():
        claimed = claim(limit, now, skip=retrying)
        if claimed is None:
            break

        def keep_going(claimed: Claim = claimed) -> bool:
            return (stop is None or not stop.is_set()) and time.monotonic() < claimed.deadline

        outcomes: dict[int, Outcome] = {}
        try:
            for mail, outcome in deliver(claimed.mails, keep_going):
                outcomes[mail.id] = outcome
                status = record(claimed, mail, outcome)
                _count(report, mail, outcome, status)
                if status == MailStatus.WAITING:
                    retrying.add(mail.id)
        finally:
            for mail in claimed.mails:
                if mail.id not in outcomes:
                    record(claimed, mail, None)
    return report


def _count(report: Report, mail: OutboxMail, outcome: Outcome, status: str | None) -> None:
    if status == MailStatus.SENT:
        report.sent += 1
        logger.info("Sent mail %s (%s) to %s", mail.id, mail.kind, mail.recipient)
    elif status == MailStatus.FAILED:
        report.failed += 1
        report.errors.append(outcome.error or "")
        logger.error("Mail %s to %s failed for good: %s", mail.id, mail.recipient, outcome.error)
    elif status == MailStatus.WAITING:
        report.retrying += 1
        report.errors.append(outcome.error or "")
        logger.warning("Mail %s to %s will be retried: %s", mail.id, mail.recipient, outcome.error)


def next_due() -> datetime | None:
    """When the next waiting mail is due (or a claim on one runs out)."""
    try:
        return db.session.scalar(
            select(func.min(OutboxMail.due_at)).where(OutboxMail.status == MailStatus.WAITING)
        )
    finally:
        db.session.commit()  # outside requests every transaction is a writer's: end it


def _end_expired_leases(now: datetime) -> None:
    """Note on mails whose sender died holding them that it did; fail those out of attempts.

    Without this, a mail that kills its worker every time would be claimed forever.
    """
    table = OutboxMail.__table__
    expired = (
        (table.c.status == MailStatus.WAITING)
        & (table.c.due_at <= now)
        & table.c.lease_id.is_not(None)
    )
    last = {"lease_id": None, "last_error": LEASE_EXPIRED, "last_error_at": now}
    out_of_attempts = table.c.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"])
    db.session.execute(
        update(table).where(expired & out_of_attempts).values(status=MailStatus.FAILED, **last)
    )
    db.session.execute(update(table).where(expired).values(**last))


def _purge_now_and_then(now: datetime) -> None:
    """Forget sent and failed mails after a while (they hold readers' names and texts)."""
    global _next_purge
    if time.monotonic() < _next_purge:
        return
    _next_purge = time.monotonic() + PURGE_EVERY
    db.session.execute(
        delete(OutboxMail.__table__).where(
            ((OutboxMail.status == MailStatus.SENT) & (OutboxMail.sent_at < now - KEEP_SENT))
            | (
                (OutboxMail.status == MailStatus.FAILED)
                & (OutboxMail.last_error_at < now - KEEP_FAILED)
            )
        )
    )


class Sender:
    """A thread in one worker process that sends the outbox whenever it is woken."""

    def __init__(self, app: Flask, poll_seconds: float = POLL_SECONDS) -> None:
        self.app = app
        self.pid = os.getpid()
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="zirkel-mail-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()
        # A worker that exits normally finishes the mail on the wire and records it first.
        atexit.register(self.stop)

    def wake(self) -> None:
        """Look at the outbox now (a mail was just committed)."""
        self._wake.set()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> None:
        """Let the mail being sent finish, hand back the rest of the claim, end the thread."""
        atexit.unregister(self.stop)
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout or 3 * float(self.app.config["SMTP_TIMEOUT"]) + 5)

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.is_set():
                self._wake.clear()
                wait = self.poll_seconds
                try:
                    send_due(stop=self._stop)
                    if (due := next_due()) is not None:
                        wait = min(wait, (due - utcnow()).total_seconds())
                except DatabaseBusy:
                    # A backup or a migration holds the database: no news, try again soon.
                    logger.warning("The database is busy; the mail sender tries again shortly")
                    wait = min(wait, BUSY_PAUSE)
                except Exception:
                    logger.exception("The mail sender failed; trying again shortly")
                    wait = min(wait, BUSY_PAUSE)
                finally:
                    db.session.remove()
                self._wake.wait(max(0.01, wait))


def start_sender(app: Flask) -> None:
    """Start this process's sender for `app` unless it runs (before each request).

    Checked by PID: gunicorn forks its workers from a master that loaded the app, and
    threads do not survive a fork, so each worker starts its own on its first request.
    """
    sender = app.extensions.get(_EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        return
    config = app.config
    if not (config["MAIL_BACKGROUND"] and config["SMTP_HOST"]):
        return
    with _sender_lock:
        sender = app.extensions.get(_EXTENSION)
        if sender is None or sender.pid != os.getpid():
            sender = Sender(app)
            app.extensions[_EXTENSION] = sender
            sender.start()


def wake_sender(app: Flask) -> None:
    """Wake this process's sender, if it has one (after a commit that enqueued mail)."""
    sender = app.extensions.get(_EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        sender.wake()


def stop_sender(app: Flask) -> None:
    """Stop this process's sender for `app`, if it runs (tests; a clean shutdown)."""
    with _sender_lock:
        sender = app.extensions.pop(_EXTENSION, None)
    if sender is not None:
        sender.stop()  # in a forked child, the parent's thread is not there: nothing to join
