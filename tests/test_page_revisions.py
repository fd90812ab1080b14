"""Revisions of pages: every save keeps the page as it was; editors compare and restore
them, exactly as for articles (the same machinery, webapp/revisions.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from editorial_helpers import form_as_sent, login, make_user
from helpers import soup
from webapp.extensions import db
from webapp.models import AuditEntry, Role
from webapp.pages import Page, PageRevision


@pytest.fixture
def editor(client, app):
    make_user(email="redaktion@example.org", role=Role.EDITOR)
    login(client, "redaktion@example.org")
    return client


def page_by_slug(slug: str) -> Page | None:
    db.session.expire_all()
    return db.session.scalar(select(Page).where(Page.slug == slug))


def kept(page_id: int) -> list[PageRevision]:
    """The page's revisions, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PageRevision)
            .where(PageRevision.page_id == page_id)
            .order_by(PageRevision.version)
        )
    )


def create(client, title: str, body: str, slug: str = "") -> Page:
    data = form_as_sent(client, "/verwaltung/seiten/neu")
    data.update(title=title, slug=slug, body=body)
    response = client.post("/verwaltung/seiten/neu", data=data)
    assert response.status_code == 303, response.text
    db.session.expire_all()
    return db.session.get(Page, int(response.headers["Location"].rsplit("/", 1)[-1]))


def save(client, page_id: int, **changes) -> None:
    url = f"/verwaltung/seiten/{page_id}"
    response = client.post(url, data={**form_as_sent(client, url), **changes})
    assert response.status_code == 303, response.text


def restore(client, page_id: int, revision_id: int):
    token = form_as_sent(client, f"/verwaltung/seiten/{page_id}")["csrf_token"]
    return client.post(
        f"/verwaltung/seiten/{page_id}/versionen/{revision_id}/wiederherstellen",
        data={"csrf_token": token},
    )


def test_an_editor_creates_edits_compares_and_restores_a_page(editor):
    page = create(editor, "Über uns", "Wir sind ein Verein.\n\nSeit 1990.")
    save(editor, page.id, body="Wir sind ein kleiner Verein.\n\nSeit 1990.")
    save(editor, page.id, title="Über den Verein", body="Ganz neu geschrieben.\n\nSeit 1990.")

    # “Versionen” on the page's form leads to the list.
    form = soup(editor.get(f"/verwaltung/seiten/{page.id}"))
    link = form.find("a", string="Versionen")
    assert link["href"] == f"/verwaltung/seiten/{page.id}/versionen"
    listing = editor.get(link["href"])
    assert listing.status_code == 200
    shown = soup(listing)
    assert shown.h1.get_text() == "Versionen von „Über den Verein“"
    assert shown.find("a", string="Zurück zur Seite")["href"] == f"/verwaltung/seiten/{page.id}"
    rows = shown.select("table.revisions tbody tr")
    assert len(rows) == 3
    assert "(aktuell)" in rows[0].get_text()
    assert "Über den Verein" in rows[0].get_text()
    assert "redaktion@example.org" in rows[0].get_text()
    assert "Über uns" in rows[2].get_text()

    # Compare the first and the last, as the list's form sends it.
    chooser = shown.find("form", method="get")
    choice = {r["name"]: r["value"] for r in chooser.select("input[type=radio][checked]")}
    first, second, last = kept(page.id)
    assert choice == {"alt": str(second.id), "neu": str(last.id)}, "the newest two by default"
    compare = chooser["action"]
    response = editor.get(compare, query_string={"alt": first.id, "neu": last.id})
    assert response.status_code == 200
    diff = soup(response)
    sections = {s.h2.get_text(): s for s in diff.select("section.diff")}
    assert list(sections) == ["Titel", "Text"], "only what changed, and nothing of articles"
    assert [d.get_text() for d in sections["Titel"].find_all("del")] == ["entfernt: uns"]
    assert [i.get_text() for i in sections["Titel"].find_all("ins")] == ["hinzugefügt: den Verein"]
    text = sections["Text"]
    assert "entfernt: Wir sind ein Verein." in [d.get_text() for d in text.find_all("del")]
    assert "hinzugefügt: Ganz neu geschrieben." in [i.get_text() for i in text.find_all("ins")]
    assert "Seit 1990." in text.get_text(), "the unchanged paragraph is shown as context"
    assert "Wiederherstellen holt Titel, Adresse und Text zurück." in diff.get_text()
    assert "Anreißer" not in diff.get_text()
    assert (
        diff.find("a", string="Alle Versionen")["href"] == f"/verwaltung/seiten/{page.id}/versionen"
    )

    # Restore the first: a new version, the replaced one kept.
    button = diff.find("button", string="Version 1 wiederherstellen")
    restore_url = button.find_parent("form")["action"]
    token = button.find_parent("form").find("input", {"name": "csrf_token"})["value"]
    restored = editor.post(restore_url, data={"csrf_token": token})
    assert restored.status_code == 303
    assert restored.headers["Location"].endswith(f"/verwaltung/seiten/{page.id}")
    assert (
        "Version 1 wurde wiederhergestellt."
        in soup(editor.get(restored.headers["Location"])).get_text()
    )

    page = page_by_slug("ueber-uns")
    assert (page.title, page.body, page.version) == ("Über uns", first.body, 4)
    assert [r.title for r in kept(page.id)] == [
        "Über uns",
        "Über uns",
        "Über den Verein",
        "Über uns",
    ]
    assert kept(page.id)[-1].restored_from == 1
    assert kept(page.id)[-1].user_email == "redaktion@example.org"
    listing = soup(editor.get(f"/verwaltung/seiten/{page.id}/versionen")).get_text()
    assert "wiederhergestellt aus Version 1" in listing
    # Readers see the restored text.
    public = editor.get("/seite/ueber-uns").text
    assert "Wir sind ein Verein." in public and "Ganz neu geschrieben." not in public


def test_a_restore_is_audited_like_an_articles(app, client):
    make_user(email="admin@example.org", role=Role.ADMIN)
    login(client, "admin@example.org")
    page = create(client, "Team", "Eins.")
    save(client, page.id, body="Zwei.")
    assert restore(client, page.id, kept(page.id)[0].id).status_code == 303
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "page.restore"))
    assert entry.subject == "Team"
    assert json.loads(entry.before) == {"version": 2}
    assert json.loads(entry.after) == {"version": 3, "restored": 1}
    assert "Seitenversion wiederhergestellt" in client.get("/verwaltung/protokoll").text


def test_a_shipped_page_keeps_its_text_from_before_versions_were_kept(editor):
    impressum = page_by_slug("impressum")
    shipped = impressum.body
    assert kept(impressum.id) == []
    assert "Noch keine Versionen" in editor.get(f"/verwaltung/seiten/{impressum.id}/versionen").text

    save(editor, impressum.id, body="Erika Mustermann\n\nMusterstraße 1")
    earlier, saved = kept(impressum.id)
    assert (earlier.note, earlier.body, earlier.user_email) == ("earlier", shipped, "")
    assert (saved.note, saved.body) == ("saved", "Erika Mustermann\n\nMusterstraße 1")
    rows = soup(editor.get(f"/verwaltung/seiten/{impressum.id}/versionen")).select("tbody tr")
    assert "wie die Seite war, bevor Versionen aufbewahrt wurden" in rows[1].get_text()

    assert restore(editor, impressum.id, earlier.id).status_code == 303
    assert "[Name des Betreibers bzw. der Organisation eintragen]" in editor.get("/impressum").text


def test_a_form_opened_before_a_restore_meets_the_version_check(editor):
    page = create(editor, "Kontakt", "Alt.")
    save(editor, page.id, body="Neu.")
    url = f"/verwaltung/seiten/{page.id}"
    opened = form_as_sent(editor, url)
    assert restore(editor, page.id, kept(page.id)[0].id).status_code == 303

    late = editor.post(url, data={**opened, "body": "Nach dem Öffnen getippt."})
    assert late.status_code == 409
    shown = soup(late)
    assert "Alt." in shown.select_one(".conflict").get_text()
    assert shown.find("a", href=f"/verwaltung/seiten/{page.id}/versionen")
    assert page_by_slug("kontakt").body == "Alt."
    assert len(kept(page.id)) == 3, "the refused save keeps nothing"


def test_restoring_brings_back_the_address_unless_another_page_took_it(editor):
    page = create(editor, "Verein", "Text.", slug="verein")
    save(editor, page.id, slug="club")
    first = kept(page.id)[0]
    assert restore(editor, page.id, first.id).status_code == 303
    assert page_by_slug("verein").id == page.id
    assert editor.get("/seite/verein").status_code == 200

    save(editor, page.id, slug="club")
    create(editor, "Anderer Verein", "Anderes.", slug="verein")
    response = restore(editor, page.id, first.id)
    assert response.status_code == 303
    message = soup(editor.get(response.headers["Location"])).get_text()
    assert "Eine andere Seite hat die Adresse inzwischen übernommen" in message
    assert page_by_slug("club").id == page.id
    assert "Anderes." in editor.get("/seite/verein").text


def test_a_version_of_another_page_is_not_found(editor):
    one = create(editor, "Eins", "Text eins.")
    other = create(editor, "Zwei", "Text zwei.")
    save(editor, other.id, title="Fremd")
    foreign = kept(other.id)[0]
    response = restore(editor, one.id, foreign.id)
    assert response.status_code == 404
    assert "Diese Version der Seite gibt es nicht." in response.text
    compared = editor.get(
        f"/verwaltung/seiten/{one.id}/versionen/vergleich",
        query_string={"alt": foreign.id, "neu": kept(one.id)[0].id},
    )
    assert compared.status_code == 404
    assert page_by_slug("eins").title == "Eins"


def test_pruning_keeps_the_newest_versions_of_pages_too(app, client):
    make_user(email="admin@example.org", role=Role.ADMIN)
    login(client, "admin@example.org")
    page = create(client, "Fassung 0", "Text.", slug="fassungen")
    for n in range(1, 5):
        save(client, page.id, title=f"Fassung {n}")
    assert len(kept(page.id)) == 5

    settings = form_as_sent(client, "/verwaltung/einstellungen")
    response = client.post("/verwaltung/einstellungen", data={**settings, "revisions_kept": "2"})
    assert response.status_code == 303
    assert [r.title for r in kept(page.id)] == ["Fassung 3", "Fassung 4"]

    save(client, page.id, title="Fassung 5")
    assert [r.title for r in kept(page.id)] == ["Fassung 4", "Fassung 5"]
    assert restore(client, page.id, kept(page.id)[0].id).status_code == 303
    assert [r.title for r in kept(page.id)] == ["Fassung 5", "Fassung 4"]


def test_deleting_a_page_deletes_its_versions(editor):
    page = create(editor, "Vergänglich", "Eins.")
    save(editor, page.id, body="Zwei.")
    keep_alive = create(editor, "Bleibt", "Bleibt.")
    delete = f"/verwaltung/seiten/{page.id}/loeschen"
    token = soup(editor.get(delete)).find("input", {"name": "csrf_token"})["value"]
    assert editor.post(delete, data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Page, page.id) is None
    remaining = db.session.scalars(select(PageRevision.page_id))
    assert set(remaining) == {keep_alive.id}
    assert editor.get(f"/verwaltung/seiten/{page.id}/versionen").status_code == 404


def test_what_editors_typed_into_a_page_version_is_shown_as_text(editor):
    page = create(editor, "Sicher", "Harmlos.", slug="sicher")
    save(editor, page.id, title='<script>alert("x")</script>', body="<img src=x onerror=alert(1)>")
    old, new = kept(page.id)
    for url in (
        f"/verwaltung/seiten/{page.id}/versionen",
        f"/verwaltung/seiten/{page.id}/versionen/vergleich?alt={old.id}&neu={new.id}",
    ):
        html = editor.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_moderators_see_no_page_versions(app, client):
    make_user(email="mod@example.org", role=Role.MODERATOR)
    login(client, "mod@example.org")
    impressum = page_by_slug("impressum")
    assert client.get(f"/verwaltung/seiten/{impressum.id}/versionen").status_code == 403


def test_a_new_page_starts_with_one_version(editor):
    page = create(editor, "Ganz neu", "Text.", slug="ganz-neu")
    assert [(r.title, r.slug, r.version, r.note) for r in kept(page.id)] == [
        ("Ganz neu", "ganz-neu", 1, "saved")
    ]
    assert db.session.scalar(select(func.count()).select_from(PageRevision)) == 1
