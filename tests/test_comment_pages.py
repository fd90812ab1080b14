"""Articles with many comments: the newest page under the article, older ones a link away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factories import make_article, make_comment
from helpers import HTMX, soup
from webapp.models import utcnow


@pytest.fixture
def busy_article(app):
    """An article with 120 comments, numbered in the order they were written."""
    app.config["COMMENTS_PER_PAGE"] = 50
    article = make_article()
    start = utcnow() - timedelta(days=1)
    for n in range(1, 121):
        make_comment(article, text=f"Nr. {n}", created_at=start + timedelta(minutes=n))
    return article


def texts(page) -> list[str]:
    return [t.get_text() for t in page.select(".comment-text")]


def test_article_shows_the_newest_page_and_a_link_to_older_ones(client, busy_article):
    page = soup(client.get(f"/artikel/{busy_article.slug}"))

    assert texts(page) == [f"Nr. {n}" for n in range(71, 121)]
    assert page.find(id="kommentar-anzahl").get_text() == "120 Kommentare"
    link = page.select_one("#aeltere-kommentare a")
    assert link.get_text() == "Ältere Kommentare anzeigen"
    assert link["href"] == link["hx-get"]


def test_older_comments_come_in_place_with_htmx(client, busy_article):
    """Each click puts the next older page in front of the list, until there is none."""
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    url = first.select_one("#aeltere-kommentare a")["hx-get"]

    older = client.get(url, headers=HTMX)
    page = soup(older)
    assert older.status_code == 200
    assert "HX-Request" in older.headers["Vary"]
    assert page.find("html") is None
    assert page.find(attrs={"hx-swap-oob": "afterbegin:#kommentar-liste"}) is not None
    assert texts(page) == [f"Nr. {n}" for n in range(21, 71)]

    oldest = soup(client.get(page.select_one("#aeltere-kommentare a")["hx-get"], headers=HTMX))
    assert texts(oldest) == [f"Nr. {n}" for n in range(1, 21)]
    assert oldest.select_one("#aeltere-kommentare") is None


def test_older_comments_without_javascript_are_a_page_of_their_own(client, busy_article):
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    response = client.get(first.select_one("#aeltere-kommentare a")["href"])

    page = soup(response)
    assert response.status_code == 200
    assert page.find("h1").get_text() == f"Kommentare zu „{busy_article.title}“"
    assert texts(page) == [f"Nr. {n}" for n in range(21, 71)]
    assert page.find("a", string="Zurück zum Artikel und zu den neuesten Kommentaren")


def test_older_comments_of_an_unknown_comment_are_404(client, busy_article):
    other = make_article()
    stranger = make_comment(other)
    for before in (999_999, stranger.id):
        response = client.get(f"/artikel/{busy_article.slug}/kommentare?vor={before}")
        assert response.status_code == 404


def test_article_page_costs_the_same_with_120_or_10_000_comments(client, app, count_queries):
    """The page shows one page of comments from an index: no query grows with the count."""
    app.config["COMMENTS_PER_PAGE"] = 50
    small, large = make_article(), make_article()
    for _ in range(60):
        make_comment(small)
    for _ in range(300):
        make_comment(large)

    sizes = []
    for article in (small, large):
        with count_queries() as queries:
            response = client.get(f"/artikel/{article.slug}")
        assert len(queries) == 4
        assert len(soup(response).select(".comment")) == 50
        sizes.append(len(response.get_data()))
    assert max(sizes) / min(sizes) < 1.05  # the same page of 50, whatever the total
