"""Response headers that keep pages from being abused, and cookies that stay put."""

from __future__ import annotations

import flask
from flask import Flask, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

from .caching import add_vary


def content_security_policy(frame_ancestors: str) -> str:
    """Only this site's own scripts, styles, images and forms; no inline code at all.

    htmx is configured (meta htmx-config) to need neither eval nor inline styles.
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",  # data: for the empty favicon
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def security_headers(frame_ancestors: str) -> dict[str, str]:
    """The headers every response gets, worked out once."""
    headers = {
        "Content-Security-Policy": content_security_policy(frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    }
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    return headers


def _add_security_headers(headers: dict[str, str]):
    by_name = {name.lower(): (name, value) for name, value in headers.items()}

    def add(response: Response) -> Response:
        # A view may set its own (the e-mail-link page sends no referrer at all). One pass
        # over the response's few headers: asking `name in response.headers` for each
        # would build and throw an exception per missing name, on every answer.
        missing = dict(by_name)
        for name, _value in response.headers:
            missing.pop(name.lower(), None)
        response.headers.extend(missing.values())
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    return add


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    # Most requests (every reader's) bring no session cookie and leave without one. Flask
    # opens and saves the session on each of them all the same, building its signer both
    # times; these answer such a request the same without it.

    def open_session(self, app: Flask, request: flask.Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:
            if session.accessed:
                add_vary(response, "Cookie")
            return
        super().save_session(app, session, response)


def register(app: Flask) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.session_interface = SessionInterface()
    app.after_request(_add_security_headers(security_headers(app.config["FRAME_ANCESTORS"])))
