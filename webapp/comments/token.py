"""Protection of the public comment form without a session cookie.

Readers who have not commented get no cookie. Flask-WTF's CSRF token lives in the
session, so the comment form uses this instead:

- The form carries a signed token naming the moment it was served. A post without a
  genuine token, or with one older than FORM_TOKEN_MAX_AGE, is refused (400); the same
  moment tells the spam guard how fast a form was filled in.
- Cross-site requests are refused by what browsers say about them: ``Sec-Fetch-Site``,
  else ``Origin``, else ``Referer`` must name this site. A page in a browser cannot forge
  those, and such pages are what CSRF attacks use.

Pages are rendered once and shared (webapp/caching.py), so templates render a
placeholder, and every HTML response is stamped with a fresh token as it leaves.
"""

from __future__ import annotations

import functools
import secrets
import time
from urllib.parse import urlsplit

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms.csrf.core import CSRF
from wtforms.validators import StopValidation

# htmx sends the token in this header too (hx-headers on the form).
HEADER = "X-Form-Token"
# What templates render where the token goes; unguessable, so reader text cannot hold it.
PLACEHOLDER = f"zirkel-form-token-{secrets.token_hex(12)}"
_PLACEHOLDER_BYTES = PLACEHOLDER.encode()
# The token field's error: never shown, the views say it in words (form.token_expired()).
EXPIRED = "expired"


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="zirkel.comment-form")


def issue_token(now: float | None = None) -> str:
    """A token for a form served now: the signed Unix time."""
    return _token(current_app.config["SECRET_KEY"], int(time.time() if now is None else now))


@functools.lru_cache(maxsize=4)
def _token(secret_key: str | bytes, second: int) -> str:
    # The same second signs to the same token: every page of a second gets it, signed once.
    return _serializer_for(secret_key).dumps(second)


def token_issued_at(token: str) -> int | None:
    """When a genuine token was issued (Unix time); None if forged."""
    try:
        issued = _serializer().loads(token)
    except BadSignature:
        return None
    return issued if isinstance(issued, int) else None


def stamp_tokens(response: Response) -> Response:
    """Put a fresh token where a page or fragment has the placeholder."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        body = response.get_data()
        if _PLACEHOLDER_BYTES in body:
            response.set_data(body.replace(_PLACEHOLDER_BYTES, issue_token().encode()))
    return response


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
    """WTForms CSRF with a session-less, signed, timed token (see the module's docstring)."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return PLACEHOLDER

    def validate_csrf_token(self, form, field) -> None:
        token = field.data or request.headers.get(HEADER, "")
        issued = token_issued_at(token)
        if issued is None or time.time() - issued > current_app.config["FORM_TOKEN_MAX_AGE"]:
            raise StopValidation(EXPIRED)
