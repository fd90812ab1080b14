"""The link a reader gets by mail to see and erase their data: signed, for a day, once.

A link's token (itsdangerous, the site's secret, a salt of its own) names a random id,
the oldest comment stored under the address and a keyed hash of the address; never the
address itself, which would otherwise stand in every access log the link passes. The
address is read back from that comment, and the link works only while the comment still
has it. Erasing stores the id as a UsedLink in the same transaction, so the link works
once; downloading before that does not use it up.

Asking for a link: the answer is the same whether the address has comments or not, and
only an address with comments gets a mail, at most one in RESEND_PAUSE, so nobody can
fill a stranger's mailbox. A network may ask NETWORK_LIMIT times an hour (counted in each
process: it stores nothing about the network). Every request is in the audit log, with
the address masked and hashed.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .. import mail
from ..extensions import db
from ..models import AuditEntry, Comment, UsedLink, utcnow
from ..urls import absolute_url
from . import records

logger = logging.getLogger(__name__)

LINK_MAX_AGE = 24 * 60 * 60  # seconds a link works
RESEND_PAUSE = timedelta(minutes=10)  # no second mail to one address within this time
NETWORK_LIMIT = 5  # requests per network and hour, in each process
_NETWORK_WINDOW = 60 * 60.0
_NETWORKS_KEPT = 10_000  # beyond, the counts start afresh (memory stays small)
_SALT = "zirkel.personal-data"
# Who the audit log names for what readers do from /meine-daten.
READER = "/meine-daten"


@dataclass(frozen=True)
class Link:
    """What a genuine, unexpired, unused link stands for."""

    id: str  # random; stored as UsedLink.id once the link erased
    address: str  # read back from the comment the link names


class LinkError(Exception):
    """A link that must not act: `reason` is "invalid", "expired", "used" or "gone"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(address: str, comment_id: int) -> str:
    """A signed token for the data stored under `address` (whose oldest comment it names)."""
    return _serializer().dumps(
        {"id": secrets.token_urlsafe(16), "c": comment_id, "h": records.address_key(address)}
    )


def read_token(token: str) -> Link:
    """The link a token stands for; LinkError if it is forged, expired, used or stale."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as error:
        raise LinkError("expired") from error
    except BadData as error:
        raise LinkError("invalid") from error
    if not (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and type(data.get("c")) is int
        and isinstance(data.get("h"), str)
    ):
        raise LinkError("invalid")
    if db.session.get(UsedLink, data["id"]) is not None:
        raise LinkError("used")
    address = db.session.scalar(select(Comment.email).where(Comment.id == data["c"]))
    if not address or records.address_key(address) != data["h"]:
        raise LinkError("gone")  # erased meanwhile (by an admin), or its article deleted
    return Link(id=data["id"], address=records.normal(address))


# --- asking for a link ------------------------------------------------------------------


class NetworkThrottle:
    """Requests per network in the last hour, in this process."""

    def __init__(self) -> None:
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, network: str, now: float | None = None) -> int:
        """0 and counted if this network may ask now; else seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._times) > _NETWORKS_KEPT:
                self._times.clear()
            times = self._times.setdefault(network, deque())
            while times and times[0] <= now - _NETWORK_WINDOW:
                times.popleft()
            if len(times) >= NETWORK_LIMIT:
                return max(1, int(times[0] + _NETWORK_WINDOW - now) + 1)
            times.append(now)
            return 0


def throttle() -> NetworkThrottle:
    """This app's throttle in this process."""
    return current_app.extensions.setdefault("zirkel.personal_data.throttle", NetworkThrottle())


def _mailed_lately(key: str) -> bool:
    """Whether a link went to this address within RESEND_PAUSE (from the audit log)."""
    since = utcnow() - RESEND_PAUSE
    for after in db.session.scalars(
        select(AuditEntry.after).where(
            AuditEntry.action == "personal_data.request", AuditEntry.created_at > since
        )
    ):
        try:
            state = json.loads(after) if after else {}
        except ValueError:
            continue
        if isinstance(state, dict) and state.get("address_key") == key and state.get("mailed"):
            return True
    return False


def request_link(address: str) -> None:
    """A reader asked for their data: mail a link if the address has comments and had no
    link lately; log the request either way. Call inside `writing()`."""
    from ..editorial.audit import add_entry

    key = records.address_key(address)
    comment_id = records.first_comment_id(address)
    mailed = False
    if comment_id is not None and not _mailed_lately(key):
        mailed = _send(address, comment_id)
    add_entry(
        "personal_data.request",
        user=None,
        email=READER,
        subject=records.masked(address),
        after={"address_key": key, "mailed": mailed},
    )


def _send(address: str, comment_id: int) -> bool:
    site = " ".join(str(current_app.config["SITE_NAME"]).split())
    link = absolute_url("personal_data.link", token=make_token(address, comment_id))
    body = render_template(
        "email/personal_data_link.txt", site=site, link=link, hours=LINK_MAX_AGE // 3600
    )
    try:
        stored = mail.enqueue(
            to=records.normal(address),
            subject=_("[%(site)s] Your data: download or erase", site=site),
            body=body,
            kind="personal-data",
        )
    except ValueError:
        # An address the outbox cannot send to (not plain ASCII): no mail, same answer.
        logger.warning("No personal-data mail: unusable address")
        return False
    return stored is not None
