"""The shipped nginx config in front of gunicorn: pages, static files and posting work."""

from __future__ import annotations

import gzip
import http.client
import re
import urllib.parse
import urllib.request
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from test_concurrency import stored_comments

from servers import run_nginx

pytestmark = pytest.mark.live

ARTICLE = (
    "/artikel/jubilaeumsveranstaltung-des-kommunalen-qualitaetszirkels-zur-integrationspolitik"
)


@pytest.fixture(scope="module")
def site(run_gunicorn, tmp_path_factory):
    """gunicorn trusting one proxy hop, behind nginx with deploy/nginx-zirkel.conf."""
    instance = tmp_path_factory.mktemp("nginx-app")
    with run_gunicorn(instance, ZIRKEL_TRUSTED_PROXIES="1") as app:
        port = urlsplit(app.url).port
        with run_nginx(tmp_path_factory.mktemp("nginx"), port, instance) as url:
            yield url, app


def request(url: str, path: str, method: str = "GET", body: bytes | None = None, **headers):
    """One request without following redirects; returns status, headers and body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_pages_come_through_nginx(site):
    url, _ = site
    status, headers, body = request(url, ARTICLE)
    assert status == 200
    page = BeautifulSoup(body.decode(), "html.parser")
    assert page.find(id="kommentar-anzahl").get_text().endswith("Kommentare")
    assert "Server" not in headers or "nginx/" not in headers["Server"], "no version shown"


def test_static_files_are_served_by_nginx_cached_and_compressed(site):
    url, _ = site
    _, _, body = request(url, ARTICLE)
    css = re.search(rb'href="(/static/css/site\.css\?v=\w+)"', body).group(1).decode()

    status, headers, content = request(url, css, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert b".comment-list" in gzip.decompress(content)

    status, headers, _ = request(url, css.split("?")[0])
    assert (status, headers["Cache-Control"]) == (200, "no-cache")


def test_uploaded_photos_are_served_by_nginx(site):
    url, _ = site
    _, _, body = request(url, ARTICLE)
    photo = re.search(rb'src="(/medien/\w+-\d+\.jpg)"', body).group(1).decode()
    status, headers, content = request(url, photo)
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert content.startswith(b"\xff\xd8")


def test_posting_works_through_nginx_for_htmx_and_plain_forms(site):
    url, app = site
    _, _, body = request(url, ARTICLE)
    token = BeautifulSoup(body.decode(), "html.parser").find("input", {"name": "csrf_token"})
    form = {"name": "Über Nginx", "email": "nginx@example.org", "csrf_token": token["value"]}
    origin = {"Origin": url, "Content-Type": "application/x-www-form-urlencoded"}

    plain = urllib.parse.urlencode({**form, "text": "Ohne Skript"}).encode()
    status, headers, _ = request(url, ARTICLE + "/kommentare", "POST", plain, **origin)
    assert status == 303
    assert re.fullmatch(re.escape(ARTICLE) + r"#kommentar-\d+", headers["Location"])

    htmx = urllib.parse.urlencode({**form, "text": "Mit htmx"}).encode()
    status, _, body = request(
        url, ARTICLE + "/kommentare", "POST", htmx, **origin, **{"HX-Request": "true"}
    )
    assert status == 200
    assert b"Mit htmx" in body

    texts, _ = stored_comments(app)
    assert texts == ["Ohne Skript", "Mit htmx"]


def test_a_post_from_another_site_is_refused_through_nginx(site):
    url, _ = site
    body = b"name=A&email=a%40example.org&text=B&csrf_token=x"
    status, _, _ = request(
        url,
        ARTICLE + "/kommentare",
        "POST",
        body,
        Origin="https://evil.example",
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403
