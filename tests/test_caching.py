"""Caching without stale pages: ETags, 304s, reuse of rendered pages, immutable assets."""

from __future__ import annotations

import random

from apps import make_app
from bench import texts
from bench.dataset import comment_text
from factories import make_article, make_author, make_comment
from helpers import HTMX, VERSION_CHECK, post_comment, post_from, soup
from webapp.extensions import db


def test_article_page_revalidates_with_its_etag(client, app):
    """A repeat view gets 304 with no body, until a comment changes what the page shows."""
    article = make_article()
    url = f"/artikel/{article.slug}"
    first = client.get(url)
    etag = first.headers["ETag"]

    # Browsers revalidate every time; a shared cache in front may keep it for a second.
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=1"
    repeat = client.get(url, headers={"If-None-Match": etag})
    assert (repeat.status_code, repeat.get_data()) == (304, b"")

    post_comment(app.test_client(), article)  # another reader (the author's page is theirs)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert soup(changed).find(id="kommentar-anzahl").get_text() == "1 Kommentar"


def test_second_view_is_served_from_the_cache_with_one_query(client, app, count_queries):
    """The rendered page is reused: only the version check reaches the database."""
    article = make_article()
    for _ in range(20):
        make_comment(article)
    url = f"/artikel/{article.slug}"

    with count_queries() as cold:
        first = client.get(url)
    with count_queries() as warm:
        second = client.get(url)

    # The same bytes but for the form token, stamped with the second each answer left in.
    tokens = [soup(r).find("input", {"name": "csrf_token"})["value"] for r in (first, second)]
    assert first.get_data(as_text=True).replace(tokens[0], "") == second.get_data(
        as_text=True
    ).replace(tokens[1], "")
    # cold: the versions, the article, its threads and their comments, the settings
    assert (len(cold), len(warm)) == (5, VERSION_CHECK)


def test_a_new_comment_is_visible_at_once_in_every_worker(tmp_path, database_url, app, client):
    """Another worker (a second app on the same database) never serves its stale copy."""
    article = make_article()
    url = f"/artikel/{article.slug}"
    other_worker = make_app(tmp_path, DATABASE_URL=database_url)
    other = other_worker.test_client()
    assert soup(other.get(url)).find(id="kommentar-anzahl").get_text() == "0 Kommentare"

    post_comment(client, article, text="Ganz neu")

    page = soup(other.get(url))
    assert page.find(id="kommentar-anzahl").get_text() == "1 Kommentar"
    assert [t.get_text() for t in page.select(".comment-text")] == ["Ganz neu"]
    with other_worker.app_context():
        db.engine.dispose()


def test_unchanged_comment_list_refresh_is_a_304(client, app):
    """The list fragment's ETag and Last-Modified change exactly when its comments change."""
    article = make_article()
    make_comment(article, text="Eins")
    url = f"/artikel/{article.slug}/kommentare"

    first = client.get(url, headers=HTMX)
    assert first.headers["Last-Modified"]
    unchanged = client.get(url, headers={**HTMX, "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304

    make_comment(article, text="Zwei")
    changed = client.get(url, headers={**HTMX, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert [t.get_text() for t in soup(changed).select(".comment-text")] == ["Eins", "Zwei"]


def test_static_files_have_fingerprinted_immutable_urls(client, app):
    """Assets are named by their content, so a repeat view fetches none of them again."""
    make_article()
    page = soup(client.get("/"))
    urls = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    urls += [script["src"] for script in page.find_all("script")]

    assert len(urls) == 3
    for url in urls:
        assert "?v=" in url
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get(urls[0].split("?")[0]) as unversioned:
        assert "immutable" not in unversioned.headers.get("Cache-Control", "")


def test_posting_costs_the_same_queries_whatever_the_number_of_comments(client, app, count_queries):
    """A post answers with the page of comments the reader has open: constant work per post,
    whether the article has one comment or fifty."""
    app.config["COMMENTS_PER_PAGE"] = 10
    quiet, busy = make_article(), make_article()
    make_comment(quiet)
    for _ in range(50):
        make_comment(busy)

    counts, shown = [], []
    for article in (quiet, busy):
        page = soup(client.get(f"/artikel/{article.slug}"))
        with count_queries() as queries:
            response = post_from(client, article, page)
        assert response.status_code == 200
        shown.append(len(soup(response).select("#kommentar-liste > li")))
        counts.append(len(queries))

    assert shown == [2, 11], "the list the reader had open, and the new comment"

    # the article; the site settings; the duplicate check; the insert, and its thread (a
    # first comment names itself); the counter update, which returns the count (flood
    # control, off here, adds one per rule); the comment the reader's list starts with, the
    # threads from there and their comments, and whether older threads exist
    assert counts == [10, 10]


def test_author_page_query_count_does_not_grow_with_articles(client, app, count_queries):
    author = make_author(slug="vielschreiberin")
    make_article(author=author)
    with count_queries() as one:
        client.get("/autoren/vielschreiberin")
    for _ in range(5):
        make_comment(make_article(author=author))
    with count_queries() as six:
        client.get("/autoren/vielschreiberin")

    assert len(one) == len(six) == 4  # the author; the page of articles; their topics; the total


def test_article_html_with_50_comments_stays_under_40_kb(client, app):
    """A guard on the comments' markup: 50 comments as the benchmark's data set writes them
    (one to four sentences, first and last name) under a short article stay under 40 KB.
    The benchmark weighs its own, longer article against the same figure."""
    rng = random.Random(50)
    article = make_article(body="Ein Absatz mit etwas Text. " * 20 + "\n\n" + "Noch einer. " * 40)
    for _ in range(50):
        name = f"{rng.choice(texts.FIRST_NAMES)} {rng.choice(texts.LAST_NAMES)}"
        make_comment(article, name=name, text=comment_text(rng))

    page = client.get(f"/artikel/{article.slug}")
    assert len(soup(page).select(".comment")) == 50
    assert len(page.get_data()) <= 40 * 1000


def test_a_kept_comment_shows_a_moderators_edit_and_the_articles_new_address(client, app):
    """Each comment's markup is kept per worker (comments/items.py), under what it shows."""
    from webapp.comments.service import edit_comment
    from webapp.database import writing
    from webapp.models import Comment

    article = make_article()
    comment = make_comment(article, name="Erika", text="Mit Tippfeler")
    client.get(f"/artikel/{article.slug}")  # rendered and kept

    with writing():
        edit_comment(
            db.session.get(Comment, comment.id), name="Erika M.", email="e@x.org", text="Ohne"
        )
    with writing():
        db.session.get(type(article), article.id).slug = "neue-adresse"
    item = soup(client.get("/artikel/neue-adresse")).find("li", id=f"kommentar-{comment.id}")

    assert item.find(class_="comment-author").get_text() == "Erika M."
    assert item.find(class_="comment-text").get_text() == "Ohne"
    assert item.find("a", class_="comment-date")["href"] == (
        f"/kommentare/{comment.id}#kommentar-{comment.id}"
    )
    assert item.find("a", class_="reply-link")["href"] == f"/kommentare/{comment.id}/antworten"
