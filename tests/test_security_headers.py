"""Headers every response carries: a strict CSP, no sniffing, no framing, HSTS on HTTPS."""

from __future__ import annotations

from apps import make_app
from factories import make_article
from webapp.extensions import db


def test_pages_carry_a_strict_content_security_policy(client, app):
    article = make_article()
    response = client.get(f"/artikel/{article.slug}")
    policy = response.headers["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers


def test_no_inline_script_or_style_in_pages(client, app):
    """The CSP forbids inline code, so the pages must not need any."""
    article = make_article()
    html = client.get(f"/artikel/{article.slug}").get_data(as_text=True)
    assert "<script>" not in html and "<style" not in html
    assert " style=" not in html and " onclick=" not in html and "hx-on" not in html


def test_https_gets_hsts_and_secure_cookies(client, app):
    response = client.get("/verwaltung/anmelden", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_plain_http_cookies_are_not_secure_but_http_only(client, app):
    cookie = client.get("/verwaltung/anmelden").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_embedding_can_be_allowed(tmp_path, database_url, app):
    db.session.commit()
    embeddable = make_app(
        tmp_path, DATABASE_URL=database_url, FRAME_ANCESTORS="'self' https://portal.example.org"
    )
    response = embeddable.test_client().get("/")
    assert (
        "frame-ancestors 'self' https://portal.example.org"
        in response.headers["Content-Security-Policy"]
    )
    assert "X-Frame-Options" not in response.headers
    with embeddable.app_context():
        db.engine.dispose()
