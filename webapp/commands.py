"""Flask CLI commands: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from .demo import load_demo
from .editorial.auth import MIN_PASSWORD_LENGTH, end_other_logins, hash_password
from .extensions import db
from .models import Role, User


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo article if the database has no article yet."""
    if load_demo():
        click.echo("Loaded the demo article.")
    else:
        click.echo("There are articles already; loaded nothing.")


@click.command("create-user")
@click.option("--email", required=True, help="The account's e-mail address (its login).")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="admin: everything; redaktion: articles and authors; moderation: comments.",
)
@click.option("--name", default="", help="The name shown in the editorial area.")
@click.option(
    "--password-file",
    type=click.File("r"),
    help="Read the password from this file's first line instead of asking for it.",
)
def create_user_command(email: str, role: str, name: str, password_file) -> None:
    """Create an account for the editorial area (or set a new password for it)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="--email")
    if password_file is not None:
        password = password_file.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"at least {MIN_PASSWORD_LENGTH} characters", param_hint="password"
        )
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email)
        db.session.add(user)
        verb = "Created"
    else:
        verb = "Updated"
        end_other_logins(user)  # a new password ends every login with the old one
    user.name, user.role = name or user.name, role
    user.password_hash = hash_password(password)
    db.session.commit()
    click.echo(f"{verb} {role} account {email}.")


@click.command("reset-second-factor")
@click.option("--email", required=True, help="The account whose second factor goes.")
def reset_second_factor_command(email: str) -> None:
    """Switch off an account's second factor (the only admin lost phone and codes)."""
    from .editorial.audit import add_entry
    from .editorial.second_factor import switch_off

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.BadParameter("no account has this address", param_hint="--email")
    switch_off(user)
    end_other_logins(user)
    add_entry(
        "login.second_factor_reset",
        user=None,
        email="flask reset-second-factor",
        subject=user.email,
    )
    db.session.commit()
    click.echo(f"The second factor of {user.email} is off; it logs in with its password.")


@click.command("purge-networks")
def purge_networks_command() -> None:
    """Empty the network prefix and fingerprint of comments older than KEEP_NETWORK_DAYS.

    The running app does this by itself every hour; this is for doing it now.
    """
    from flask import current_app

    from .personal_data.retention import purge_networks

    changed = purge_networks()
    days = current_app.config["KEEP_NETWORK_DAYS"]
    if not days:
        click.echo("ZIRKEL_KEEP_NETWORK_DAYS is 0: network prefixes are kept; nothing changed.")
    else:
        click.echo(f"Emptied the network prefix of {changed} comments older than {days} days.")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_networks_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(reset_second_factor_command)
    from . import backup, transfer
    from .comments import spam_report
    from .mail import commands as mail_commands

    transfer.register(app)
    backup.register(app)
    spam_report.register(app)
    mail_commands.register(app)
