"""The database the tests run on: SQLite files, or a PostgreSQL server this run starts.

`ZIRKEL_TEST_DATABASE=postgresql` (as `make test` sets for its second pass) starts a
private PostgreSQL cluster on a free loopback port for the whole run (Debian's
`postgresql` package; as root the server runs as the `postgres` user) and gives every
test a database of its own, copied from a migrated template, as the SQLite pass copies a
migrated file. Tests marked `sqlite` are about SQLite itself (its pragmas, its file lock,
its online backup) and get SQLite in both passes.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from flask_migrate import upgrade

from apps import make_app
from servers import free_port
from webapp.extensions import db

KIND = os.environ.get("ZIRKEL_TEST_DATABASE", "sqlite")
if KIND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"ZIRKEL_TEST_DATABASE must be sqlite or postgresql, not {KIND!r}")


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'zirkel.sqlite3'}"


class SQLiteDatabases:
    """A migrated SQLite file, made once, copied into each test's folder."""

    def __init__(self, template_folder: Path) -> None:
        self.template = template_folder / "zirkel.sqlite3"
        _migrate(template_folder, sqlite_url(template_folder))

    def migrated(self, folder: Path) -> str:
        shutil.copy(self.template, folder / "zirkel.sqlite3")
        return sqlite_url(folder)

    def empty(self, folder: Path) -> str:
        return sqlite_url(folder)

    def drop(self, url: str) -> None:
        """The file goes with the test's temporary folder."""


class PostgresDatabases:
    """A PostgreSQL server on loopback; per test a database copied from a migrated one."""

    TEMPLATE = "zirkel_template"

    def __init__(self, server: PostgresServer, template_folder: Path) -> None:
        self.server = server
        self.numbers = itertools.count(1)
        self._create(self.TEMPLATE, "template0")
        _migrate(template_folder, server.url(self.TEMPLATE))

    def migrated(self, folder: Path) -> str:
        return self._create(f"test_{next(self.numbers)}", self.TEMPLATE)

    def empty(self, folder: Path) -> str:
        return self._create(f"test_{next(self.numbers)}", "template0")

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.server.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _create(self, name: str, template: str) -> str:
        with self.server.admin() as admin:
            # FILE_COPY: copying a small template file by file is faster than WAL_LOG.
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE {template} STRATEGY FILE_COPY')
        return self.server.url(name)


def _migrate(instance: Path, url: str) -> None:
    app = make_app(instance, DATABASE_URL=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


class PostgresServer:
    """`initdb` and `postgres` from Debian's package, in a temporary folder, on loopback."""

    USER = "zirkel"

    def __init__(self) -> None:
        binaries = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/postgres"),
            key=lambda path: int(Path(path).parts[4]),
        )
        if not binaries:
            raise RuntimeError("The PostgreSQL pass needs PostgreSQL: apt-get install postgresql")
        self.bin = Path(binaries[-1]).parent
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="zirkel-postgres-"))
        self.process: subprocess.Popen | None = None
        # PostgreSQL refuses to run as root; Debian's package brings a `postgres` user.
        self.run_as: dict = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def admin(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.USER, dbname="postgres", autocommit=True
        ) as connection:
            yield connection

    def start(self) -> None:
        data = self.folder / "data"
        subprocess.run(
            [
                *(self.bin / "initdb", "-D", data, "-U", self.USER),
                # UTF-8 throughout, as Debian's own clusters: lower() folds Ä as it folds A.
                *("--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"),
            ],
            cwd=self.folder,
            check=True,
            capture_output=True,
            **self.run_as,
        )
        log = self.folder / "postgres.log"
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [
                    *(self.bin / "postgres", "-D", data, "-k", self.folder),
                    *("-h", "127.0.0.1", "-p", str(self.port), "-c", "max_connections=300"),
                    # Tests throw their databases away; durability would only cost time.
                    *("-c", "fsync=off", "-c", "synchronous_commit=off"),
                    *("-c", "full_page_writes=off"),
                ],
                cwd=self.folder,
                stdout=output,
                stderr=subprocess.STDOUT,
                **self.run_as,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                with self.admin():
                    return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server this run started, by its PID, and remove its files."""
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: ends open sessions
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


# Another program holding the database's write lock: SQLite's, or PostgreSQL table locks
# that let readers through (EXCLUSIVE mode) but stop every INSERT and UPDATE.
_HOLDER = """
import sqlite3, sys, time
import psycopg
from sqlalchemy.engine import make_url

url, seconds = make_url(sys.argv[1]), float(sys.argv[2])
if url.get_backend_name() == "sqlite":
    connection = sqlite3.connect(url.database, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
else:
    connection = psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database
    )
    connection.execute("LOCK TABLE comment, article IN EXCLUSIVE MODE")
print("locked", flush=True)
time.sleep(seconds)
connection.rollback()
"""


@contextmanager
def database_locked(url: str, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process takes the database's write lock and holds it for `seconds`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        try:
            holder.wait(timeout=seconds + 10)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.wait()
        holder.stdout.close()
