"""The outbox table: one row per mail, from enqueue() to sent or failed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class MailStatus(enum.StrEnum):
    WAITING = "waiting"  # due at due_at; held by a sender while lease_id is set
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # refused for good (5xx), or out of attempts


class OutboxMail(db.Model):
    """A mail on its way: written in the transaction that wanted it sent (webapp/mail)."""

    __tablename__ = "mail_outbox"
    # Senders look for waiting mails whose time has come; the settings page counts by status.
    __table_args__ = (Index("ix_mail_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What kind of mail ("moderation", "test" …), for the settings page.
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # plain text
    # Further headers (List-Unsubscribe …) as a JSON object; checked by enqueue().
    headers: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Made once, so a mail sent again (see the package's docstring) can be recognised.
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(
        String(10), default=MailStatus.WAITING, server_default=MailStatus.WAITING.value
    )
    # Attempts begun so far: counted when a sender claims the mail, so one that kills its
    # worker is not tried forever.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    # When a sender may take the mail: at once, after a backoff, or, while one holds it,
    # when that sender's lease ends.
    due_at: Mapped[datetime]
    # Which sender holds it (a random id per claim); None while nobody does.
    lease_id: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.kind} to {self.recipient}: {self.status}>"
