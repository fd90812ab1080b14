"""Network prefixes do not stay forever: after ZIRKEL_KEEP_NETWORK_DAYS a comment loses its
poster's network (IPv4 /24, IPv6 /48) and its duplicate fingerprint.

No cron job: every process purges at most once an hour (the first time a minute after it
started), in a short thread of its own that a request starts when the purge is due. A
request that finds it not due compares two numbers; no reader ever waits for the write
lock. `flask purge-networks` purges at once, for operators who want it explicit.

Flood control and the duplicate check only look at recent comments (the longest span
ZIRKEL_RATELIMIT can count is a day), so emptying older rows changes neither within the
window. The purge is two UPDATEs, each bounded by the rows that still have what it empties:
they search the indexes on `network` and `fingerprint` past the NULLs, so the work is the
window's comments, not the whole table.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import update

from ..database import DatabaseBusy, writing
from ..extensions import db
from ..models import Comment, utcnow

logger = logging.getLogger(__name__)

PURGE_EVERY = 60 * 60  # seconds between purges, per process
FIRST_AFTER = 60  # seconds after a process starts: its first minute belongs to its readers
BUSY_PAUSE = 5 * 60  # seconds before trying again when the database was busy
_EXTENSION = "zirkel.network_purge"

# The purge's own clock (time.monotonic); tests replace it to make an hour pass.
clock = time.monotonic


def purge_networks(now: datetime | None = None) -> int:
    """Empty the network prefix and fingerprint of comments older than the setting.

    Returns how many comments lost something. A write of its own (`writing()`); 0 and
    nothing written when ZIRKEL_KEEP_NETWORK_DAYS is 0 (kept forever).
    """
    days = int(current_app.config["KEEP_NETWORK_DAYS"] or 0)
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    comments = Comment.__table__
    # "> ''" rather than IS NOT NULL: both planners then search the column's index from
    # its first value, past the NULLs, instead of scanning the table.
    with writing():
        changed = db.session.execute(
            update(comments)
            .where(comments.c.network > "", comments.c.created_at < cutoff)
            .values(network=None, fingerprint=None)
        ).rowcount
        # Those with a fingerprint but no network (written without one).
        changed += db.session.execute(
            update(comments)
            .where(comments.c.fingerprint > "", comments.c.created_at < cutoff)
            .values(fingerprint=None)
        ).rowcount
    return changed


class PurgeSchedule:
    """When this process purges next, and the thread that purges now."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.next_due = clock() + FIRST_AFTER
        self.thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start_if_due(self) -> None:
        """Start a purge in the background if one is due and none runs (before a request)."""
        if clock() < self.next_due:
            return
        with self._lock:
            if clock() < self.next_due or (self.thread and self.thread.is_alive()):
                return
            self.next_due = clock() + PURGE_EVERY
            self.thread = threading.Thread(
                target=self._run, name="zirkel-network-purge", daemon=True
            )
            self.thread.start()

    def wait(self, timeout: float = 30) -> None:
        """Until the running purge, if any, has finished (tests; a clean shutdown)."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        with self.app.app_context():
            try:
                changed = purge_networks()
                if changed:
                    logger.info("Emptied the network prefix of %s comments", changed)
            except DatabaseBusy:
                logger.warning("The database is busy; the network purge tries again later")
                self.next_due = min(self.next_due, clock() + BUSY_PAUSE)
            except Exception:
                logger.exception("The network purge failed; it tries again in an hour")
            finally:
                db.session.remove()


def schedule(app: Flask) -> PurgeSchedule:
    """This app's schedule in this process (a forked worker keeps the master's: it is
    only numbers, and its thread, if any, did not survive the fork)."""
    return app.extensions[_EXTENSION]


def register(app: Flask) -> None:
    """Purge now and then, started by whichever request finds it due."""
    app.extensions[_EXTENSION] = PurgeSchedule(app)

    @app.before_request
    def _purge_networks_if_due() -> None:
        app.extensions[_EXTENSION].start_if_due()
