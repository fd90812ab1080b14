"""`flask mail-send`: send what is due in the outbox and exit, for those who prefer cron."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .sender import send_due


@click.command("mail-send")
def mail_send_command() -> None:
    """Send the mails that are due in the outbox, then exit (for cron)."""
    if not current_app.config["SMTP_HOST"]:
        raise click.ClickException("No mail server is configured (ZIRKEL_SMTP_HOST).")
    report = send_due()
    if report.sent or report.retrying or report.failed:
        click.echo(
            f"Sent {report.sent}, to be retried {report.retrying}, failed for good {report.failed}."
        )
    for error in dict.fromkeys(report.errors):
        click.echo(f"Error: {error}", err=True)


def register(app: Flask) -> None:
    app.cli.add_command(mail_send_command)
