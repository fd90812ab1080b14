"""One place that knows about htmx requests."""

from __future__ import annotations

from flask import Response, request

from .caching import add_vary


def is_htmx() -> bool:
    """Whether htmx sent this request (and will swap what we answer)."""
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """Whether to answer with a fragment rather than the whole page.

    Boosted links and history restores want a whole page even though htmx sends them.
    """
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


# What is_partial() reads: a shared cache must keep a copy per combination.
PARTIAL_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def vary_on_htmx(response: Response) -> Response:
    """Mark a response whose body depends on is_partial(), so caches keep both."""
    return add_vary(response, *PARTIAL_HEADERS)
