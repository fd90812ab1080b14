"""Backups of a whole site: one archive with a consistent database snapshot and the photos.

`flask backup ARCHIVE` writes a .tar.gz (archive.py) holding the database (SQLite: the
online backup API's copy; PostgreSQL: `pg_dump --format=custom`, see databases.py), every
file of the media folder and a manifest (format version, time, database kind, Alembic
revision, the SHA-256 of every member), then reads it back and checks it before it says
so. `flask restore ARCHIVE` checks the archive first and changes nothing if anything is
wrong with it; then it replaces the database and swaps in the archive's media folder
(commands.py).
"""

from __future__ import annotations

from flask import Flask

from .commands import backup_command, restore_command


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
