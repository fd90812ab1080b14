"""The editorial article list: search, filters, order; the dashboard's scheduled articles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from editorial_helpers import login, make_user
from factories import make_article, make_author, make_topic
from helpers import soup
from webapp.models import utcnow


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    return client


def titles(client, query: str = "") -> list[str]:
    page = soup(client.get(f"/verwaltung/artikel{query}"))
    return [row.find("td").get_text(strip=True) for row in page.select("table.list tbody tr")]


def test_search_filters_and_order(editor):
    erika, max_ = make_author(name="Erika"), make_author(name="Max")
    integration = make_topic("Integration")
    now = utcnow()
    make_article(title="Haushalt 2026", author=erika, published_at=now - timedelta(days=3))
    make_article(
        title="Haushaltsrede 100%",
        author=max_,
        published_at=now - timedelta(days=1),
        topics=[integration],
    )
    make_article(title="Sommerfest", author=erika, published_at=None)
    make_article(title="Wahl", author=max_, published_at=now + timedelta(days=2))

    assert titles(editor) == ["Sommerfest", "Wahl", "Haushaltsrede 100%", "Haushalt 2026"]
    assert titles(editor, "?q=haushalt") == ["Haushaltsrede 100%", "Haushalt 2026"]
    assert titles(editor, "?q=100%25") == ["Haushaltsrede 100%"], "% is a letter, not a wildcard"
    assert titles(editor, "?status=entwurf") == ["Sommerfest"]
    assert titles(editor, "?status=geplant") == ["Wahl"]
    assert titles(editor, "?status=veroeffentlicht") == ["Haushaltsrede 100%", "Haushalt 2026"]
    assert titles(editor, f"?autor={erika.id}") == ["Sommerfest", "Haushalt 2026"]
    assert titles(editor, f"?thema={integration.id}") == ["Haushaltsrede 100%"]
    assert titles(editor, "?ordnung=titel") == [
        "Haushalt 2026",
        "Haushaltsrede 100%",
        "Sommerfest",
        "Wahl",
    ]
    assert titles(editor, "?q=nichts") == ["Kein Artikel passt."]
    # Nonsense in the address is ignored, not an error.
    assert editor.get("/verwaltung/artikel?status=x&autor=abc&ordnung=y").status_code == 200

    page = soup(editor.get("/verwaltung/artikel?status=veroeffentlicht"))
    assert page.find("select", attrs={"name": "status"}).find("option", selected=True)["value"] == (
        "veroeffentlicht"
    )
    assert "2 Artikel" in page.find(attrs={"role": "status"}).get_text()
    states = [
        o.get_text() for o in page.find("select", attrs={"name": "status"}).find_all("option")
    ]
    assert states == ["Alle", "Entwürfe", "Geplant", "Veröffentlicht"]


def test_paging_keeps_the_filter(editor):
    for n in range(35):
        make_article(title=f"Bericht {n:02d}")
    make_article(title="Anderes")
    page = soup(editor.get("/verwaltung/artikel?q=Bericht"))
    next_link = page.find("a", rel="next")
    assert next_link.get_text() == "Nächste Seite"
    assert "q=Bericht" in next_link["href"] and "seite=2" in next_link["href"]
    assert len(titles(editor, "?q=Bericht&seite=2")) == 5


def test_the_list_takes_the_same_queries_for_many_articles(editor, count_queries):
    for n in range(3):
        make_article(title=f"A {n}")
    with count_queries() as few:
        editor.get("/verwaltung/artikel")
    for n in range(27):
        make_article(title=f"B {n}")
    with count_queries() as many:
        editor.get("/verwaltung/artikel")
    assert len(many) == len(few)


def test_the_dashboard_shows_what_is_scheduled(editor):
    make_article(title="Kommt morgen", published_at=utcnow() + timedelta(days=1))
    page = soup(editor.get("/verwaltung/"))
    assert "1 geplanter Artikel" in page.get_text()
    assert "Kommt morgen" in page.select_one(".scheduled-list").get_text()


def test_a_page_the_role_may_not_see_keeps_the_editorial_menu(client, app):
    from webapp.models import Role

    make_user(email="mod@example.org", role=Role.MODERATOR)
    login(client, "mod@example.org")
    response = client.get("/verwaltung/artikel")
    assert response.status_code == 403
    page = soup(response)
    assert "Ihr Konto darf das nicht." in page.get_text()
    menu = page.select_one("nav.editorial-nav")
    assert menu is not None and "Kommentare" in menu.get_text()
    assert page.find("a", string="Zur Übersicht der Verwaltung") is not None
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
