"""`/gesundheit`: whether the site can serve, for nginx, systemd and monitoring.

It answers 200 `{"status": "ok"}` when the database answers a trivial query, else 503
`{"status": "database unavailable"}`, and nothing more: no addresses, no versions, no
personal data. It is never cached, sets no cookie, reads no session and counts towards no
rate limit, so a monitor may ask every few seconds.

The query runs on a connection of its own (no pool), with short timeouts: a database
host that drops packets, or a table locked by a migration, must not hold a worker, and
a broken pooled connection must not be mistaken for the database's state. It reads the
schema's version, not `SELECT 1`: that needs the database file or server to hold
Zirkel's tables, which a fresh empty file would not. Each failure is one log line,
however often it is asked.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from urllib.request import pathname2url

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from .extensions import db

bp = Blueprint("health", __name__)
logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2
_EXTENSION = "zirkel.health_engine"
_engine_lock = threading.Lock()


@bp.get("/gesundheit")
def health() -> Response:
    """200 if the database answers, 503 if not; never cached."""
    try:
        with check_engine(current_app).connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_SECONDS * 1000}"))
            connection.execute(text("SELECT version_num FROM alembic_version")).first()
        response = jsonify(status="ok")
    except Exception as error:  # whatever it is, the answer is "not available"
        logger.warning("Health check: the database does not answer (%s)", _one_line(error))
        response = jsonify(status="database unavailable")
        response.status_code = 503
    response.cache_control.no_store = True
    return response


def check_engine(app: Flask) -> Engine:
    """This app's engine for the check: the site's database, a new connection each time."""
    engine = app.extensions.get(_EXTENSION)
    if engine is None:
        with _engine_lock:
            engine = app.extensions.get(_EXTENSION) or _make_engine(db.engine)
            app.extensions[_EXTENSION] = engine
    return engine


def _make_engine(site: Engine) -> Engine:
    url = site.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # mode=rw: a missing file is an error, not a new empty database.
        uri = f"file:{pathname2url(url.database)}?mode=rw"
        return create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, timeout=TIMEOUT_SECONDS),
            poolclass=NullPool,
        )
    if url.get_backend_name() == "postgresql":
        return create_engine(
            url, poolclass=NullPool, connect_args={"connect_timeout": TIMEOUT_SECONDS}
        )
    return create_engine(url, poolclass=NullPool)


def _one_line(error: Exception) -> str:
    """The driver's own message, first line only (SQLAlchemy's adds the SQL and a link)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [""]
    return f"{type(cause).__name__}: {lines[0]}"
