"""Reader pages: the front page, an article, an author."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from factories import make_article, make_author, make_comment
from helpers import VERSION_CHECK, soup
from webapp.extensions import db
from webapp.models import Article, Author, utcnow


def test_front_page_lists_published_articles_newest_first(client, app):
    """Title, date, photo, teaser and comment count link to each article; drafts stay hidden."""
    now = utcnow()
    older = make_article(title="Älter", published_at=now - timedelta(days=2))
    newer = make_article(title="Neuer", published_at=now - timedelta(days=1))
    make_article(title="Entwurf", published_at=None)
    make_article(title="Geplant", published_at=now + timedelta(days=1))
    for _ in range(3):
        make_comment(older)

    page = soup(client.get("/"))
    cards = page.select("article.card")
    assert [c.select_one(".card-title").get_text(strip=True) for c in cards] == ["Neuer", "Älter"]
    card = cards[1]
    assert card.select_one(".card-title a")["href"] == f"/artikel/{older.slug}"
    assert card.select_one(".teaser").get_text() == older.teaser
    assert card.find("img")["src"] == f"/medien/{older.photo.key}-960.jpg"
    assert "3 Kommentare" in card.select_one(".meta").get_text()
    assert "0 Kommentare" in cards[0].select_one(".meta").get_text()
    assert newer.slug in str(cards[0])


def test_front_page_is_paginated(app, client):
    app.config["ARTICLES_PER_PAGE"] = 2
    now = utcnow()
    for n in range(5):
        make_article(title=f"Nr {n}", published_at=now - timedelta(hours=n + 1))

    first = soup(client.get("/"))
    third = soup(client.get("/?seite=3"))

    assert [h.get_text(strip=True) for h in first.select(".card-title")] == ["Nr 0", "Nr 1"]
    assert first.find("a", rel="next")["href"] == "/?seite=2"
    assert first.find("a", rel="prev") is None
    current = first.select_one(".pagination [aria-current=page]")
    assert current.get_text() == "Seite 1 von 3"
    numbers = [a.get_text() for a in first.select(".page-numbers a")]
    assert numbers == ["Seite 1 von 3", "Seite 2", "Seite 3"]
    assert [h.get_text(strip=True) for h in third.select(".card-title")] == ["Nr 4"]
    assert third.find("a", rel="prev")["href"] == "/?seite=2"
    assert client.get("/?seite=4").status_code == 404
    # Each page says which it is in its title (tabs, history, bookmarks).
    assert first.title.get_text() == "Zirkel"
    assert third.title.get_text() == "Seite 3 von 3 – Zirkel"


def test_an_address_with_a_trailing_slash_moves_to_the_one_without(client, app):
    article = make_article()
    response = client.get(f"/artikel/{article.slug}/?x=1")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/artikel/{article.slug}?x=1"
    assert client.get(f"/autoren/{article.author.slug}/").status_code == 301
    assert client.get("/gibt-es-nicht/").status_code == 404
    assert client.post(f"/artikel/{article.slug}/").status_code in (404, 405)


def test_long_discussions_have_a_way_to_the_form(client, app):
    article = make_article()
    link = soup(client.get(f"/artikel/{article.slug}")).find("a", string="Zum Kommentarformular")
    assert link["href"] == "#kommentar-formular"


def test_empty_front_page_says_so(client):
    page = soup(client.get("/"))
    assert "Es sind noch keine Artikel erschienen." in page.get_text()


def test_article_page_shows_everything_a_reader_expects(client, app):
    """Title, date, author, photo with alt text, paragraphs with „quotes“, author box, comments."""
    author = make_author(name="Redaktion", slug="redaktion", bio="Wort " * 60)
    article = make_article(
        title="Ein „Titel“",
        teaser="Worum es geht.",
        author=author,
        body="Erster „Absatz“.\n\nZweiter Absatz\nmit Umbruch.",
        photo_alt="Ein Saal voller Menschen",
        photo_caption="Foto: Demo",
        published_at=utcnow().replace(year=2014, month=3, day=24, hour=9),
    )
    response = client.get(f"/artikel/{article.slug}")

    assert response.status_code == 200
    page = soup(response)
    assert page.find("html")["lang"] == "de"
    assert page.title.get_text() == "Ein „Titel“ – Zirkel"
    assert page.find("meta", attrs={"name": "description"})["content"] == "Worum es geht."
    assert page.find("h1").get_text() == "Ein „Titel“"
    assert "24. März 2014" in page.select_one(".article .meta").get_text()
    assert page.select_one(".article .meta a")["href"] == "/autoren/redaktion"
    img = page.select_one("figure.photo img")
    assert img["alt"] == "Ein Saal voller Menschen"
    assert page.select_one("figure.photo figcaption").get_text() == "Foto: Demo"
    assert [p.get_text() for p in page.select(".article .body p")] == [
        "Erster „Absatz“.",
        "Zweiter Absatz\nmit Umbruch.",
    ]
    box = page.select_one("aside.author-box")
    assert box.find("h2").get_text() == "Über den Autor"
    assert box.select_one(".author-name").get_text() == "Redaktion"
    bio = box.find_all("p")[1].get_text()
    assert bio.endswith("Wort…") and len(bio) <= 161
    assert box.find("a", href="/autoren/redaktion").get_text() == "Mehr über Redaktion"
    section = page.find("section", id="kommentare")
    assert section.find("h2").get_text(strip=True) == "0 Kommentare"
    assert section.find("h3").get_text() == "Kommentar verfassen"
    assert "Bitte füllen Sie alle Felder aus:" in section.get_text()
    labels = [
        label.get_text()
        for label in section.find_all("label")
        if not label.find_parent(class_="hp")
    ]
    assert labels == [
        "Name",
        "E-Mail",
        "Kommentar",
        "Name und E-Mail für den nächsten Kommentar merken",
    ]
    assert section.find("button", type="submit").get_text() == "Kommentar abschicken"


def test_every_field_has_a_label_and_the_form_validates_itself(client, app):
    article = make_article()
    form = soup(client.get(f"/artikel/{article.slug}")).find("form", id="kommentar-formular")

    assert form.has_attr("novalidate")
    assert form["method"] == "post"
    assert form["action"] == form["hx-post"] == f"/artikel/{article.slug}/kommentare"
    for field in form.select("input:not([type=hidden]), textarea"):
        assert form.find("label", attrs={"for": field["id"]}) is not None


def test_script_in_an_article_body_is_removed(client, app):
    """Bodies are Markdown; HTML in them passes an allowlist, so no script reaches readers."""
    article = make_article(body="<script>alert(1)</script>\n\n[Link](javascript:alert(2)) *Text*")
    page = soup(client.get(f"/artikel/{article.slug}"))
    body = page.select_one(".article .body")
    assert body.find("script") is None
    assert "alert(1)" not in str(body)
    assert body.find("a") is None, "a javascript: link is not made into a link"
    assert body.find("em").get_text() == "Text"


@pytest.mark.parametrize(
    "published_at", [None, utcnow() + timedelta(days=1)], ids=["draft", "scheduled"]
)
def test_unpublished_articles_are_404_in_german(client, app, published_at):
    article = make_article(published_at=published_at)
    response = client.get(f"/artikel/{article.slug}")
    assert response.status_code == 404
    assert "Unter dieser Adresse gibt es keinen Artikel." in response.get_data(as_text=True)


def test_author_page_shows_full_bio_and_articles(client, app):
    author = make_author(name="Ada", slug="ada", bio="Lang " * 80)
    mine = make_article(author=author, title="Von Ada")
    make_article(title="Von jemand anderem")
    make_article(author=author, title="Noch nicht", published_at=None)

    page = soup(client.get("/autoren/ada"))
    assert page.find("h1").get_text() == "Ada"
    assert page.select_one(".author-header .body").get_text(strip=True) == ("Lang " * 80).strip()
    assert [h.get_text(strip=True) for h in page.select(".card-title")] == ["Von Ada"]
    assert page.select_one(".card-title a")["href"] == f"/artikel/{mine.slug}"
    assert client.get("/autoren/niemand").status_code == 404


def test_article_page_query_count_does_not_grow_with_comments(client, app, count_queries):
    """No N+1: an article with 50 threads and their replies costs as many queries as one
    with a single comment (and one without any, one less)."""
    empty, quiet, busy = make_article(), make_article(), make_article()
    make_comment(quiet)
    for _ in range(50):
        first = make_comment(busy)
        reply = make_comment(busy, parent=first)
        make_comment(busy, parent=reply)

    counts = []
    for article in (empty, quiet, busy):
        with count_queries() as queries:
            client.get(f"/artikel/{article.slug}")
        counts.append(len(queries))

    # the versions for the ETag; the article with author and photo; the page of threads;
    # their comments (none to load without threads); the site settings (closed or not?)
    assert counts == [4, 5, 5]


def test_front_page_query_count_does_not_grow_with_articles(client, app, count_queries):
    make_article()
    with count_queries() as one:
        client.get("/")
    for _ in range(9):
        make_comment(make_article())
    with count_queries() as ten:
        client.get("/")

    # the versions (with the total for paging); the page of articles with authors; their
    # topics
    assert len(one) == len(ten) == 3


def test_the_front_page_is_rendered_once_and_answers_304_until_what_it_shows_changes(
    client, app, count_queries
):
    article = make_article(title="Erster")
    first = client.get("/")
    etag = first.headers["ETag"]
    with count_queries() as again:
        same = client.get("/")
    assert same.get_data() == first.get_data()
    # The page comes from the render cache; the versions are asked of the database on
    # PostgreSQL, on SQLite not even that while nobody committed (webapp/freshness.py).
    assert len(again) == VERSION_CHECK
    with count_queries() as checked:
        assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    assert len(checked) == VERSION_CHECK

    def changed(what: str) -> str:
        nonlocal etag
        response = client.get("/", headers={"If-None-Match": etag})
        assert response.status_code == 200, what
        etag = response.headers["ETag"]
        return soup(response).select_one("main").get_text(" ")

    make_comment(article)
    assert "1 Kommentar" in changed("a comment")
    db.session.get(Author, article.author_id).name = "Neu Benannt"
    db.session.commit()
    assert "Neu Benannt" in changed("the author's name")
    later = make_article(title="Geplant", published_at=utcnow() + timedelta(seconds=1))
    assert "Geplant" not in soup(client.get("/")).get_text()
    # Its time comes (as if it had been saved with that time: no update time changes).
    db.session.execute(update(Article).where(Article.id == later.id).values(published_at=utcnow()))
    db.session.commit()
    assert "Geplant" in changed("a scheduled article's time")
    db.session.get(Article, article.id).published_at = None
    db.session.commit()
    assert "Erster" not in changed("a withdrawn article")
