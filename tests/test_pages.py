"""Pages: the shipped Impressum and Datenschutz, the footer's links, editing them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from editorial_helpers import form_as_sent, login, make_user
from factories import make_article
from helpers import soup
from webapp.extensions import db
from webapp.models import AuditEntry
from webapp.pages import Page


def page_by_slug(slug: str) -> Page:
    db.session.remove()
    return db.session.scalar(select(Page).where(Page.slug == slug))


def footer_links(response) -> dict[str, str]:
    return {a.get_text(strip=True): a["href"] for a in soup(response).select("footer a")}


@pytest.fixture
def editor(client):
    make_user()
    login(client)
    return client


def test_the_shipped_pages_exist_with_placeholders_to_fill_in(app, client):
    for address, title in (("/impressum", "Impressum"), ("/datenschutz", "Datenschutz")):
        response = client.get(address)
        assert response.status_code == 200
        page = soup(response)
        assert page.h1.get_text() == title
        assert "eintragen]" in page.select_one("main").get_text()
    assert "[Name und Anschrift des Betreibers eintragen]" in client.get("/datenschutz").text


def test_the_footer_links_both_pages_on_public_and_editorial_pages(app, editor):
    make_article()
    for url in ("/", "/verwaltung/seiten"):
        links = footer_links(editor.get(url))
        assert links["Impressum"] == "/impressum"
        assert links["Datenschutz"] == "/datenschutz"


def test_seite_of_a_footer_page_answers_301_and_unknown_pages_a_german_404(app, client):
    response = client.get("/seite/impressum")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/impressum")
    missing = client.get("/seite/gibt-es-nicht")
    assert missing.status_code == 404
    assert "Unter dieser Adresse gibt es keine Seite." in missing.text


def test_the_privacy_page_names_the_days_networks_are_kept(app, client):
    app.config["KEEP_NETWORK_DAYS"] = 17
    text = soup(client.get("/datenschutz")).select_one("main").get_text()
    assert "nach 17 Tagen automatisch gelöscht" in text
    assert "{tage}" not in text
    for word in ("zirkel_eigene_kommentare", "zirkel_name", "session", "/24", "/48"):
        assert word in text
    assert soup(client.get("/datenschutz")).find("a", href="/meine-daten")


def test_the_comment_form_links_to_the_privacy_page(app, client):
    article = make_article()
    form = soup(client.get(f"/artikel/{article.slug}")).select_one("#kommentar-formular")
    link = form.find("a", href="/datenschutz")
    assert link is not None and link.get_text() == "Datenschutz"
    assert "Was wir speichern:" in link.parent.get_text()


def test_editing_a_page_saves_and_is_audited(app, editor):
    page = page_by_slug("impressum")
    url = f"/verwaltung/seiten/{page.id}"
    data = form_as_sent(editor, url)
    data["body"] = "Erika Mustermann\n\nMusterstraße 1"
    response = editor.post(url, data=data)
    assert response.status_code == 303
    assert "Musterstraße 1" in editor.get("/impressum").text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "page.save"))
    assert entry.subject == "Impressum"
    assert json.loads(entry.after)["version"] == page.version + 1


def test_a_form_opened_before_another_save_is_a_conflict(app, editor):
    page = page_by_slug("datenschutz")
    url = f"/verwaltung/seiten/{page.id}"
    first, second = form_as_sent(editor, url), form_as_sent(editor, url)
    first["body"] = "Erste Fassung"
    second["body"] = "Zweite Fassung"
    assert editor.post(url, data=first).status_code == 303
    late = editor.post(url, data=second)
    assert late.status_code == 409
    shown = soup(late)
    assert "Erste Fassung" in shown.select_one(".conflict").get_text()
    assert "Zweite Fassung" in shown.find("textarea", {"name": "body"}).get_text()
    assert page_by_slug("datenschutz").body == "Erste Fassung"


def test_a_footer_page_keeps_its_address(app, editor):
    page = page_by_slug("impressum")
    url = f"/verwaltung/seiten/{page.id}"
    data = form_as_sent(editor, url)
    data["slug"] = "anbieter"
    response = editor.post(url, data=data)
    assert response.status_code == 422
    assert soup(response).select_one("#slug-fehler")
    assert page_by_slug("impressum") is not None


def test_the_impressum_cannot_be_deleted(app, editor):
    page = page_by_slug("impressum")
    url = f"/verwaltung/seiten/{page.id}/loeschen"
    token = soup(editor.get("/verwaltung/seiten/neu")).find("input", {"name": "csrf_token"})
    response = editor.post(url, data={"csrf_token": token["value"]})
    assert response.status_code == 409
    assert "kann nicht gelöscht werden" in response.text
    assert page_by_slug("impressum") is not None


def test_an_added_page_can_be_deleted(app, editor):
    data = form_as_sent(editor, "/verwaltung/seiten/neu")
    data.update(title="Über uns", slug="", body="Wir sind ein **Verein**.")
    response = editor.post("/verwaltung/seiten/neu", data=data)
    assert response.status_code == 303
    shown = editor.get("/seite/ueber-uns")
    assert shown.status_code == 200
    assert "<strong>Verein</strong>" in shown.text
    page = page_by_slug("ueber-uns")
    delete = f"/verwaltung/seiten/{page.id}/loeschen"
    token = soup(editor.get(delete)).find("input", {"name": "csrf_token"})["value"]
    assert editor.post(delete, data={"csrf_token": token}).status_code == 303
    assert editor.get("/seite/ueber-uns").status_code == 404
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"page.create", "page.delete"} <= actions


def test_nothing_typed_into_a_page_executes(app, editor):
    data = form_as_sent(editor, "/verwaltung/seiten/neu")
    data.update(
        title="<script>alert(1)</script>",
        slug="xss",
        body="<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n\n"
        "[x](javascript:alert(4))",
    )
    assert editor.post("/verwaltung/seiten/neu", data=data).status_code == 303
    shown = editor.get("/seite/xss")
    page = soup(shown)
    assert page.h1.get_text() == "<script>alert(1)</script>"
    main = page.select_one("main")
    assert not main.find("script") and not main.find("img")
    assert not any(a["href"].startswith("javascript") for a in main.select("a[href]"))
    assert not main.select("[onerror]")


def test_moderators_may_not_edit_pages(app, client):
    make_user(email="mod@example.org", role="moderation")
    login(client, "mod@example.org")
    assert client.get("/verwaltung/seiten").status_code == 403


def test_editors_find_pages_in_the_menu_and_the_log_names_the_change(app, client):
    make_user(email="admin@example.org", role="admin")
    login(client, "admin@example.org")
    nav = soup(client.get("/verwaltung/")).select_one("nav.editorial-nav")
    assert nav.find("a", href="/verwaltung/seiten").get_text() == "Seiten"
    page = page_by_slug("impressum")
    url = f"/verwaltung/seiten/{page.id}"
    data = form_as_sent(client, url)
    data["title"] = "Impressum "
    assert client.post(url, data=data).status_code == 303
    assert "Seite gespeichert" in client.get("/verwaltung/protokoll").text
