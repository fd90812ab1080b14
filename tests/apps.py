"""The app as tests build it: its instance folder and SQLite file in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined

from webapp import create_app
from webapp.extensions import db


def make_app(instance: Path, **config) -> Flask:
    """An app whose instance folder and SQLite file live in a temporary folder."""
    os.environ["ZIRKEL_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test secret",
                "DATABASE_URL": f"sqlite:///{instance / 'zirkel.sqlite3'}",
                **config,
            }
        )
    finally:
        del os.environ["ZIRKEL_INSTANCE_PATH"]
    # A variable a template forgot fails the test instead of rendering empty.
    app.jinja_env.undefined = StrictUndefined
    isolate_requests(app)
    return app


def isolate_requests(app: Flask) -> None:
    """Give every test request its own session and transaction, as in production.

    Tests keep an app context pushed, and Flask reuses it for test requests, so requests
    would share the test's session and its open transaction. Ending the session before
    and after each request makes them begin (and lock) exactly as a worker's would.
    """

    def end_session(*_args) -> None:
        db.session.remove()

    app.before_request(end_session)
    app.teardown_request(end_session)
