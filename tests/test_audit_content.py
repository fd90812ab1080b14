"""The audit log records changes to articles, authors, topics, photos and the settings:
who, when, what."""

from __future__ import annotations

import re

from sqlalchemy import select

from editorial_helpers import form_as_sent, login, make_user
from factories import make_article, make_author, make_topic
from helpers import soup
from webapp.extensions import db
from webapp.models import AuditEntry, Role


def entries() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [
        (e.action, e.subject, e.user_email)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def test_content_changes_are_in_the_log_with_who_and_what(client, app):
    make_user(email="chefin@example.org", role=Role.ADMIN)
    login(client, "chefin@example.org")
    author = make_author(name="Erika")
    article = make_article(author=author, title="Haushalt")
    topic = make_topic("Integration")

    url = f"/verwaltung/artikel/{article.id}"
    client.post(url, data={**form_as_sent(client, url), "title": "Haushalt 2027"})
    client.post(url, data={**form_as_sent(client, url), "aktion": "zurueckziehen"})
    url = f"/verwaltung/autoren/{author.id}"
    client.post(url, data={**form_as_sent(client, url), "name": "Erika Muster"})
    url = f"/verwaltung/themen/{topic.id}"
    client.post(url, data={**form_as_sent(client, url), "name": "Teilhabe"})
    url = "/verwaltung/einstellungen"
    client.post(url, data={**form_as_sent(client, url), "moderation": "all"})
    url = f"/verwaltung/artikel/{article.id}/loeschen"
    client.post(
        url, data={"csrf_token": form_as_sent(client, "/verwaltung/einstellungen")["csrf_token"]}
    )

    assert entries() == [
        ("article.save", "Haushalt 2027", "chefin@example.org"),
        ("article.withdraw", "Haushalt 2027", "chefin@example.org"),
        ("author.save", "Erika Muster", "chefin@example.org"),
        ("topic.save", "Teilhabe", "chefin@example.org"),
        ("settings.save", "", "chefin@example.org"),
        ("article.delete", "Haushalt 2027", "chefin@example.org"),
    ]

    page = soup(client.get("/verwaltung/protokoll?aktion=inhalte"))
    text = page.get_text(" ", strip=True)
    assert "Artikel gespeichert" in text and "Artikel zurückgezogen" in text
    assert "Titel: „Haushalt“ → „Haushalt 2027“" in text
    # The day before, in Berlin: a date of its own around midnight UTC.
    assert re.search(r"Veröffentlichung: „\d{1,2}\. \w+ \d{4}", text)
    assert "→ „nicht veröffentlicht“" in text
    assert "Name: „Integration“ → „Teilhabe“" in text
    settings = soup(client.get("/verwaltung/protokoll?aktion=einstellungen")).get_text(
        " ", strip=True
    )
    assert "Einstellungen geändert" in settings
    assert (
        "Moderation: „Aus: Kommentare erscheinen sofort“ → „Jeden Kommentar zurückhalten“"
        in settings
    )


def test_moderators_do_not_see_content_changes(client, app):
    make_user(email="mod@example.org", role=Role.MODERATOR)
    make_user(email="chefin@example.org", role=Role.ADMIN)
    admin = app.test_client()
    login(admin, "chefin@example.org")
    article = make_article(title="Nur für die Redaktion")
    url = f"/verwaltung/artikel/{article.id}"
    admin.post(url, data={**form_as_sent(admin, url), "title": "Geändert"})
    login(client, "mod@example.org")
    assert "Geändert" not in client.get("/verwaltung/protokoll").get_data(as_text=True)
