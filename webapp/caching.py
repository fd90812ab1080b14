"""Reuse what is shared: rendered pages, kept per worker, keyed by what they show.

Keys name the versions of everything a page shows (the article's update time, its
comment version, the release …), read from the database on every request. So a new or
changed comment makes a new key in every worker at once and nothing stale is served;
old entries simply fall out of the size-bounded LRU.

In front of the workers, a shared cache (the shipped nginx config) may keep what is the
same for every reader for ZIRKEL_SHARED_CACHE_SECONDS. Sharing is opt-in: a view says so
(`shared_view`, `conditional_page`); everything else, and whatever sets a cookie, leaves
as `private, no-store` (`personal`).
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from datetime import UTC, datetime

from cachetools import LRUCache
from flask import Flask, Response, current_app, make_response, request, session
from markupsafe import Markup

from . import freshness
from .formatting import language


class RenderCache:
    """A byte-bounded LRU of rendered HTML, safe for threaded workers."""

    def __init__(self, max_bytes: int) -> None:
        self._cache: LRUCache[Hashable, bytes] = LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> bytes:
        with self._lock:
            body = self._cache.get(key)
        if body is None:
            body = render().encode()
            if len(body) <= self._cache.maxsize:
                with self._lock:
                    self._cache[key] = body
        return body

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def page_cache() -> RenderCache:
    return current_app.extensions["zirkel.page_cache"]


def register(app: Flask) -> None:
    app.extensions["zirkel.page_cache"] = RenderCache(app.config["PAGE_CACHE_BYTES"])
    # First in the list, so it runs last (Flask runs these in reverse): after every hook
    # that might set a cookie or a Cache-Control of its own.
    app.after_request_funcs.setdefault(None, []).insert(0, private_unless_shared)


# Statuses a view's answer may be shared with: what it shows (or where it leads) is the same
# for everyone asking; anything else (a refusal, an error) stays with who asked.
SHAREABLE = frozenset({200, 301, 302, 304, 404})


def shared(response: Response) -> Response:
    """Mark an answer that is the same for every reader who asks the same way (address,
    language, htmx or not): browsers revalidate it every time, a shared cache may answer
    with it for ZIRKEL_SHARED_CACHE_SECONDS.

    nginx counts a copy's life in whole seconds and keeps `s-maxage=1` for up to two;
    `X-Accel-Expires` (read by nginx only, never passed on) names the last second a copy may
    be used, so nginx never keeps it longer than the setting. 0: no shared cache keeps it.
    """
    seconds = int(current_app.config["SHARED_CACHE_SECONDS"])
    # Written as one string: each of `response.cache_control`'s attributes rewrites the
    # header, and this runs on every page a reader gets.
    if seconds <= 0:
        response.headers["Cache-Control"] = "no-cache"
        return response
    response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    response.headers["X-Accel-Expires"] = accel_expires(seconds)
    return response


def accel_expires(seconds: int) -> str:
    """`X-Accel-Expires` for a copy that may be used `seconds` from now: its last second."""
    return f"@{int(time.time()) + seconds - 1}"


def add_vary(response: Response, *names: str) -> Response:
    """Add header names to `Vary`, reading and writing the header once (`response.vary`
    parses and rewrites it on every `add`; this runs on every answer)."""
    present = response.headers.get("Vary")
    if not present:
        response.headers["Vary"] = ", ".join(names)
        return response
    have = {name.strip().lower() for name in present.split(",")}
    missing = [name for name in names if name.lower() not in have]
    if missing:
        response.headers["Vary"] = ", ".join([present, *missing])
    return response


def personal(response: Response) -> Response:
    """Mark a response that shows something to one reader only: no cache may keep it."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.pop("X-Accel-Expires", None)
    return response


def shared_view(view: Callable) -> Callable:
    """A view whose answers are the same for everyone: `shared` unless the view marked one
    itself (a reader's own page is `personal`) or it is a refusal or an error."""

    @functools.wraps(view)
    def answer(*args, **kwargs) -> Response:
        response = make_response(view(*args, **kwargs))
        if "Cache-Control" not in response.headers and response.status_code in SHAREABLE:
            shared(response)
        return response

    return answer


def private_unless_shared(response: Response) -> Response:
    """The last word on every response: one that sets a cookie is never shared, whatever a
    view said (the next reader would get the cookie, or a page made for its owner); one
    that no view marked is not shared either."""
    if (
        "Set-Cookie" in response.headers
        or _session_cookie_follows()
        or "Cache-Control" not in response.headers
    ):
        personal(response)
    return response


def _session_cookie_follows() -> bool:
    """Whether Flask will set or delete the session cookie on this response: it does so
    after every after_request hook, so the header is not there yet."""
    interface = current_app.session_interface
    current = session._get_current_object()
    if interface.is_null_session(current):
        return False
    return current.modified or (bool(current) and interface.should_set_cookie(current_app, current))


def version_tag(*parts: object) -> str:
    """An ETag value from the versions a response shows, plus the release and language.

    It also changes every hour, so that a browser's copy of a form never carries a
    token older than that (see comments/token.py). And it names the site's address
    (ZIRKEL_SITE_URL, else the host the request named): pages and feeds hold absolute
    links, and a request with a forged Host header must not put its host into the copy
    every other reader gets.
    """
    hour = int(time.time() // 3600)
    next_hour = datetime.fromtimestamp((hour + 1) * 3600, UTC).replace(tzinfo=None)
    freshness.note_valid_until(next_hour)  # the tag changes then
    # The host as the request named it (not `request.host_url`, which builds and
    # IRI-decodes a whole URL on every call).
    site = current_app.config["SITE_URL"] or f"{request.scheme}://{request.host}"
    key = repr((*parts, current_app.config["RELEASE"], language(), hour, site)).encode()
    return hashlib.blake2b(key, digest_size=10).hexdigest()


def conditional_page(
    etag: str,
    render: Callable[[], str],
    last_modified: datetime | None = None,
    *,
    replayable: bool = False,
) -> Response:
    """Answer 304 if the client has this version; else the page, rendered once per worker.

    The page is shared by every reader who asks for it (it carries no personal data):
    browsers revalidate it, a shared cache may keep it for a second (`shared`). The ETag is
    weak: each response gets its own form token, otherwise the bytes are the same.

    `replayable`: the ETag is made only of rows read through `freshness.current` (which
    note when the clock makes them stale) and `version_tag`'s hour, so while nothing is
    committed the same request gets the same 304, and revalidation.py may give it again
    without running the app.
    """
    response = shared(Response(mimetype="text/html"))
    response.set_etag(etag, weak=True)
    if last_modified is not None:
        response.last_modified = last_modified.replace(tzinfo=UTC)
    if request.if_none_match.contains_weak(etag):
        response.status_code = 304
        if replayable:
            freshness.note_replayable()
        return response
    response.set_data(page_cache().get_or_render(etag, render))
    return response


def shared_fragment(render: Callable[[], str], *parts: object) -> Markup:
    """A piece of HTML that is the same for everyone, rendered once per worker and version.

    Keyed by the parts themselves, the release and the language: answers are made of many
    such pieces (a comment each), so no hashing, and nothing in them expires by the hour.
    """
    key = ("fragment", *parts, current_app.config["RELEASE"], language())
    return Markup(page_cache().get_or_render(key, render).decode())
