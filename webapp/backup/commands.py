"""`flask backup ARCHIVE` and `flask restore ARCHIVE`: the whole site in one checked file."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import current_app

from ..extensions import db
from ..media import media_folder
from . import databases
from .archive import DATABASE_MEMBERS, MEDIA, SUFFIXES, BadArchive, media_files, unpack
from .archive import write as write_archive

SQLITE_HEADER = b"SQLite format 3\x00"
UPGRADE = "flask --app wsgi db upgrade"


@click.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(archive: Path) -> None:
    """Write the database and the media folder to ARCHIVE (a new .tar.gz), and check it.

    Safe while the site runs: the database part is one consistent snapshot.
    """
    if archive.exists() or archive.is_symlink():
        raise click.ClickException(f"{archive} exists; choose a new file.")
    if not archive.name.endswith(SUFFIXES):
        raise click.ClickException(
            f"{archive.name} should end in .tar.gz: the backup is an archive of the database"
            " and the media folder."
        )
    kind = databases.kind()
    folder = archive.resolve().parent
    if not folder.is_dir():
        raise click.ClickException(f"{folder} is not a folder.")
    if folder.is_relative_to(media_folder().resolve()):
        raise click.ClickException("the archive cannot go into the media folder it holds.")
    with tempfile.TemporaryDirectory(prefix=".zirkel-backup-", dir=folder) as work:
        work = Path(work)
        snapshot = work / Path(DATABASE_MEMBERS[kind]).name
        # The database first, then the photos: a photo's files are written before the row
        # that names it is committed, so every photo in the snapshot has its files.
        if kind == "sqlite":
            databases.copy_sqlite(databases.sqlite_path(), snapshot)
            revision = databases.sqlite_revision(snapshot)
        else:
            revision = databases.pg_dump(snapshot)
        partial = work / "archive.tar.gz"
        with write_archive(partial, database=kind, revision=revision) as writer:
            writer.add(DATABASE_MEMBERS[kind], snapshot)
            media_bytes = sum(writer.add(name, path) for name, path in media_files(media_folder()))
        manifest = writer.manifest
        snapshot.unlink()

        # Read back what was written: every checksum, and the database snapshot itself.
        try:
            written = unpack(partial, work / "check", media=False)
        except BadArchive as error:
            raise click.ClickException(f"the archive failed its check: {error}") from None
        if written != manifest:
            raise click.ClickException("the archive failed its check: its manifest changed")
        checked_database = _check_database(kind, work / "check" / DATABASE_MEMBERS[kind])
        if checked_database is not None:
            raise click.ClickException(f"the archive failed its check: {checked_database}")
        _publish(partial, archive)

    photos = len(manifest["members"]) - 1
    click.echo(
        f"Backed up to {archive}: the {kind} database (revision {revision or 'none'})"
        f" and {photos} media {'file' if photos == 1 else 'files'}"
        f" ({_size(media_bytes)}), {_size(archive.stat().st_size)} in all."
    )
    click.echo(
        f"Checked: the archive reads back, all {photos + 1} checksums match, "
        + (
            "and the database passes SQLite's integrity_check."
            if kind == "sqlite"
            else "and pg_restore reads the dump."
        )
    )


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.0f} kB"


def _check_database(kind: str, snapshot: Path) -> str | None:
    """What is wrong with an unpacked database snapshot, or None."""
    if kind == "sqlite":
        result = databases.integrity(snapshot)
        return None if result == "ok" else f"the database copy is not sound: {result}"
    try:
        databases.pg_tables(snapshot)
    except click.ClickException as error:
        return f"the database dump cannot be read: {error.message}"
    return None


def _publish(partial: Path, archive: Path) -> None:
    """Give the checked archive its name, never replacing a file that appeared meanwhile."""
    try:
        os.link(partial, archive)
    except FileExistsError:
        raise click.ClickException(f"{archive} exists; choose a new file.") from None
    except OSError:
        # A file system without hard links: the exists check above is the guard.
        if archive.exists():
            raise click.ClickException(f"{archive} exists; choose a new file.") from None
        shutil.move(partial, archive)


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the site's data.")
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database and the media folder with ARCHIVE (stop the site first).

    The archive is checked before anything changes. A plain SQLite file, as older
    versions of `flask backup` wrote, replaces the database only.
    """
    kind = databases.kind()
    with open(archive, "rb") as probe:
        if probe.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
            _restore_sqlite_file(archive, kind, yes)
            return

    instance = Path(current_app.instance_path)
    staging = instance / f".restore-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        try:
            manifest = unpack(archive, staging)
        except BadArchive as error:
            raise click.ClickException(f"{archive} was not restored, {error}.") from None
        except OSError as error:
            raise click.ClickException(
                f"{archive} was not restored: unpacking it failed ({error}); nothing was changed."
            ) from None
        if manifest["database"] != kind:
            raise click.ClickException(
                f"{archive} holds a {manifest['database']} database, but this site runs on"
                f" {kind}; nothing was changed. Restore it on a site configured for"
                f" {manifest['database']}, or move the data with `flask export` and"
                " `flask import-json`."
            )
        snapshot = staging / DATABASE_MEMBERS[kind]
        if (problem := _check_database(kind, snapshot)) is not None:
            raise click.ClickException(f"{archive} was not restored: {problem}.")
        if kind == "postgresql" and (extra := databases.pg_extra_tables(snapshot)):
            raise click.ClickException(
                f"{archive} was not restored: the database has tables the archive does not"
                f" ({', '.join(extra)}; a newer version of Zirkel makes such tables), and"
                " they would stay behind. Nothing was changed. Restore into an empty database"
                " (dropdb, then createdb with the same name and owner), or drop those tables,"
                " then run this again."
            )
        photos = len(manifest["members"]) - 1
        if not yes:
            click.confirm(
                f"Replace {databases.describe()} and the media folder {media_folder()} with"
                f" the backup of {manifest['created']} ({photos} media files)?",
                abort=True,
            )

        db.session.remove()
        db.engine.dispose()
        if kind == "sqlite":
            target = databases.sqlite_path()
            databases.copy_sqlite(snapshot, target)
        else:
            databases.pg_restore(snapshot)
        click.echo(f"Restored the database from {archive} (backup of {manifest['created']}).")
        try:
            _swap_media(staging / MEDIA, media_folder(), staging)
        except OSError as error:
            raise click.ClickException(
                f"the database was restored, but the media folder was not: {error}."
                f" Run the restore again once that is fixed."
            ) from None
        click.echo(f"Restored the media folder {media_folder()} ({photos} files).")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _advise_on_revision(manifest.get("revision"))


def _swap_media(new: Path, media: Path, staging: Path) -> None:
    """Put the unpacked folder `new` in place of the media folder, never half of it.

    Normally the new folder is renamed into place, the old one moved aside first. A media
    folder that is a mount point or a symlink (a shared folder) stays where it is: the new
    files are copied in, each under a temporary name and renamed, and only then are the
    files the archive does not hold removed, so a failure halfway leaves every photo of
    both states in place.
    """
    new.mkdir(exist_ok=True)
    if media.is_symlink() or os.path.ismount(media):
        wanted = {path.relative_to(new) for path in new.rglob("*") if path.is_file()}
        for relative in sorted(wanted):
            target = media / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".zirkel-restore-{target.name}")
            shutil.copyfile(new / relative, temporary)
            os.replace(temporary, target)
        for path in sorted(media.rglob("*"), reverse=True):
            relative = path.relative_to(media)
            if path.is_dir() and not path.is_symlink():
                with suppress(OSError):
                    path.rmdir()  # only if empty
            elif relative not in wanted:
                path.unlink()
        return
    old = staging / "media-before-restore"
    if media.exists():
        os.rename(media, old)
    try:
        os.rename(new, media)
    except OSError:
        if old.exists():
            os.rename(old, media)
        raise


def _restore_sqlite_file(source: Path, kind: str, yes: bool) -> None:
    """The older backups: a plain copy of the SQLite database, and no photos."""
    if kind != "sqlite":
        raise click.ClickException(
            f"{source} is a SQLite database, but this site runs on {kind}; nothing was changed."
        )
    if (result := databases.integrity(source)) != "ok":
        raise click.ClickException(f"{source} is not a sound database: {result}")
    target = databases.sqlite_path()
    if not yes:
        click.confirm(f"Replace {target} with {source}?", abort=True)
    db.session.remove()
    db.engine.dispose()
    databases.copy_sqlite(source, target)
    click.echo(f"Restored {target} from {source}. The media folder was left as it is.")
    _advise_on_revision(databases.sqlite_revision(target))


def _advise_on_revision(revision: str | None) -> None:
    """Tell the operator what the restored database needs before the site starts."""
    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    restored = set(revision.split(",")) if revision else set()
    if restored == heads:
        click.echo("The database is at this code's revision: start the site.")
        return
    try:
        for name in restored:
            script.get_revision(name)
    except (CommandError, RevisionError):
        click.echo(
            f"Warning: the database is at revision {revision}, which this code does not know:"
            " a newer version of Zirkel made it. Run that version (or a newer one).",
            err=True,
        )
        return
    click.echo(
        f"The database is at revision {revision or 'none'}, older than this code's"
        f" {', '.join(sorted(heads))}: run `{UPGRADE}` before starting the site."
    )
