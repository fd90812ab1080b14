"""Fingerprinted static URLs: `static_url("css/site.css")` -> /static/css/site.css?v=<hash>.

A URL that names the file's content can be cached for a year and never revalidated;
a new release changes the hash and so the URL. RELEASE names the whole release
(templates, static files, translations) for ETags of rendered pages.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

ONE_YEAR = 365 * 24 * 60 * 60


@cache
def _digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()


def static_url(filename: str) -> str:
    """The URL of a static file, with its content's hash as its version."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_digest(path))


# Settings that change what a page shows: a restart with another value is a new release,
# so no browser keeps a page made with the old one.
PAGE_SETTINGS = (
    "SITE_NAME",
    "SITE_DESCRIPTION",
    "ARTICLES_PER_PAGE",
    "COMMENTS_PER_PAGE",
    "REPLY_DEPTH",
    "EDIT_MINUTES",
    "POLL_SECONDS",
    "AVATARS",
    "BABEL_DEFAULT_LOCALE",
    "BABEL_DEFAULT_TIMEZONE",
)


def release_id(app: Flask) -> str:
    """A hash over everything that shapes a rendered page besides the data."""
    h = hashlib.blake2b(digest_size=6)
    h.update(repr([app.config.get(name) for name in PAGE_SETTINGS]).encode())
    roots = [
        Path(app.template_folder),
        Path(app.static_folder),
        Path(app.root_path) / "translations",
    ]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_forever(response: Response) -> Response:
    """Let browsers and proxies keep a response for a year without asking again.

    Only for URLs that name their content (a hash), so a change is a new URL.
    """
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response


def _cache_static(response: Response) -> Response:
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        return cache_forever(response)
    return response


def register(app: Flask) -> None:
    app.config["RELEASE"] = release_id(app)
    app.add_template_global(static_url)
    app.after_request(_cache_static)
