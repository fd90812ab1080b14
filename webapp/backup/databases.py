"""The database part of a backup: a consistent snapshot, its check, and putting it back.

SQLite: the online backup API copies the live file page by page and starts again when
another process writes meanwhile, so the copy is one committed state. PostgreSQL:
`pg_dump --format=custom`, inside a snapshot this module exports (so the Alembic revision
it records is the dump's), and `pg_restore --clean --if-exists --no-owner` in a single
transaction. The password goes to pg_dump and pg_restore in PGPASSWORD, never on their
command line, where every user of the machine could read it.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from ..extensions import db

KINDS = ("sqlite", "postgresql")
# libpq's environment variables for the connection parameters a URL's query may carry.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "dbname": "PGDATABASE",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "gssencmode": "PGGSSENCMODE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
# How long pg_restore waits for a table another session holds (a site still running).
RESTORE_LOCK_TIMEOUT = "30s"


def kind() -> str:
    """The configured database's kind: "sqlite" or "postgresql"."""
    name = db.engine.url.get_backend_name()
    if name not in KINDS:
        raise click.ClickException(f"backup and restore know SQLite and PostgreSQL, not {name}.")
    return name


def describe() -> str:
    """The configured database, for messages (no password)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return str(sqlite_path())
    return f"PostgreSQL database {url.database} on {url.host or 'the local socket'}"


def _revision(connection: Connection) -> str | None:
    """The database's Alembic revision (heads joined by commas), or None if never migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(rows)) or None


def _engine(url: URL | str):
    """An engine of its own: none of the site's write-lock hooks, no pooled connections."""
    return create_engine(url, poolclass=NullPool)


# SQLite


def sqlite_path() -> Path:
    url = db.engine.url
    if not url.database or url.database == ":memory:":
        raise click.ClickException("the SQLite database is not a file; nothing to back up.")
    return Path(url.database)


def integrity(path: Path) -> str:
    """SQLite's own check of a file: "ok", or what is wrong with it."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as check:
            return check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)


def copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while workers write.

    In one step: it reads one snapshot of the file (in WAL mode writers go on meanwhile),
    where a copy in steps would start again after every write and might never finish.
    """
    timeout = int(current_app.config["LOCK_TIMEOUT"] * 1000)
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.execute(f"PRAGMA busy_timeout = {timeout}")
        copy.execute(f"PRAGMA busy_timeout = {timeout}")
        live.backup(copy)


def sqlite_revision(path: Path) -> str | None:
    engine = _engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return _revision(connection)
    finally:
        engine.dispose()


# PostgreSQL


def pg_program(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql (Debian)."""
    if found := shutil.which(name):
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda path: [int(n) for n in re.findall(r"\d+", Path(path).parts[4])])
    if candidates:
        return candidates[-1]
    raise click.ClickException(
        f"{name} is not installed: it comes with PostgreSQL's client programs"
        " (Debian and Ubuntu: apt-get install postgresql-client)."
    )


def pg_environment() -> dict[str, str]:
    """The environment that points libpq (pg_dump, pg_restore) at the configured database."""
    url = db.engine.url
    env = dict(os.environ)
    values = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    for key, value in url.query.items():
        values[key] = value[-1] if isinstance(value, tuple) else value
    for key, value in values.items():
        if value is None:
            continue
        if key not in _LIBPQ_ENV:
            raise click.ClickException(
                f"DATABASE_URL has the parameter {key!r}, which pg_dump cannot be given."
            )
        env[_LIBPQ_ENV[key]] = str(value)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"{what} failed:\n{result.stderr.strip()}")
    return result.stdout


def pg_dump(target: Path) -> str | None:
    """Dump the configured database into `target`; returns the dump's Alembic revision.

    The dump runs inside a snapshot exported by a transaction of this process, which reads
    the revision from the same snapshot. Writers keep writing meanwhile; nothing waits.
    """
    engine = _engine(db.engine.url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                revision = _revision(connection)
                _run(
                    [
                        pg_program("pg_dump"),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                    ],
                    pg_environment(),
                    "pg_dump",
                )
    finally:
        engine.dispose()
    return revision


def pg_tables(dump: Path) -> set[tuple[str, str]]:
    """The tables (schema, name) a custom-format dump holds; ClickException if unreadable."""
    listing = _run([pg_program("pg_restore"), "--list", str(dump)], pg_environment(), "pg_restore")
    return set(re.findall(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", listing, re.MULTILINE))


def pg_extra_tables(dump: Path) -> list[str]:
    """Tables of the configured database that the dump does not hold (made by newer code)."""
    archived = pg_tables(dump)
    engine = _engine(db.engine.url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT table_schema, table_name FROM information_schema.tables"
                    " WHERE table_type = 'BASE TABLE'"
                    " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            ).all()
    finally:
        engine.dispose()
    return sorted(f"{schema}.{name}" for schema, name in found if (schema, name) not in archived)


def pg_restore(dump: Path) -> None:
    """Replace the configured database's tables with the dump's, all or nothing."""
    env = pg_environment()
    # Fail instead of waiting forever for a table a running site still holds.
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={RESTORE_LOCK_TIMEOUT}"
    _run(
        [
            pg_program("pg_restore"),
            *("--clean", "--if-exists", "--no-owner", "--no-privileges"),
            "--single-transaction",  # a failure changes nothing
            "--exit-on-error",
            f"--dbname={db.engine.url.database}",
            str(dump),
        ],
        env,
        "pg_restore (nothing was changed)",
    )
