"""Protection of the public comment form without a session cookie.

Readers who have not commented get no cookie, so every one of them receives the same
bytes and a shared cache may serve them. Flask-WTF's CSRF token lives in the session,
so the comment form uses this instead:

- The form carries a signed token naming the time window it was issued in (the same
  for every reader within one window, so pages stay identical). A post without a
  genuine token, or with one older than FORM_TOKEN_MAX_AGE, is refused (400).
- Cross-site requests are refused by what browsers say about them: ``Sec-Fetch-Site``,
  else ``Origin``, else ``Referer`` must name this site. Forging those is impossible
  for a page in a browser, which is who CSRF attacks use.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms.csrf.core import CSRF
from wtforms.validators import StopValidation

# htmx sends the token in this header too (hx-headers on the form).
HEADER = "X-Form-Token"
# A new token every WINDOW seconds: pages are identical for that long.
WINDOW = 300


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="zirkel.comment-form")


def issue_token(now: float | None = None) -> str:
    """The token for forms rendered now: a signed start of the current window."""
    now = time.time() if now is None else now
    return _serializer().dumps(int(now // WINDOW * WINDOW))


def token_issued_at(token: str) -> int | None:
    """When a genuine token was issued (window start, Unix time); None if forged."""
    try:
        issued = _serializer().loads(token)
    except BadSignature:
        return None
    return issued if isinstance(issued, int) else None


def is_cross_site() -> bool:
    """Whether the browser says this request comes from a page of another site."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        # No browser hint at all: not a browser, and so not a CSRF attack. A browser that
        # says "null" (a sandboxed frame, a file) is not trusted with a post.
        return source == "null"
    parts = urlsplit(source)
    return (parts.scheme, parts.netloc) != (request.scheme, request.host)


class FormTokenCSRF(CSRF):
    """WTForms CSRF with a session-less, windowed, signed token (see the module's docstring)."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return issue_token()

    def validate_csrf_token(self, form, field) -> None:
        token = field.data or request.headers.get(HEADER, "")
        issued = token_issued_at(token)
        max_age = current_app.config["FORM_TOKEN_MAX_AGE"]
        if issued is None or time.time() - issued > max_age + WINDOW:
            raise StopValidation("expired")
