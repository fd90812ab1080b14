"""Previews: editors see drafts and scheduled articles as they will look, and can share a
secret link that expires; publishing does what its button says."""

from __future__ import annotations

import time
import types
from datetime import timedelta

import pytest

from editorial_helpers import form_as_sent, login, make_user
from factories import make_article
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, utcnow


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    return client


def later(monkeypatch, days: float):
    """Signed tokens (itsdangerous) see a clock this many days ahead."""
    clock = types.SimpleNamespace(time=lambda: time.time() + days * 24 * 3600)
    monkeypatch.setattr("itsdangerous.timed.time", clock)


@pytest.mark.parametrize(
    ("published", "says"),
    [(None, "ein Entwurf"), (timedelta(days=3), "geplant: Leserinnen und Leser sehen")],
)
def test_editors_see_an_unpublished_article_as_it_will_look(editor, published, says):
    when = utcnow() + published if published else None
    article = make_article(title="Noch geheim", body="Der **Text**.", published_at=when)
    slug = article.slug
    assert editor.get(f"/artikel/{slug}").status_code == 404, "readers see nothing"

    edit_page = soup(editor.get(f"/verwaltung/artikel/{article.id}"))
    link = edit_page.find("a", string="Vorschau ansehen")
    response = editor.get(link["href"])
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text() == "Noch geheim"
    assert page.select_one(".body strong").get_text() == "Text"
    assert says in page.select_one(".preview-banner").get_text()
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response.headers["Cache-Control"]
    assert page.select_one("form.comment-form") is None
    assert "sobald der Artikel veröffentlicht ist" in page.select_one(".comments").get_text()


def test_the_preview_is_for_editors_only(client, app):
    article = make_article(published_at=None)
    response = client.get(f"/verwaltung/artikel/{article.id}/ansehen")
    assert response.status_code == 302
    assert "/verwaltung/anmelden" in response.headers["Location"]


def test_a_secret_link_shows_the_article_to_someone_without_an_account(app, editor, monkeypatch):
    article = make_article(title="Interview", body="Vorab zur Freigabe.", published_at=None)
    form = form_as_sent(editor, f"/verwaltung/artikel/{article.id}")
    made = editor.post(
        f"/verwaltung/artikel/{article.id}/vorschau-link", data={"csrf_token": form["csrf_token"]}
    )
    assert made.status_code == 200
    link = soup(made).find("input", id="vorschau-link")["value"]
    assert link.startswith("http://localhost/vorschau/")
    address = link.removeprefix("http://localhost")

    stranger = app.test_client()
    response = stranger.get(address)
    assert response.status_code == 200
    page = soup(response)
    assert "Vorab zur Freigabe." in page.select_one(".body").get_text()
    assert "Dieser Vorschau-Link gilt bis" in page.select_one(".preview-banner").get_text()
    assert "Zurück zur Bearbeitung" not in page.get_text()
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    assert stranger.get(f"/artikel/{article.slug}").status_code == 404

    assert stranger.get(address[:-3] + "abc").status_code == 404
    later(monkeypatch, 8)
    expired = stranger.get(address)
    assert expired.status_code == 410
    assert "Dieser Vorschau-Link ist abgelaufen." in expired.get_data(as_text=True)


def test_publish_now_publishes_a_scheduled_article_now(editor):
    article = make_article(published_at=utcnow() + timedelta(days=5))
    url = f"/verwaltung/artikel/{article.id}"
    page = soup(editor.get(url))
    assert page.find("button", string="Jetzt veröffentlichen") is not None
    response = editor.post(url, data={**form_as_sent(editor, url), "aktion": "veroeffentlichen"})
    assert response.status_code == 303
    db.session.expire_all()
    published = db.session.get(Article, article.id)
    assert published.published_at <= utcnow()
    assert editor.get(f"/artikel/{published.slug}").status_code == 200


def test_the_form_says_a_withdrawn_article_comes_back_under_its_date(editor):
    article = make_article()
    url = f"/verwaltung/artikel/{article.id}"
    editor.post(url, data={**form_as_sent(editor, url), "aktion": "zurueckziehen"})
    hint = soup(editor.get(url)).find(id="frueheres-datum").get_text()
    assert "unter seinem ursprünglichen Datum" in hint


def test_the_photo_credit_says_what_the_page_adds(editor):
    article = make_article()
    url = f"/verwaltung/artikel/{article.id}"
    page = soup(editor.get(url))
    assert "„Foto: “ davor" in page.find(id="photo_credit-hinweis").get_text()
    editor.post(url, data={**form_as_sent(editor, url), "photo_credit": "Foto: Stadtarchiv"})
    db.session.expire_all()
    saved = db.session.get(Article, article.id)
    assert saved.photo_credit == "Stadtarchiv"
    html = editor.get(f"/artikel/{saved.slug}").get_data(as_text=True)
    assert "Foto: Stadtarchiv" in html and "Foto: Foto:" not in html
