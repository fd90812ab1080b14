"""Is what this worker read still current? On SQLite, answered without a query.

Every reader page starts with one small query: which versions of what it shows are
current (caching.version_tag), so that nothing stale is ever served. Most of the time
nothing has changed since the worker last asked. SQLite says so for almost nothing:
`PRAGMA data_version`, asked on a connection of the worker's own, changes whenever any
other connection commits to the database file, and only then
(https://sqlite.org/pragma.html#pragma_data_version). So `current()` keeps the rows such
queries returned, each with the data_version it was read at, and reuses a row while the
data_version is the same: a commit by any worker, command or import makes every row
stale at once, and the next request reads it again.

What depends on the clock as well as on the data (an article scheduled for later, the
front page's count of published articles) is kept only until the moment it can change
(`until`), and what is not there (a 404) is never kept, so a scheduled article appears
on the minute. On PostgreSQL (several app servers) every request asks the database, as
before: LISTEN/NOTIFY could do there what data_version does here, at the cost of a
listening connection per worker.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

from cachetools import LRUCache
from flask import Flask, current_app, has_request_context, request

from .extensions import db
from .models import utcnow

T = TypeVar("T")
KEPT_ROWS = 10_000  # per worker: a row of versions per article, page of the front page …
# In the WSGI environ: the earliest moment what this request read stops being current,
# and whether its answer may be given again while nothing is committed (revalidation.py).
VALID_UNTIL = "zirkel.valid_until"
REPLAYABLE = "zirkel.replayable"


def note_valid_until(moment: datetime | None) -> None:
    """Note that this request's answer depends on the clock until `moment` (naive UTC):
    revalidation.py does not give it again from then on."""
    if moment is None or not has_request_context():
        return
    noted = request.environ.get(VALID_UNTIL)
    if noted is None or moment < noted:
        request.environ[VALID_UNTIL] = moment


def note_replayable() -> None:
    """Note that this request's answer depends on nothing but the request, rows read
    through `current` and the moments noted: revalidation.py may give it again."""
    request.environ[REPLAYABLE] = True


class DataVersion:
    """SQLite's data_version of one database file, on a connection per thread (and per
    process: gunicorn forks the workers from a master that may have asked already)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def __call__(self) -> int:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            # Only ever asks this: it never writes (its own commits would not count).
            connection = sqlite3.connect(self.path, check_same_thread=True)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection.execute("PRAGMA data_version").fetchone()[0]


class Rows:
    """Rows read with the data_version they were read at, at most KEPT_ROWS per worker."""

    def __init__(self, data_version: DataVersion | None) -> None:
        self.data_version = data_version
        self._rows: LRUCache[Hashable, tuple[int, object, datetime | None]] = LRUCache(
            maxsize=KEPT_ROWS
        )
        self._lock = threading.Lock()

    def current(
        self,
        key: Hashable,
        read: Callable[[], T],
        until: Callable[[T], datetime | None] = lambda _row: None,
    ) -> T:
        """`read()`, or what it returned last time if nothing was committed since (and the
        row's `until` has not come). A None from `read()` is never kept."""
        if self.data_version is None:
            return read()
        # Asked before reading: a commit between the two makes the row stale, not lost.
        version = self.data_version()
        with self._lock:
            kept = self._rows.get(key)
        if kept is not None:
            kept_version, row, valid_until = kept
            if kept_version == version and (valid_until is None or utcnow() < valid_until):
                note_valid_until(valid_until)
                return row  # type: ignore[return-value]
        row = read()
        if row is not None:
            valid_until = until(row)
            note_valid_until(valid_until)
            with self._lock:
                self._rows[key] = (version, row, valid_until)
        return row


def current(
    key: Hashable, read: Callable[[], T], until: Callable[[T], datetime | None] = lambda _r: None
) -> T:
    """`Rows.current` of this app (see the module's docstring)."""
    return current_app.extensions["zirkel.rows"].current(key, read, until)


def register(app: Flask) -> None:
    with app.app_context():
        url = db.engine.url
    path = url.database if url.get_backend_name() == "sqlite" else None
    watched = DataVersion(path) if path and path != ":memory:" else None
    app.extensions["zirkel.rows"] = Rows(watched)
