"""Response headers that keep pages from being abused, and cookies that stay put."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface


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
    def add(response: Response) -> Response:
        # A view may set its own (the e-mail-link page sends no referrer at all).
        # `in`, not setdefault(): the latter builds an HTTP exception for every miss.
        for name, value in headers.items():
            if name not in response.headers:
                response.headers[name] = value
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    return add


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def register(app: Flask) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.session_interface = SessionInterface()
    app.after_request(_add_security_headers(security_headers(app.config["FRAME_ANCESTORS"])))
