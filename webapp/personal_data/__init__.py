"""What a reader's data is, what they can do with it, and how long it stays.

- retention.py: network prefixes and duplicate fingerprints are emptied after
  ZIRKEL_KEEP_NETWORK_DAYS, from the running app (no cron job).
- views.py: /meine-daten, where a reader asks for a mailed one-time link (links.py) to
  download or erase what is stored under their address (records.py). Admins do the same
  for a person from the editorial area (editorial/personal_data.py).
"""

from __future__ import annotations

from flask import Flask

from . import retention


def register(app: Flask) -> None:
    """The reader pages and the purge's schedule."""
    from . import views

    app.register_blueprint(views.bp)
    retention.register(app)
