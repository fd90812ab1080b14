"""What a shared cache (the shipped nginx config) may keep, as the headers say it.

Every public page type that is the same for everyone says `public, max-age=0, s-maxage=1`
(browsers revalidate, a shared cache keeps it a second) and names the last second for
nginx; everything shown to one person, everything that sets a cookie and everything no view
marked says `private, no-store`.
"""

from __future__ import annotations

import time

import pytest
from flask import make_response, session

from editorial_helpers import login, make_user
from factories import make_article, make_comment, make_topic
from helpers import HTMX, post_comment
from webapp.caching import shared_view
from webapp.extensions import db
from webapp.models import Comment, CommentStatus
from webapp.pages import Page

SHARED = "public, max-age=0, s-maxage=1"
PERSONAL = {"private", "no-store"}


def directives(response) -> set[str]:
    return {d.strip() for d in response.headers.get("Cache-Control", "").split(",") if d}


def assert_shared(response, seconds: int = 1) -> None:
    assert response.headers["Cache-Control"] == f"public, max-age=0, s-maxage={seconds}"
    # nginx keeps a copy through the second X-Accel-Expires names, and no longer.
    last = int(response.headers["X-Accel-Expires"].removeprefix("@"))
    assert last - (seconds - 1) in (int(time.time()) - 1, int(time.time()))
    assert "Set-Cookie" not in response.headers


def assert_personal(response) -> None:
    assert directives(response) == PERSONAL
    assert "X-Accel-Expires" not in response.headers


@pytest.fixture
def site(app):
    """An article in a topic with a comment, and a page of the editors' own."""
    topic = make_topic("Integration")
    article = make_article(topics=[topic])
    comment = make_comment(article, text="Ein sichtbarer Kommentar")
    db.session.add(Page(title="Über uns", slug="ueber-uns", body="Wir sind ein Verein."))
    db.session.commit()
    return article, comment, topic


PUBLIC_PAGES = {
    "front page": lambda a, c, t: ("/", {}),
    "article": lambda a, c, t: (f"/artikel/{a.slug}", {}),
    "topics": lambda a, c, t: ("/themen", {}),
    "topic": lambda a, c, t: (f"/thema/{t.slug}", {}),
    "authors": lambda a, c, t: ("/autoren", {}),
    "author": lambda a, c, t: (f"/autoren/{a.author.slug}", {}),
    "search results": lambda a, c, t: ("/suche?q=Absatz", {}),
    "search results, htmx": lambda a, c, t: ("/suche?q=Absatz", HTMX),
    "Impressum": lambda a, c, t: ("/impressum", {}),
    "Datenschutz": lambda a, c, t: ("/datenschutz", {}),
    "a page": lambda a, c, t: ("/seite/ueber-uns", {}),
    "articles feed": lambda a, c, t: ("/feed", {}),
    "topic feed": lambda a, c, t: (f"/thema/{t.slug}/feed", {}),
    "comment feed": lambda a, c, t: (f"/artikel/{a.slug}/kommentare/feed", {}),
    "comments feed": lambda a, c, t: ("/kommentare/feed", {}),
    "comment list, htmx": lambda a, c, t: (f"/artikel/{a.slug}/kommentare?seit={c.id}", HTMX),
    "older comments": lambda a, c, t: (f"/artikel/{a.slug}/kommentare?vor={c.id}", {}),
    "news poll": lambda a, c, t: (f"/artikel/{a.slug}/kommentare/neu?stand=0", HTMX),
    "permalink": lambda a, c, t: (f"/kommentare/{c.id}", {}),
    "reply form": lambda a, c, t: (f"/kommentare/{c.id}/antworten", {}),
    "reply form, htmx": lambda a, c, t: (f"/kommentare/{c.id}/antworten", HTMX),
    "sitemap": lambda a, c, t: ("/sitemap.xml", {}),
    "robots.txt": lambda a, c, t: ("/robots.txt", {}),
}


@pytest.mark.parametrize("address", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_every_public_page_type_may_be_kept_a_second_by_a_shared_cache(client, site, address):
    path, headers = address(*site)
    response = client.get(path, headers=headers)

    assert response.status_code == 200
    assert_shared(response)


def test_a_list_link_without_javascript_leads_on_and_may_be_shared(client, site):
    article, _, _ = site
    response = client.get(f"/artikel/{article.slug}/kommentare")
    assert response.status_code == 302
    assert_shared(response)


def test_not_modified_says_the_same_as_the_page(client, site):
    article, _, _ = site
    first = client.get(f"/artikel/{article.slug}")
    repeat = client.get(
        f"/artikel/{article.slug}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert repeat.status_code == 304
    assert_shared(repeat)


def test_the_seconds_are_a_setting_and_zero_shares_nothing(client, app, site):
    article, _, _ = site
    app.config["SHARED_CACHE_SECONDS"] = 5
    assert_shared(client.get(f"/artikel/{article.slug}"), seconds=5)
    assert_shared(client.get("/themen"), seconds=5)

    app.config["SHARED_CACHE_SECONDS"] = 0
    for path in (f"/artikel/{article.slug}", "/themen"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-cache"  # revalidated, as before
        assert "X-Accel-Expires" not in response.headers


# --- what is one reader's own ------------------------------------------------------------


def test_the_page_of_a_reader_with_a_held_comment_is_theirs(client, app, site):
    article, _, _ = site
    app.config["MIN_SUBMIT_SECONDS"] = 60  # held: sent too fast
    assert post_comment(client, article, text="Wartet auf Prüfung").status_code == 200
    assert_personal(client.get(f"/artikel/{article.slug}"))
    held = db.session.scalar(db.select(Comment).where(Comment.text == "Wartet auf Prüfung"))
    assert held.status == CommentStatus.PENDING

    # Its permalink leads its author to it, and only them.
    to_it = client.get(f"/kommentare/{held.id}")
    assert to_it.status_code == 302
    assert_personal(to_it)
    assert app.test_client().get(f"/kommentare/{held.id}").status_code == 404


def test_the_answers_to_a_post_set_cookies_and_are_never_shared(client, site):
    article, _, _ = site
    htmx = post_comment(client, article, text="Mit htmx")
    plain = post_comment(client, article, htmx=False, text="Ohne Skript")

    for answer in (htmx, plain):
        assert "zirkel_eigene_kommentare=" in answer.headers["Set-Cookie"]
        assert_personal(answer)
    # The page the plain post leads to: the thanks, the comment and its buttons.
    after = client.get(plain.headers["Location"])
    assert "Vielen Dank" in after.get_data(as_text=True)
    assert_personal(after)


def test_a_remembered_name_is_only_ever_in_its_readers_answers(client, site):
    article, comment, _ = site
    post_comment(client, article, text="Mit Namen", name="Erika Merkt", remember="y")

    for path, headers in (
        (f"/artikel/{article.slug}", {}),
        (f"/kommentare/{comment.id}/antworten", {}),
        (f"/kommentare/{comment.id}/antworten", HTMX),
    ):
        response = client.get(path, headers=headers)
        assert "Erika Merkt" in response.get_data(as_text=True)
        assert_personal(response)


def test_changing_or_deleting_ones_own_comment_is_never_shared(client, site):
    article, _, _ = site
    post_comment(client, article, text="Meiner")
    own = db.session.scalar(db.select(Comment).where(Comment.text == "Meiner"))

    for path in (f"/kommentare/{own.id}/bearbeiten", f"/kommentare/{own.id}/loeschen"):
        for headers in ({}, HTMX):
            response = client.get(path, headers=headers)
            assert response.status_code == 200
            assert_personal(response)


def test_previews_and_refusals_with_the_readers_text_are_never_shared(client, site):
    article, _, _ = site
    for htmx in (True, False):
        preview = post_comment(client, article, htmx=htmx, text="Nur eine Vorschau", vorschau="1")
        invalid = post_comment(client, article, htmx=htmx, text="Ohne Namen", name="")
        assert (preview.status_code, invalid.status_code) == (200, 422)
        for answer in (preview, invalid):
            assert_personal(answer)
        assert "Ohne Namen" in invalid.get_data(as_text=True)


def test_error_pages_are_never_shared(client, site):
    article, _, _ = site
    missing = client.get("/artikel/gibt-es-nicht")
    assert missing.status_code == 404
    assert_personal(missing)
    expired = client.post(
        f"/artikel/{article.slug}/kommentare",
        data={"name": "A", "email": "a@example.org", "text": "Mein Text", "csrf_token": "alt"},
    )
    assert expired.status_code == 400 and "Mein Text" in expired.get_data(as_text=True)
    assert_personal(expired)


def test_my_data_and_the_editorial_area_are_never_shared(client, app, site):
    assert_personal(client.get("/meine-daten"))
    assert_personal(client.get("/verwaltung/anmelden"))
    make_user()
    login(client)
    dashboard = client.get("/verwaltung/")
    assert dashboard.status_code == 200
    assert_personal(dashboard)


def test_choosing_a_language_sets_a_cookie_and_is_never_shared(client, site):
    chosen = client.post("/sprache", data={"sprache": "en", "weiter": "/"})
    assert chosen.status_code == 303 and "zirkel_sprache=en" in chosen.headers["Set-Cookie"]
    assert_personal(chosen)
    # The reader's pages in their language are the same for every English reader.
    assert_shared(client.get("/themen"))


def test_a_shared_view_that_sets_a_cookie_is_never_shared(app, client):
    """The general rule, whatever a view says: a cookie is for one browser only."""

    @shared_view
    def with_a_cookie():
        response = make_response("Für alle?")
        response.set_cookie("etwas", "nur für mich")
        return response

    @shared_view
    def with_a_session():
        session["etwas"] = "nur für mich"
        return "Für alle?"

    def unmarked():
        return "Niemand hat etwas gesagt"

    app.add_url_rule("/test/cookie", view_func=with_a_cookie)
    app.add_url_rule("/test/sitzung", view_func=with_a_session)
    app.add_url_rule("/test/ohne", view_func=unmarked)

    for path in ("/test/cookie", "/test/sitzung"):
        response = client.get(path)
        assert "Set-Cookie" in response.headers
        assert_personal(response)
    assert_personal(client.get("/test/ohne"))
