"""Revisions: every save keeps the article as it was; editors compare and restore them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from editorial_helpers import form_as_sent, login, make_user
from factories import make_article, make_author
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, ArticleRevision, Role


@pytest.fixture
def editor(client, app):
    make_user(email="redaktion@example.org", role=Role.EDITOR)
    login(client, "redaktion@example.org")
    return client


def save(client, article_id: int, **changes) -> None:
    url = f"/verwaltung/artikel/{article_id}"
    response = client.post(url, data={**form_as_sent(client, url), **changes})
    assert response.status_code == 303, response.get_data(as_text=True)


def revisions(article_id: int) -> list[ArticleRevision]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.version)
        )
    )


def test_every_save_keeps_a_version_with_who_and_what(editor):
    article = make_article(title="Der Anfang", body="Erster Absatz.")
    save(editor, article.id, title="Die Mitte")
    save(editor, article.id, title="Das Ende", body="Erster Absatz.\n\nNeuer Absatz.")

    kept = revisions(article.id)
    # What it was before revisions were kept, then each save.
    assert [r.title for r in kept] == ["Der Anfang", "Die Mitte", "Das Ende"]
    assert [r.note for r in kept] == ["earlier", "saved", "saved"]
    assert [r.user_email for r in kept] == ["", "redaktion@example.org", "redaktion@example.org"]
    assert kept[-1].version == db.session.get(Article, article.id).version

    page = soup(editor.get(f"/verwaltung/artikel/{article.id}/versionen"))
    rows = page.select("table.revisions tbody tr")
    assert len(rows) == 3
    assert "(aktuell)" in rows[0].get_text()
    assert "Das Ende" in rows[0].get_text() and "redaktion@example.org" in rows[0].get_text()
    assert "wie er war, bevor Versionen aufbewahrt wurden" in rows[2].get_text()


def test_the_comparison_shows_what_was_removed_and_added(editor):
    article = make_article(title="Haushalt 2026", body="Die Stadt plant neu.\n\nZweiter Absatz.")
    save(editor, article.id, body="Die Stadt plant anders.\n\nZweiter Absatz.\n\nDritter.")
    old, new = revisions(article.id)

    response = editor.get(
        f"/verwaltung/artikel/{article.id}/versionen/vergleich?alt={old.id}&neu={new.id}"
    )
    assert response.status_code == 200
    page = soup(response)
    sections = {s.h2.get_text(): s for s in page.select("section.diff")}
    assert list(sections) == ["Text"], "only what changed is shown"
    body = sections["Text"]
    assert [d.get_text() for d in body.find_all("del")] == ["entfernt: neu."]
    assert [i.get_text() for i in body.find_all("ins")] == [
        "hinzugefügt: anders.",
        "hinzugefügt: Dritter.",
    ]
    assert "Entfernter Text ist durchgestrichen" in page.get_text()

    # Same pair the other way round: still old → new.
    swapped = soup(
        editor.get(
            f"/verwaltung/artikel/{article.id}/versionen/vergleich?alt={new.id}&neu={old.id}"
        )
    )
    assert [d.get_text() for d in swapped.select("section.diff del")] == ["entfernt: neu."]


def test_restoring_a_version_brings_it_back_and_keeps_the_replaced_one(editor):
    article = make_article(title="Original", teaser="Erster Anreißer", body="Urtext.")
    save(editor, article.id, title="Verschlimmbessert", teaser="Zweiter", body="Anderer Text.")
    first = revisions(article.id)[0]

    response = editor.post(
        f"/verwaltung/artikel/{article.id}/versionen/{first.id}/wiederherstellen",
        data={
            "csrf_token": form_as_sent(editor, f"/verwaltung/artikel/{article.id}")["csrf_token"]
        },
    )
    assert response.status_code == 303
    page = soup(editor.get(response.headers["Location"]))
    assert "Version 1 wurde wiederhergestellt." in page.get_text()

    db.session.expire_all()
    restored = db.session.get(Article, article.id)
    slug = restored.slug
    assert (restored.title, restored.teaser, restored.body) == (
        "Original",
        "Erster Anreißer",
        "Urtext.",
    )
    kept = revisions(article.id)
    assert [r.title for r in kept] == ["Original", "Verschlimmbessert", "Original"]
    assert kept[-1].restored_from == 1
    listing = soup(editor.get(f"/verwaltung/artikel/{article.id}/versionen")).get_text()
    assert "wiederhergestellt aus Version 1" in listing

    # The restored text is what readers see.
    assert "Urtext." in editor.get(f"/artikel/{slug}").get_data(as_text=True)


def test_a_version_of_another_article_is_not_found(editor):
    one, other = make_article(), make_article()
    save(editor, other.id, title="Fremd")
    foreign = revisions(other.id)[0]
    csrf = form_as_sent(editor, f"/verwaltung/artikel/{one.id}")["csrf_token"]
    response = editor.post(
        f"/verwaltung/artikel/{one.id}/versionen/{foreign.id}/wiederherstellen",
        data={"csrf_token": csrf},
    )
    assert response.status_code == 404
    assert db.session.get(Article, one.id).title != "Fremd"


def test_what_editors_typed_into_a_version_is_shown_as_text(editor):
    article = make_article(title="Sicher")
    url = f"/verwaltung/artikel/{article.id}"
    data = {
        **form_as_sent(editor, url),
        "title": '<script>alert("x")</script>',
        "body": "<img src=x onerror=alert(1)>",
    }
    asked = soup(editor.post(url, data=data))  # the page says what it would drop: confirmed
    confirmed = asked.find("input", attrs={"name": "verworfenes_bestaetigt"})["value"]
    assert editor.post(url, data={**data, "verworfenes_bestaetigt": confirmed}).status_code == 303
    old, new = revisions(article.id)
    html = editor.get(
        f"/verwaltung/artikel/{article.id}/versionen/vergleich?alt={old.id}&neu={new.id}"
    ).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_republishing_keeps_the_original_date(editor):
    article = make_article(published_at=datetime(2024, 6, 15, 8, 0))
    save(editor, article.id, aktion="zurueckziehen")
    assert db.session.get(Article, article.id).published_at is None
    form = form_as_sent(editor, f"/verwaltung/artikel/{article.id}")
    assert form["published_at"] == ""
    save(editor, article.id, aktion="veroeffentlichen")
    db.session.expire_all()
    assert db.session.get(Article, article.id).published_at == datetime(2024, 6, 15, 8, 0)


def test_a_date_the_editor_types_wins_over_the_original(editor):
    article = make_article(published_at=datetime(2024, 6, 15, 8, 0))
    save(editor, article.id, aktion="zurueckziehen")
    save(editor, article.id, aktion="veroeffentlichen", published_at="2025-01-02T10:00")
    db.session.expire_all()
    # 10:00 in Berlin is 09:00 UTC in winter.
    assert db.session.get(Article, article.id).published_at == datetime(2025, 1, 2, 9, 0)


def test_pruning_keeps_the_newest_versions(app, client):
    make_user(email="admin@example.org", role=Role.ADMIN)
    login(client, "admin@example.org")
    make_author()
    article = make_article(title="Fassung 0")
    for n in range(1, 6):
        save(client, article.id, title=f"Fassung {n}")
    assert len(revisions(article.id)) == 6

    settings = form_as_sent(client, "/verwaltung/einstellungen")
    response = client.post("/verwaltung/einstellungen", data={**settings, "revisions_kept": "3"})
    assert response.status_code == 303
    assert [r.title for r in revisions(article.id)] == ["Fassung 3", "Fassung 4", "Fassung 5"]

    save(client, article.id, title="Fassung 6")
    assert [r.title for r in revisions(article.id)] == ["Fassung 4", "Fassung 5", "Fassung 6"]


def test_a_new_article_starts_with_one_version(editor):
    make_author()
    data = form_as_sent(editor, "/verwaltung/artikel/neu")
    response = editor.post(
        "/verwaltung/artikel/neu", data={**data, "title": "Ganz neu", "body": "Text."}
    )
    assert response.status_code == 303
    article = db.session.scalar(select(Article))
    kept = revisions(article.id)
    assert [(r.title, r.version, r.note) for r in kept] == [("Ganz neu", 1, "saved")]
    assert kept[0].author_name == db.session.get(Article, article.id).author.name
    assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 1


def test_the_article_versions_speak_of_the_article(editor):
    """Pages share these screens (test_page_revisions.py); an article's still name it."""
    article = make_article(title="Eigen", teaser="Anreißer eins")
    save(editor, article.id, teaser="Anreißer zwei")
    old, new = revisions(article.id)
    listing = soup(editor.get(f"/verwaltung/artikel/{article.id}/versionen"))
    back = listing.find("a", string="Zurück zum Artikel")
    assert back["href"] == f"/verwaltung/artikel/{article.id}"
    assert listing.find("form", method="get")["action"].startswith(
        f"/verwaltung/artikel/{article.id}/versionen/vergleich"
    )
    compared = soup(
        editor.get(
            f"/verwaltung/artikel/{article.id}/versionen/vergleich?alt={old.id}&neu={new.id}"
        )
    )
    assert [s.h2.get_text() for s in compared.select("section.diff")] == ["Anreißer"]
    assert "Ob und wann der Artikel veröffentlicht ist, bleibt, wie es ist." in compared.get_text()
    restore = compared.find("button", string="Version 1 wiederherstellen").find_parent("form")
    assert restore["action"] == (
        f"/verwaltung/artikel/{article.id}/versionen/{old.id}/wiederherstellen"
    )
