"""A 304 given again without the app while nothing changed (webapp/revalidation.py), and
never once something did: a comment, a commit of another worker, the clock, the language,
a reader's own cookie."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import timedelta

import pytest

import databases
from factories import make_article, make_comment
from helpers import HTMX, post_comment, soup
from webapp.extensions import db
from webapp.models import utcnow
from webapp.revalidation import Revalidation


@pytest.fixture
def asked(app) -> list[str]:
    """The paths of the requests that reached the app behind Revalidation."""
    middleware = app.wsgi_app
    assert isinstance(middleware, Revalidation)
    inner, paths = middleware.wsgi_app, []

    def counting(environ, start_response):
        paths.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    middleware.wsgi_app = counting
    return paths


def without_second(headers) -> dict[str, str]:
    """A response's headers but the one that names the current second."""
    return {name: value for name, value in headers.items() if name != "X-Accel-Expires"}


def poll(client, url: str, etag: str, **headers):
    return client.get(url, headers={**HTMX, "If-None-Match": etag, **headers})


@pytest.mark.sqlite
def test_an_unchanged_list_is_answered_again_without_the_app(app, client, asked):
    article = make_article()
    make_comment(article, text="Erster!")
    url = f"/artikel/{article.slug}/kommentare"
    etag = client.get(url, headers=HTMX).headers["ETag"]

    first = poll(client, url, etag)
    again = [poll(client, url, etag) for _ in range(3)]

    assert first.status_code == 304
    assert [r.status_code for r in again] == [304] * 3
    assert asked == [url, url]  # the page, the first check: the rest never reached the app
    # The very answer the app gave, security headers, Vary and all; its second renewed.
    for response in again:
        assert without_second(response.headers) == without_second(first.headers)
        assert response.headers["X-Accel-Expires"].startswith("@")
        assert response.get_data() == b""
    assert first.headers["Vary"] == (
        "HX-Request, HX-Boosted, HX-History-Restore-Request, Accept-Language, Cookie"
    )
    assert "Content-Security-Policy" in first.headers


@pytest.mark.sqlite
def test_without_a_shared_cache_in_front_too(app, client, asked):
    app.config["SHARED_CACHE_SECONDS"] = 0
    article = make_article()
    url = f"/artikel/{article.slug}/kommentare"
    etag = client.get(url, headers=HTMX).headers["ETag"]
    answers = [poll(client, url, etag) for _ in range(3)]
    assert [r.status_code for r in answers] == [304] * 3
    assert {r.headers["Cache-Control"] for r in answers} == {"no-cache"}
    assert "X-Accel-Expires" not in answers[-1].headers
    assert len(asked) == 2


@pytest.mark.sqlite
def test_a_new_comment_ends_it_at_once_from_this_worker_or_another(app, client, asked):
    article = make_article()
    url = f"/artikel/{article.slug}/kommentare"
    etag = client.get(url, headers=HTMX).headers["ETag"]
    assert poll(client, url, etag).status_code == 304
    assert poll(client, url, etag).status_code == 304

    # This app stores a comment (its own session, its own commit).
    make_comment(article, text="Ganz neu hier.")
    fresh = poll(client, url, etag)
    assert fresh.status_code == 200
    assert "Ganz neu hier." in fresh.get_data(as_text=True)
    etag = fresh.headers["ETag"]
    assert poll(client, url, etag).status_code == 304
    assert poll(client, url, etag).status_code == 304
    calls = len(asked)

    # Another worker (any other connection) commits: marked as spam by a moderator there.
    other = sqlite3.connect(db.engine.url.database)
    other.execute("UPDATE comment SET status = 'spam' WHERE article_id = ?", (article.id,))
    other.execute(
        "UPDATE article SET comment_version = comment_version + 1 WHERE id = ?", (article.id,)
    )
    other.commit()
    other.close()
    after = poll(client, url, etag)
    assert len(asked) == calls + 1
    assert after.status_code == 200
    assert "Ganz neu hier." not in after.get_data(as_text=True)


@pytest.mark.sqlite
def test_each_language_and_each_cookie_gets_its_own_answer(app, client, asked):
    article = make_article()
    url = f"/artikel/{article.slug}"
    german = client.get(url)
    etag = german.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    calls = len(asked)

    english = client.get(url, headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert english.status_code == 200
    assert soup(english).html["lang"] == "en"
    client.set_cookie("zirkel_sprache", "en")
    chosen = client.get(url, headers={"If-None-Match": etag})
    assert chosen.status_code == 200
    assert soup(chosen).html["lang"] == "en"
    assert len(asked) == calls + 2


@pytest.mark.sqlite
def test_a_readers_own_list_is_never_kept(app, client, asked):
    article = make_article()
    url = f"/artikel/{article.slug}/kommentare"
    # The reader comments; their browser keeps the cookie naming their comment.
    assert post_comment(client, article, text="Mein eigener Kommentar.").status_code == 200
    # Everyone else's check of the same list is kept …
    other = app.test_client()
    etag = other.get(url, headers=HTMX).headers["ETag"]
    assert [poll(other, url, etag).status_code for _ in range(2)] == [304, 304]
    calls = len(asked)

    # … the reader's own (with the button to change their comment) never is.
    answers = [poll(client, url, etag) for _ in range(2)]
    assert len(asked) == calls + 2
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "private, no-store"
        assert soup(answer).find(string=re.compile("Bearbeiten"))


@pytest.mark.sqlite
def test_the_clock_ends_it_at_the_hour(app, client, asked, monkeypatch):
    article = make_article()
    url = f"/artikel/{article.slug}/kommentare"
    etag = client.get(url, headers=HTMX).headers["ETag"]
    poll(client, url, etag)
    poll(client, url, etag)
    assert len(asked) == 2
    later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr("webapp.freshness.utcnow", lambda: later)
    poll(client, url, etag)
    assert len(asked) == 3


@pytest.mark.sqlite
def test_a_scheduled_article_appears_on_its_second_though_nobody_commits(app, client, asked):
    make_article(title="Schon da")
    make_article(title="Gleich da", published_at=utcnow() + timedelta(seconds=1.5))
    first = client.get("/")
    assert "Gleich da" not in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    assert len(asked) == 2

    time.sleep(1.6)
    now = client.get("/", headers={"If-None-Match": etag})
    assert now.status_code == 200
    assert "Gleich da" in now.get_data(as_text=True)


@pytest.mark.sqlite
def test_answers_not_marked_replayable_always_go_to_the_app(app, client, asked):
    make_article()
    feed = client.get("/feed")
    assert feed.status_code == 200
    etag = feed.headers["ETag"]
    # The feed's versions are read with the clock in the query, not through freshness.
    answers = [client.get("/feed", headers={"If-None-Match": etag}) for _ in range(2)]
    assert [r.status_code for r in answers] == [304, 304]
    assert len(asked) == 3
    # Neither are whole pages (each carries a fresh form token) nor HEAD requests.
    article = make_article()
    for _ in range(2):
        assert client.get(f"/artikel/{article.slug}").status_code == 200
        assert client.head(f"/artikel/{article.slug}").status_code == 200
    assert len(asked) == 7


def test_on_every_database_a_new_comment_shows_on_the_next_check(app, client, asked):
    """On SQLite the checks in between never reach the app; on PostgreSQL (no
    data_version to watch) every one does. Either way nothing stale is given."""
    article = make_article()
    url = f"/artikel/{article.slug}/kommentare"
    etag = client.get(url, headers=HTMX).headers["ETag"]
    assert [poll(client, url, etag).status_code for _ in range(3)] == [304] * 3
    assert len(asked) == (2 if databases.KIND == "sqlite" else 4)
    make_comment(article, text="Auch auf PostgreSQL sofort da.")
    fresh = poll(client, url, etag)
    assert fresh.status_code == 200
    assert "Auch auf PostgreSQL sofort da." in fresh.get_data(as_text=True)


@pytest.mark.sqlite
def test_a_reloaded_article_page_and_front_page_show_what_is_new(app, client, asked):
    """A reader without JavaScript reloads: the browser asks with its ETag."""
    article = make_article(title="Alter Artikel")
    page, front = f"/artikel/{article.slug}", "/"
    etags = {url: client.get(url).headers["ETag"] for url in (page, front)}
    for url, etag in etags.items():
        checks = [client.get(url, headers={"If-None-Match": etag}) for _ in range(3)]
        assert [check.status_code for check in checks] == [304, 304, 304]
    assert len(asked) == 4  # two pages, each checked once by the app

    make_comment(article, text="Beim Neuladen da.")
    make_article(title="Neuer Artikel")
    reloaded = client.get(page, headers={"If-None-Match": etags[page]})
    assert reloaded.status_code == 200
    assert "Beim Neuladen da." in reloaded.get_data(as_text=True)
    reloaded = client.get(front, headers={"If-None-Match": etags[front]})
    assert reloaded.status_code == 200
    assert "Neuer Artikel" in reloaded.get_data(as_text=True)
