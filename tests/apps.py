"""The app as tests build it: its instance folder and SQLite file in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined

from webapp import create_app


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
    return app
