"""Articles with many comments: the newest page under the article, older ones a link away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import make_article, make_comment
from helpers import HTMX, VERSION_CHECK, post_from, soup, window
from webapp.database import writing
from webapp.extensions import db
from webapp.models import Comment, utcnow


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
        assert len(queries) == 5  # versions, article, threads, their comments, settings
        assert len(soup(response).select(".comment")) == 50
        sizes.append(len(response.get_data()))
    assert max(sizes) / min(sizes) < 1.05  # the same page of 50, whatever the total


# --- the reader's window: what they opened stays open ---------------------------------------


def test_new_comments_join_the_older_ones_the_reader_opened(client, busy_article):
    """After "Ältere Kommentare anzeigen" (100 shown), loading new ones keeps all 100."""
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    older = soup(client.get(first.select_one("#aeltere-kommentare a")["hx-get"], headers=HTMX))
    opened = {**window(first), "seit": older.find("input", id="kommentar-seit")["value"]}
    assert older.find("input", id="kommentar-seit")["hx-swap-oob"] == "true"
    make_comment(busy_article, text="Nr. 121")

    refreshed = client.get(
        f"/artikel/{busy_article.slug}/kommentare", query_string=opened, headers=HTMX
    )
    page = soup(refreshed)
    assert texts(page) == [f"Nr. {n}" for n in range(21, 122)]
    assert page.find(id="kommentar-anzahl").get_text() == "121 Kommentare"
    assert page.find(id="kommentar-status").get_text(strip=True) == "1 neuer Kommentar."
    assert page.select_one("#aeltere-kommentare a")["hx-get"].endswith(
        f"vor={window(page)['seit']}"
    )


def test_loading_new_comments_when_there_are_none_says_so(client, busy_article):
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    refreshed = client.get(
        f"/artikel/{busy_article.slug}/kommentare", query_string=window(first), headers=HTMX
    )
    page = soup(refreshed)
    assert page.find(id="kommentar-status").get_text(strip=True) == "Keine neuen Kommentare."
    assert texts(page) == [f"Nr. {n}" for n in range(71, 121)]


def test_older_comments_take_the_focus_and_are_announced(client, busy_article):
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    page = soup(client.get(first.select_one("#aeltere-kommentare a")["hx-get"], headers=HTMX))
    items = page.select("li.comment")
    assert items[0].has_attr("autofocus") and items[0]["tabindex"] == "-1"
    assert not any(item.has_attr("autofocus") for item in items[1:])
    status = page.find(id="kommentar-status")
    assert status.get_text(strip=True) == "50 ältere Kommentare werden angezeigt."


def test_a_post_keeps_the_older_comments_the_reader_opened(client, busy_article):
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    older = soup(client.get(first.select_one("#aeltere-kommentare a")["hx-get"], headers=HTMX))
    older_start = older.find("input", id="kommentar-seit")["value"]
    page = soup(post_from(client, busy_article, first, seit=older_start, text="Nr. 121"))
    assert texts(page) == [f"Nr. {n}" for n in range(21, 122)]


def test_after_a_post_nothing_is_new_to_its_poster(client, busy_article):
    """The answer to a post holds the version it shows: loading new comments then has none."""
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    posted = soup(post_from(client, busy_article, first, text="Nr. 121"))
    refreshed = client.get(
        f"/artikel/{busy_article.slug}/kommentare", query_string=window(posted), headers=HTMX
    )
    status = soup(refreshed).find(id="kommentar-status")
    assert status.get_text(strip=True) == "Keine neuen Kommentare."


def test_the_page_of_older_comments_links_on_at_both_ends(client, busy_article):
    """Without JavaScript: older ones above and below the list, newer ones below."""
    first = soup(client.get(f"/artikel/{busy_article.slug}"))
    page = soup(client.get(first.select_one("#aeltere-kommentare a")["href"]))
    older = [a for a in page.find_all("a") if a.get_text() == "Ältere Kommentare anzeigen"]
    assert len(older) == 2 and older[0]["href"] == older[1]["href"]
    # Every way on is a page (replying too: htmx is off for the list here).
    assert not any(a.has_attr("hx-get") for a in page.find_all("a") if not a.find_parent("ol"))
    assert page.find("ol", class_="comment-list").has_attr("hx-disable")
    newer = page.find("a", string="Neuere Kommentare anzeigen")
    assert texts(soup(client.get(newer["href"]))) == [f"Nr. {n}" for n in range(71, 121)]

    oldest = soup(client.get(older[1]["href"]))
    assert texts(oldest) == [f"Nr. {n}" for n in range(1, 21)]
    assert oldest.find("a", string="Ältere Kommentare anzeigen") is None


# --- permalinks ----------------------------------------------------------------------------


def permalink(article, comment_id: int) -> str:
    return f"/kommentare/{comment_id}"


def comment_ids(article) -> list[int]:
    return list(
        db.session.scalars(
            select(Comment.id).where(Comment.article_id == article.id).order_by(Comment.id)
        )
    )


def test_a_recent_comments_permalink_shows_the_article_page_with_it(client, busy_article):
    ids = comment_ids(busy_article)
    response = client.get(permalink(busy_article, ids[-3]))
    page = soup(response)
    assert response.status_code == 200
    assert page.find("h1").get_text() == busy_article.title
    assert page.find("li", id=f"kommentar-{ids[-3]}") is not None
    assert (
        page.find("link", rel="canonical")["href"]
        == f"http://localhost/artikel/{busy_article.slug}"
    )


def test_an_old_comments_permalink_still_shows_it_among_its_neighbours(client, busy_article):
    """#kommentar-26 is no longer on the article page: its permalink shows the page of
    comments around it, with the ways on to older and newer ones."""
    ids = comment_ids(busy_article)
    response = client.get(permalink(busy_article, ids[25]))
    page = soup(response)
    assert response.status_code == 200
    assert texts(page) == [f"Nr. {n}" for n in range(1, 51)]
    item = page.find("li", id=f"kommentar-{ids[25]}")
    assert item.has_attr("autofocus")
    assert page.find("a", string="Neuere Kommentare anzeigen") is not None

    middle = soup(client.get(permalink(busy_article, ids[60])))
    assert texts(middle) == [f"Nr. {n}" for n in range(36, 86)]
    assert middle.find("a", string="Ältere Kommentare anzeigen") is not None


def test_permalinks_keep_working_as_the_discussion_grows(client, app):
    app.config["COMMENTS_PER_PAGE"] = 5
    article = make_article()
    early = make_comment(article, text="Früh")
    assert soup(client.get(permalink(article, early.id))).find("h1").get_text() == article.title
    for n in range(12):
        make_comment(article, text=f"Später {n}")
    page = soup(client.get(permalink(article, early.id)))
    assert page.find("li", id=f"kommentar-{early.id}").find(class_="comment-text").get_text() == (
        "Früh"
    )


@pytest.mark.parametrize("status", ["pending", "spam", "deleted"])
def test_a_comment_that_is_not_visible_gets_a_clear_german_page(client, app, status):
    article = make_article()
    hidden = make_comment(article, status=status, text="Nicht für alle")
    response = client.get(permalink(article, hidden.id))
    page = soup(response)
    assert response.status_code == 404
    assert page.find("h1").get_text() == "Kommentar nicht sichtbar"
    assert "wartet er noch auf Freigabe" in page.get_text()
    assert "Nicht für alle" not in page.get_text()
    back = page.find("a", string=f"Zu den Kommentaren zu „{article.title}“")
    assert back["href"] == f"/artikel/{article.slug}#kommentare"


def test_a_missing_comment_or_one_under_an_unpublished_article_is_not_found(client, app):
    article = make_article()
    draft = make_article(published_at=None)
    hidden = make_comment(draft)
    for comment_id in (hidden.id, 999_999):
        response = client.get(permalink(article, comment_id))
        assert response.status_code == 404
        assert soup(response).find("h1") is not None


def test_a_permalink_outlives_a_new_title_of_its_article(client, app):
    """The permalink names the comment only, so a new slug changes nothing."""
    article = make_article(slug="alter-titel")
    comment = make_comment(article, text="Bleibt auffindbar")
    with writing():
        db.session.get(type(article), article.id).slug = "neuer-titel"
    page = soup(client.get(permalink(article, comment.id)))
    assert page.find("link", rel="canonical")["href"] == "http://localhost/artikel/neuer-titel"
    assert "Bleibt auffindbar" in page.find(id=f"kommentar-{comment.id}").get_text()


def test_permalinks_cost_the_same_however_many_comments(client, app, count_queries):
    app.config["COMMENTS_PER_PAGE"] = 10
    small, large = make_article(), make_article()
    for article, total in ((small, 30), (large, 150)):
        for n in range(total):
            make_comment(article, text=f"Nr. {n}")
    counts = []
    for article in (small, large):
        ids = comment_ids(article)
        with count_queries() as queries:
            assert client.get(permalink(article, ids[5])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- new comments while reading -----------------------------------------------------------------


def test_a_reader_is_offered_what_came_while_reading(client, app, count_queries):
    article = make_article()
    make_comment(article, text="Schon da")
    page = soup(client.get(f"/artikel/{article.slug}"))
    slot = page.find(id="neue-kommentare")
    assert slot["aria-live"] == "polite" and slot["data-poll-seconds"] == "60"
    url = slot["data-poll"]
    asked = {k: v for k, v in window(page).items() if k != "seit"}

    with count_queries() as queries:
        nothing = client.get(url, query_string=asked)
    assert nothing.status_code == 200 and nothing.text == "" and len(queries) == VERSION_CHECK
    with count_queries() as queries:
        again = client.get(
            url, query_string=asked, headers={"If-None-Match": nothing.headers["ETag"]}
        )
    assert again.status_code == 304 and len(queries) == VERSION_CHECK, "it costs a 304"

    make_comment(article, text="Neu 1")
    make_comment(article, text="Neu 2")
    offer = client.get(url, query_string=asked, headers={"If-None-Match": nothing.headers["ETag"]})
    assert offer.status_code == 200
    assert soup(offer).find("button").get_text() == "2 neue Kommentare anzeigen"
    unchanged = client.get(
        url, query_string=asked, headers={"If-None-Match": offer.headers["ETag"]}
    )
    assert unchanged.status_code == 304


def test_nobody_is_asked_about_a_closed_discussion_or_when_switched_off(client, app):
    closed = make_article(comments_open=False)
    assert soup(client.get(f"/artikel/{closed.slug}")).find(id="neue-kommentare") is None
    app.config["POLL_SECONDS"] = 0
    quiet = make_article()
    assert soup(client.get(f"/artikel/{quiet.slug}")).find(id="neue-kommentare") is None
