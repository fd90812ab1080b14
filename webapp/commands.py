"""Flask CLI commands: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask

from .demo import load_demo


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo article if the database has no article yet."""
    if load_demo():
        click.echo("Loaded the demo article.")
    else:
        click.echo("There are articles already; loaded nothing.")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
