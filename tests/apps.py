"""The app as tests build it: its instance folder and SQLite file in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g
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
                # Tests post at machine speed and many times from one address; the spam
                # guard's tests switch these layers back on.
                "MIN_SUBMIT_SECONDS": 0,
                "RATELIMIT": "off",
                "SPAM_FILTER": 0,  # tests/test_spam_filter.py switches the filter on
                # No mail to a real host, whatever the environment says, and no mail thread
                # unless a test starts one (tests/test_mail_outbox.py): tests set a loopback
                # server and send the outbox with webapp.mail.send_due().
                "SMTP_HOST": None,
                "MAIL_BACKGROUND": False,
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
    """Give every test request its own database session and `g`, as in production.

    Tests keep an app context pushed, and Flask reuses it for test requests, so requests
    would share the test's database session (and its open transaction) and `g` (where
    Flask-WTF keeps the CSRF token it made). Clearing both before and after each request
    makes requests begin, lock and sign exactly as a worker's would.
    """

    def fresh_context(*_args) -> None:
        db.session.remove()
        for name in list(g):
            g.pop(name)

    # First of all hooks, so that CSRFProtect's verdict (kept in g) survives.
    app.before_request_funcs.setdefault(None, []).insert(0, fresh_context)
    app.teardown_request(fresh_context)
