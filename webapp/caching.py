"""Reuse what is shared: rendered pages, kept per worker, keyed by what they show.

Keys name the versions of everything a page shows (the article's update time, its
comment version, the release …), read from the database on every request. So a new or
changed comment makes a new key in every worker at once and nothing stale is served;
old entries simply fall out of the size-bounded LRU.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from datetime import UTC, datetime

from cachetools import LRUCache
from flask import Flask, Response, current_app, request
from markupsafe import Markup

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


def version_tag(*parts: object) -> str:
    """An ETag value from the versions a response shows, plus the release and language.

    It also changes every hour, so that a browser's copy of a form never carries a
    token older than that (see comments/token.py). And it names the site's address
    (ZIRKEL_SITE_URL, else the host the request named): pages and feeds hold absolute
    links, and a request with a forged Host header must not put its host into the copy
    every other reader gets.
    """
    hour = int(time.time() // 3600)
    site = current_app.config["SITE_URL"] or request.host_url
    key = repr((*parts, current_app.config["RELEASE"], language(), hour, site)).encode()
    return hashlib.blake2b(key, digest_size=10).hexdigest()


def conditional_page(
    etag: str, render: Callable[[], str], last_modified: datetime | None = None
) -> Response:
    """Answer 304 if the client has this version; else the page, rendered once per worker.

    The page is shared by every reader who asks for it (it carries no personal data),
    so it is marked for revalidation rather than private caching. The ETag is weak: each
    response gets its own form token, otherwise the bytes are the same.
    """
    response = Response(mimetype="text/html")
    response.set_etag(etag, weak=True)
    if last_modified is not None:
        response.last_modified = last_modified.replace(tzinfo=UTC)
    response.cache_control.no_cache = True
    if request.if_none_match.contains_weak(etag):
        response.status_code = 304
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
