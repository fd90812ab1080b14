"""Answer "is my copy still current?" again without running the app, while nothing changed.

Most requests a reader's browser makes while reading are conditional: every open tab asks
for news of its comment list every ZIRKEL_POLL_SECONDS (If-None-Match), a reload asks for
the page it has, and the answer is nearly always 304. Flask spends most of such an answer
on its own machinery and Zirkel's hooks (headers, language, session, form tokens), not on
the question.

On SQLite a worker knows almost for free whether anything was committed since it last
looked (freshness.py: `PRAGMA data_version`). So `Revalidation`, in front of Flask, keeps
the 304s the app gave — only those a view marked replayable (`conditional_page`): shared
with everyone who asks the same way, their ETag made of rows read through freshness and
the hour — and gives the very same answer to the very same request again, while

- no connection has committed to the database since just before the app answered
  (data_version),
- the clock has not reached a moment the answer depended on (`freshness.VALID_UNTIL`:
  the hour in every ETag, the next scheduled article),
- and the request is the same in everything the answer may depend on: method, address
  and query, host and scheme (also as forwarded), the conditional headers, and every
  header its `Vary` names (an answer that varies on anything else is not kept).

Only `X-Accel-Expires` is written anew (it names a second). Each worker keeps at most
KEPT answers. On PostgreSQL there is no data_version: every request goes to the app.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache
from flask import Flask, current_app

from . import freshness
from .caching import accel_expires
from .htmx import PARTIAL_HEADERS

KEPT = 2048  # per worker; about 1.4 KB each with a browser's headers: 3 MB at most
# Names a second, so written anew on every answer.
ACCEL_EXPIRES = "X-Accel-Expires"

# What of a request a kept answer may depend on. Everything else (who asks, from where,
# with which browser) cannot change an answer that is shared with everyone.
_REQUEST = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "wsgi.url_scheme",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_AUTHORIZATION",
)
# Request headers a kept answer may name in Vary (language.vary_on_language,
# htmx.vary_on_htmx): they are part of the key.
VARY = ("Accept-Language", "Cookie", *PARTIAL_HEADERS)
_KEY = _REQUEST + tuple("HTTP_" + name.upper().replace("-", "_") for name in VARY)
_VARY_LOWER = frozenset(name.lower() for name in VARY)


@dataclass(frozen=True, slots=True)
class _Kept:
    data_version: int
    valid_until: datetime
    status: str
    headers: tuple[tuple[str, str], ...]  # all but X-Accel-Expires
    accel_expires: bool  # whether the answer had one


class Revalidation:
    """WSGI middleware: the app's replayable 304s, given again while still true."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._kept: LRUCache[tuple, _Kept] = LRUCache(maxsize=KEPT)
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        data_version = self.app.extensions["zirkel.rows"].data_version
        if (
            data_version is None
            or environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_IF_NONE_MATCH" not in environ
        ):
            return self.wsgi_app(environ, start_response)
        key = tuple(environ.get(name) for name in _KEY)
        # Asked before the app answers: a commit meanwhile makes the answer stale, not kept.
        version = data_version()
        with self._lock:
            kept = self._kept.get(key)
        if (
            kept is not None
            and kept.data_version == version
            and freshness.utcnow() < kept.valid_until
        ):
            return self._replay(kept, start_response)

        answer: dict = {}

        def remember_start(status: str, headers: list, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember_start)
        if self._keeps(environ, answer):
            # Interned: kept answers share their header names and most values (the policy,
            # Vary …), so an answer costs little more than its key.
            headers = tuple(
                (sys.intern(name), sys.intern(value))
                for name, value in answer["headers"]
                if name != ACCEL_EXPIRES
            )
            entry = _Kept(
                version,
                environ[freshness.VALID_UNTIL],
                answer["status"],
                headers,
                accel_expires=len(headers) != len(answer["headers"]),
            )
            with self._lock:
                self._kept[key] = entry
        return body

    def _keeps(self, environ: dict, answer: dict) -> bool:
        """A 304 the view marked replayable, shared, and varying only on the key."""
        if not environ.get(freshness.REPLAYABLE) or freshness.VALID_UNTIL not in environ:
            return False
        if not answer.get("status", "").startswith("304"):
            return False
        headers = {name.lower(): value for name, value in answer["headers"]}
        # Shared: `public`, or `no-cache` when no shared cache may keep it (caching.shared).
        shared = headers.get("cache-control", "")
        if "set-cookie" in headers or not (shared.startswith("public") or shared == "no-cache"):
            return False
        vary = {name.strip().lower() for name in headers.get("vary", "").split(",")} - {""}
        return vary <= _VARY_LOWER

    def _replay(self, kept: _Kept, start_response: Callable) -> Iterable[bytes]:
        headers = list(kept.headers)
        if kept.accel_expires:
            seconds = int(self.app.config["SHARED_CACHE_SECONDS"])
            headers.append((ACCEL_EXPIRES, accel_expires(seconds)))
        start_response(kept.status, headers)
        return []


def register(app: Flask) -> None:
    """Outermost: before the body limit, the proxy headers and Flask."""
    app.wsgi_app = Revalidation(app, app.wsgi_app)


def clear(app: Flask | None = None) -> None:
    """Forget every kept answer (tests)."""
    middleware = (app or current_app).wsgi_app
    if isinstance(middleware, Revalidation):
        with middleware._lock:
            middleware._kept.clear()
