"""flask backup / restore: one checked archive with the database and the photos.

The archive is restored on a fresh site (its own empty instance folder and database), on
SQLite and, in the PostgreSQL pass, on PostgreSQL (pg_dump / pg_restore). A tampered or
damaged archive, or one of the other database kind, is refused and changes nothing.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import tarfile
import threading
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from apps import make_app
from factories import make_article, make_comment, make_photo
from webapp.backup import databases as backup_databases
from webapp.extensions import db
from webapp.media import media_folder
from webapp.models import Article, Comment, Photo


@pytest.fixture
def fresh(tmp_path, databases):
    """A second site: an empty instance folder and an empty, never migrated database."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    url = databases.empty(folder)
    site = make_app(folder, DATABASE_URL=url)
    yield site
    with site.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture
def backups(tmp_path) -> Path:
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def backup(runner, archive: Path) -> str:
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    return result.output


def restore_on(site, archive: Path):
    """`flask restore --yes` on another site (the CLI runs in whichever app is current)."""
    with site.app_context():
        return site.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])


def media_contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def rewrite(archive: Path, target: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """A copy of the archive with its members changed by `change` (name → content)."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    change(members)
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def change_manifest(**fields) -> Callable[[dict[str, bytes]], None]:
    def change(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        manifest.update(fields)
        members["manifest.json"] = json.dumps(manifest).encode()

    return change


def articles() -> list[str]:
    db.session.remove()
    return db.session.scalars(select(Article.title).order_by(Article.title)).all()


def test_an_archive_restores_articles_comments_and_photos_on_a_fresh_instance(
    app, runner, backups, fresh
):
    article = make_article(title="Jubiläum", slug="jubilaeum")
    first = make_comment(article, text="Herzlichen Glückwunsch!")
    make_comment(article, text="Danke, ebenso.", parent=first)
    make_comment(make_article(title="Zweiter Artikel"), text="Auch hier.")
    (media_folder() / "alt").mkdir()
    (media_folder() / "alt" / "notiz.txt").write_text("Alles im Medienordner kommt mit.")
    photos = media_contents(media_folder())
    key = article.photo.key
    kind = db.engine.url.get_backend_name()

    archive = backups / "zirkel.tar.gz"
    output = backup(runner, archive)
    assert f"Backed up to {archive}: the {kind} database" in output
    assert f"and {len(photos)} media files" in output
    assert "Checked: the archive reads back, all" in output
    assert archive.stat().st_mode & 0o077 == 0  # for its owner only
    assert not list(backups.glob(".zirkel-backup-*"))

    result = restore_on(fresh, archive)
    assert result.exit_code == 0, result.output
    assert "Restored the database" in result.output
    assert f"Restored the media folder {Path(fresh.instance_path) / 'media'}" in result.output
    assert "at this code's revision: start the site" in result.output

    with fresh.app_context():
        assert db.engine.url.get_backend_name() == kind
        assert media_contents(media_folder()) == photos
        assert articles() == ["Jubiläum", "Zweiter Artikel"]
        restored = db.session.scalars(select(Article).filter_by(slug="jubilaeum")).one()
        assert restored.photo.key == key
        assert restored.comment_count == 2
        texts = db.session.scalars(select(Comment.text).order_by(Comment.id)).all()
        assert texts == ["Herzlichen Glückwunsch!", "Danke, ebenso.", "Auch hier."]
        reply = db.session.scalars(select(Comment).filter_by(text="Danke, ebenso.")).one()
        assert reply.parent_id is not None

        client = fresh.test_client()
        page = client.get("/artikel/jubilaeum")
        assert page.status_code == 200
        assert "Herzlichen Glückwunsch!" in page.text and "Danke, ebenso." in page.text
        served = client.get(f"/medien/{key}-480.jpg")
        assert served.status_code == 200 and served.data == photos[f"{key}-480.jpg"]
        served.close()

        # The site goes on: new rows get new ids (PostgreSQL's sequences came along).
        make_comment(restored, text="Nach der Wiederherstellung.")
        make_photo(width=800, height=600)
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 2
    assert not list(Path(fresh.instance_path).glob(".restore-*"))


def test_restore_puts_back_the_data_and_photos_of_the_same_site(app, runner, backups):
    make_article(title="Bleibt")
    before = media_contents(media_folder())
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    make_article(title="Später", photo=make_photo(width=900, height=700))
    assert media_contents(media_folder()) != before
    db.session.remove()

    result = runner.invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    assert articles() == ["Bleibt"]
    assert media_contents(media_folder()) == before
    assert not list(Path(app.instance_path).glob(".restore-*"))


def test_a_media_folder_that_is_a_symlink_stays_where_it_points(app, runner, backups, tmp_path):
    shared = tmp_path / "shared-media"
    media_folder().mkdir(parents=True, exist_ok=True)
    media_folder().rename(shared)
    media_folder().symlink_to(shared)
    make_article(title="Bleibt")
    before = media_contents(shared)
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    make_article(title="Später", photo=make_photo(width=900, height=700))
    db.session.remove()

    result = runner.invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    assert media_folder().is_symlink() and media_folder().resolve() == shared
    assert media_contents(shared) == before
    assert articles() == ["Bleibt"]


@pytest.mark.parametrize("member", ["database", "media"])
def test_a_tampered_archive_is_refused_and_changes_nothing(app, runner, backups, member):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    make_article(title="Danach")
    photos = media_contents(media_folder())
    db.session.remove()

    def flip_one_byte(members: dict[str, bytes]) -> None:
        name = next(n for n in members if n.startswith(f"{member}/"))
        data = bytearray(members[name])
        data[len(data) // 2] ^= 0x01
        members[name] = bytes(data)

    tampered = rewrite(archive, backups / "tampered.tar.gz", flip_one_byte)
    result = runner.invoke(args=["restore", "--yes", str(tampered)])
    assert result.exit_code == 1
    assert "was not restored" in result.output
    assert "does not match its checksum" in result.output
    assert articles() == ["Danach", "Im Archiv"]
    assert media_contents(media_folder()) == photos
    assert not list(Path(app.instance_path).glob(".restore-*"))


@pytest.mark.parametrize("damage", ["one byte", "cut short"])
def test_a_damaged_archive_is_refused_and_changes_nothing(app, runner, backups, damage):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    make_article(title="Danach")
    photos = media_contents(media_folder())
    db.session.remove()
    data = bytearray(archive.read_bytes())
    if damage == "one byte":
        data[len(data) // 2] ^= 0x01
    else:
        del data[len(data) // 2 :]
    (damaged := backups / "damaged.tar.gz").write_bytes(data)

    result = runner.invoke(args=["restore", "--yes", str(damaged)])
    assert result.exit_code == 1
    assert "was not restored" in result.output
    assert articles() == ["Danach", "Im Archiv"]
    assert media_contents(media_folder()) == photos


def test_restore_asks_before_it_replaces_anything(app, runner, backups):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    make_article(title="Danach")
    photos = media_contents(media_folder())
    db.session.remove()

    result = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert result.exit_code == 1
    assert "and the media folder" in result.output and "Aborted" in result.output
    assert articles() == ["Danach", "Im Archiv"]
    assert media_contents(media_folder()) == photos
    assert not list(Path(app.instance_path).glob(".restore-*"))


def test_the_postgresql_password_goes_in_the_environment_not_the_command_line(
    tmp_path, monkeypatch
):
    site = make_app(
        tmp_path,
        DATABASE_URL="postgresql+psycopg://zirkel:geheim%21@db.example:5433/site?sslmode=require",
    )
    calls = []

    def run(command, env, **options):
        calls.append((command, env))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(backup_databases.subprocess, "run", run)
    with site.app_context():
        backup_databases.pg_restore(tmp_path / "zirkel.pgdump")
        db.engine.dispose()
    ((command, env),) = calls
    assert not any("geheim" in str(part) for part in command)
    assert {k: env[k] for k in ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGSSLMODE")} == {
        "PGPASSWORD": "geheim!",
        "PGHOST": "db.example",
        "PGPORT": "5433",
        "PGUSER": "zirkel",
        "PGSSLMODE": "require",
    }
    assert "--dbname=site" in command
    assert {"--clean", "--if-exists", "--no-owner", "--single-transaction"} <= set(command)


def test_restore_refuses_an_archive_of_the_other_database_kind(app, runner, backups):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    make_article(title="Danach")
    db.session.remove()
    kind = db.engine.url.get_backend_name()
    other, member = (
        ("postgresql", "database/zirkel.pgdump")
        if kind == "sqlite"
        else ("sqlite", "database/zirkel.sqlite3")
    )

    def to_other_kind(members: dict[str, bytes]) -> None:
        manifest = json.loads(members.pop("manifest.json"))
        (old,) = (n for n in members if n.startswith("database/"))
        members[member] = members.pop(old)
        manifest["members"][member] = manifest["members"].pop(old)
        manifest["database"] = other
        members["manifest.json"] = json.dumps(manifest).encode()

    result = runner.invoke(
        args=["restore", "--yes", str(rewrite(archive, backups / "other.tar.gz", to_other_kind))]
    )
    assert result.exit_code == 1
    assert f"holds a {other} database, but this site runs on {kind}" in result.output
    assert "nothing was changed" in result.output
    assert articles() == ["Danach", "Im Archiv"]


def test_restore_refuses_a_format_version_it_does_not_know(app, runner, backups):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    newer = rewrite(archive, backups / "newer.tar.gz", change_manifest(version=2))
    result = runner.invoke(args=["restore", "--yes", str(newer)])
    assert result.exit_code == 1
    assert "its format version is 2; this Zirkel reads version 1" in result.output


def test_restore_refuses_a_member_the_manifest_does_not_list(app, runner, backups):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)

    def smuggle(members: dict[str, bytes]) -> None:
        manifest = members.pop("manifest.json")
        members["media/extra.jpg"] = b"not in the manifest"
        members["manifest.json"] = manifest

    result = runner.invoke(
        args=["restore", "--yes", str(rewrite(archive, backups / "x.tar.gz", smuggle))]
    )
    assert result.exit_code == 1
    assert "media/extra.jpg is not in the manifest" in result.output


def test_restore_says_when_the_database_needs_flask_db_upgrade(app, runner, backups, fresh):
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    oldest = list(script.walk_revisions())[-1].revision
    older = rewrite(archive, backups / "older.tar.gz", change_manifest(revision=oldest))

    result = restore_on(fresh, older)
    assert result.exit_code == 0, result.output
    assert f"The database is at revision {oldest}, older than this code's" in result.output
    assert "run `flask --app wsgi db upgrade` before starting the site" in result.output


def test_restore_into_a_database_made_by_newer_code(app, runner, backups):
    """SQLite replaces the whole file; PostgreSQL refuses, as a newer table would be left."""
    make_article(title="Im Archiv")
    archive = backups / "zirkel.tar.gz"
    backup(runner, archive)
    db.session.execute(text("CREATE TABLE newer_feature (id INTEGER PRIMARY KEY)"))
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", "--yes", str(archive)])
    db.session.remove()
    tables = set(db.inspect(db.engine).get_table_names())
    if db.engine.url.get_backend_name() == "sqlite":
        assert result.exit_code == 0, result.output
        assert "newer_feature" not in tables
    else:
        assert result.exit_code == 1
        assert "the database has tables the archive does not (public.newer_feature;" in (
            result.output
        )
        assert "Nothing was changed." in result.output
        assert "newer_feature" in tables


def test_a_backup_taken_while_comments_are_written_is_consistent(app, runner, backups, fresh):
    """Comments and the article's count change together; the backup never shows them apart."""
    article = make_article()
    url = db.engine.url
    stop, started = threading.Event(), threading.Event()
    written = []
    insert = (
        "INSERT INTO comment (article_id, name, email, text, created_at, status, reasons)"
        " VALUES ({0}, 'W', 'w@example.org', {0}, '2026-01-01', 'visible', '')"
    )
    count = "UPDATE article SET comment_count = comment_count + 1 WHERE id = {0}"

    def write_comments() -> None:
        n = 0
        if url.get_backend_name() == "sqlite":
            with closing(sqlite3.connect(url.database, timeout=15, isolation_level=None)) as live:
                while not stop.is_set() and n < 2000:
                    live.execute("BEGIN IMMEDIATE")
                    live.execute(insert.format("?"), (article.id, f"live {n}"))
                    live.execute(count.format("?"), (article.id,))
                    live.execute("COMMIT")
                    n += 1
                    started.set()
        else:
            with psycopg.connect(
                host=url.host, port=url.port, user=url.username, dbname=url.database
            ) as live:
                while not stop.is_set() and n < 2000:
                    with live.transaction():
                        live.execute(insert.format("%s"), (article.id, f"live {n}"))
                        live.execute(count.format("%s"), (article.id,))
                    n += 1
                    started.set()
        written.append(n)

    writer = threading.Thread(target=write_comments)
    writer.start()
    try:
        assert started.wait(10)
        result = runner.invoke(args=["backup", str(backups / "zirkel.tar.gz")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert written and written[0] > 0

    result = restore_on(fresh, backups / "zirkel.tar.gz")
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Comment))
        counted = db.session.scalar(select(Article.comment_count).filter_by(id=article.id))
    assert 0 < rows == counted


def test_backup_does_not_overwrite(app, runner, backups):
    (backups / "da.tar.gz").write_text("wichtig")
    result = runner.invoke(args=["backup", str(backups / "da.tar.gz")])
    assert result.exit_code != 0 and "exists" in result.output
    assert (backups / "da.tar.gz").read_text() == "wichtig"
    assert sorted(p.name for p in backups.iterdir()) == ["da.tar.gz"]


def test_backup_wants_an_archive_name(app, runner, backups):
    result = runner.invoke(args=["backup", str(backups / "zirkel.sqlite3")])
    assert result.exit_code != 0 and "should end in .tar.gz" in result.output
    assert not list(backups.iterdir())


@pytest.mark.sqlite
def test_an_older_plain_sqlite_backup_still_restores(app, runner, tmp_path):
    make_article(title="Bleibt")
    photos = media_contents(media_folder())
    plain = tmp_path / "copy.sqlite3"
    with (
        closing(sqlite3.connect(db.engine.url.database)) as live,
        closing(sqlite3.connect(plain)) as copy,
    ):
        live.backup(copy)
    make_article(title="Später", photo=make_photo(width=900, height=700))
    db.session.remove()

    result = runner.invoke(args=["restore", "--yes", str(plain)])
    assert result.exit_code == 0, result.output
    assert "The media folder was left as it is." in result.output
    assert articles() == ["Bleibt"]
    assert set(photos) < set(media_contents(media_folder()))


@pytest.mark.sqlite
def test_restore_refuses_a_file_that_is_no_database(app, runner, tmp_path):
    make_article()
    broken = tmp_path / "kaputt.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = runner.invoke(args=["restore", "--yes", str(broken)])
    assert result.exit_code == 1
    assert "is not a sound database" in result.output
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1
