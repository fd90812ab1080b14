"""Absolute addresses, for what leaves the page: mails, feeds, sitemaps, canonical links
and the tags other sites read (OpenGraph, JSON-LD).

On ZIRKEL_SITE_URL if it is set, else on the host the request named. Set SITE_URL in
production: a request with a forged Host header could otherwise put another site into
the links a mail carries (pages and feeds are safe either way: the address is part of
their cache key, caching.version_tag).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for


def absolute(path: str) -> str:
    """An absolute address for a path of this site ("/media/…")."""
    base = current_app.config["SITE_URL"] or request.host_url
    return str(base).rstrip("/") + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """url_for, absolute."""
    return absolute(url_for(endpoint, **values))


def register(app: Flask) -> None:
    app.add_template_global(absolute)
    app.add_template_global(absolute_url)
