"""The outbox: every mail Zirkel sends goes through it.

- `enqueue()` writes a mail into the table `mail_outbox` inside the caller's write
  transaction (`writing()`): a comment and the mail about it are stored together or not
  at all, and a request never waits for a mail server.
- A sender claims due mails inside `writing()`, whose write lock serialises every writer
  on every worker and app server (SQLite's lock, PostgreSQL's advisory lock): the claim
  gives them a lease (a random id, and a `due_at` at the lease's end), so no other sender
  takes them meanwhile. It sends them over SMTP outside any transaction and records each
  mail's outcome at once, in a transaction of its own that changes the row only while
  it still carries the claim's lease id. A server that is down or answers 4xx: the mail is
  retried after MAIL_RETRY_SECONDS, doubling each time up to an hour; a 5xx refusal fails
  it at once; after MAIL_MAX_ATTEMPTS it fails. The last error and its time stay on the
  row for the settings page. A worker that dies while it holds a lease leaves it to
  expire; then another sender takes the mails again.
- Exactly once: a mail is claimed by one sender at a time and marked sent in its own
  transaction right after the server accepted it. The one window left: the server
  accepted a mail (or accepted it and its answer was lost on the way) and the worker
  died, or the database stayed busy, before that was recorded; after the lease the mail
  is sent again, with the same Message-ID, which lets mail programs recognise it.
- Who sends: in each gunicorn worker a thread, started on the worker's first request
  (threads do not survive the fork from a preloaded master), woken when a transaction
  that enqueued mail commits, and looking at least every minute for mail from other
  processes and for retries. `flask mail-send` sends what is due and exits, for cron
  (with MAIL_BACKGROUND off, or as well: claims keep them apart).
"""

from __future__ import annotations

from flask import Flask

from .models import MailStatus, OutboxMail
from .outbox import KINDS, build_message, enqueue, is_address, kind_label, one_line, outbox_state
from .sender import send_due, start_sender, stop_sender, wake_sender

__all__ = [
    "KINDS",
    "MailStatus",
    "OutboxMail",
    "build_message",
    "enqueue",
    "is_address",
    "kind_label",
    "one_line",
    "outbox_state",
    "register",
    "send_due",
    "start_sender",
    "stop_sender",
    "wake_sender",
]


def register(app: Flask) -> None:
    """Wake senders after commits that enqueued mail; start one lazily in each worker."""
    from . import outbox

    outbox.listen()

    @app.before_request
    def _start_sender() -> None:
        start_sender(app)
