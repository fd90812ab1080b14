"""Moving content in and out: `import-wordpress`, `export` and `import-json`.

flask --app wsgi import-wordpress [--dry-run] [--timezone ZONE] [--media-folder UPLOADS] EXPORT.xml
flask --app wsgi export [FILE]          (standard output without FILE)
flask --app wsgi import-json [--dry-run] FILE

Each import runs in one transaction: it is stored whole, or (on an error, or with
--dry-run) not at all. A comment that breaks the public form's rules is no such error,
nor an article or author that breaks the editorial forms': it is cleaned, or skipped when
it cannot be made valid (a comment without text, an article without a title), and
reported in a note (common.py). See
wordpress.py and jsonfile.py for what is kept and how rows are recognised, so that
running an import twice changes nothing.

The WordPress import reports in German, for the editorial team that moves its site (notes
and the summary through Flask-Babel, in the site's locale); `export` and `import-json`,
tools for the operator, report in English as the other commands do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from . import jsonfile, wordpress
from .common import TransferError, import_transaction
from .wordpress_media import Uploads

T = TypeVar("T")
R = TypeVar("R")


@click.command("import-wordpress")
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option(
    "--timezone",
    default="Europe/Berlin",
    show_default=True,
    help="The WordPress site's time zone, for dates the export has only in local time.",
)
@click.option(
    "--media-folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The old site's wp-content/uploads folder, copied here: featured images and images "
    "in posts are imported from it.",
)
@with_appcontext
def import_wordpress_command(
    export_file: Path, dry_run: bool, timezone: str, media_folder: Path | None
) -> None:
    """Import authors, categories and tags, posts, comments and pages from a WordPress export."""
    zone = _zone(timezone)
    export = _or_fail(wordpress.read_export, export_file)
    uploads = None if media_folder is None else Uploads(media_folder, dry_run=dry_run)
    importer = wordpress.Importer(export, zone, uploads)
    with import_transaction(dry_run):
        importer.import_authors()
        importer.import_topics()
        with _progress(export.posts, _("Importing posts")) as posts:
            for post in posts:
                importer.import_post(post)
        for page in export.pages:
            importer.import_page(page)
        importer.finish()
    _echo_notes(importer.report.notes, _("Note"))
    click.echo(wordpress.summary(importer.report, export, dry_run=dry_run))


@click.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8", atomic=True), default="-")
@with_appcontext
def export_command(file: TextIO) -> None:
    """Write authors, articles, comments and settings as JSON to FILE (or standard output).

    User accounts, passwords, login sessions and the audit log are never exported.
    """
    data = jsonfile.export_data()
    jsonfile.write_export(data, file)
    # Standard output may be the export itself: the count goes to standard error.
    click.echo(
        f"Exported {len(data['authors'])} authors, {len(data['articles'])} articles, "
        f"{len(data['comments'])} comments, {len(data['photos'])} photos (keys only), "
        f"{len(data['settings'])} settings.",
        err=True,
    )


@click.command("import-json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@with_appcontext
def import_json_command(file: Path, dry_run: bool) -> None:
    """Import a file written by `export` into this database; what is here already stays."""
    importer = jsonfile.JsonImporter(_or_fail(jsonfile.read_file, file))
    with force_locale("en"):  # the notes and counts it shares with the WordPress import
        with import_transaction(dry_run):
            _or_fail(importer.run)
        _echo_notes(importer.report.notes, "Note")
        click.echo(jsonfile.summary(importer.report, dry_run=dry_run))


def register(app: Flask) -> None:
    """Add the import and export commands to `flask`."""
    app.cli.add_command(import_wordpress_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_json_command)


def _or_fail(function: Callable[..., R], *args: Any) -> R:
    """Call function; a TransferError becomes a clean "Error: …" and exit code 1."""
    try:
        return function(*args)
    except TransferError as error:
        raise click.ClickException(str(error)) from error


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from error


@contextmanager
def _progress(items: Iterable[T], label: str) -> Iterator[Iterable[T]]:
    """A progress bar on standard error when that is a terminal; the items alone otherwise."""
    stream = sys.stderr  # the CLI runner of tests swaps it, as click does its streams
    with click.progressbar(items, label=label, file=stream, hidden=not stream.isatty()) as bar:
        yield bar


def _echo_notes(notes: list[str], label: str) -> None:
    for note in notes:
        click.echo(f"{label}: {note}")
