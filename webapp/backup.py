"""Backups of the SQLite database: consistent copies of a live file, and restoring one."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import click
from flask import Flask, current_app

from .extensions import db


def sqlite_path() -> Path:
    """The SQLite file the app uses; other databases have their own tools (pg_dump)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException(
            "backup and restore are for SQLite; use your database's own tools (pg_dump)."
        )
    return Path(url.database)


def integrity(path: Path) -> str:
    """SQLite's own check of a file: "ok", or what is wrong with it."""
    try:
        with closing(sqlite3.connect(path)) as check:
            return check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while workers write."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.execute(f"PRAGMA busy_timeout = {int(current_app.config['LOCK_TIMEOUT'] * 1000)}")
        live.backup(copy, pages=1024)
    copy.close()
    live.close()


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Write a consistent copy of the live SQLite database to TARGET."""
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file.")
    copy_database(sqlite_path(), target)
    if (result := integrity(target)) != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {result}")
    click.echo(f"Backed up to {target}.")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with the backup SOURCE (stop the server first)."""
    if (result := integrity(source)) != "ok":
        raise click.ClickException(f"{source} is not a sound database: {result}")
    target = sqlite_path()
    if not yes:
        click.confirm(f"Replace {target} with {source}?", abort=True)
    db.engine.dispose()
    copy_database(source, target)
    click.echo(f"Restored {target} from {source}.")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
