"""Posting comments: in place with htmx, as a plain form, and everything that is refused."""

from __future__ import annotations

import io
import json
import time

import pytest
from sqlalchemy import func, select

from factories import make_article, make_comment
from helpers import HTMX, csrf_token, post_comment, post_from, soup, textarea_value
from webapp.extensions import db
from webapp.models import Article, Comment, CommentStatus, utcnow


def stored_comments() -> list[Comment]:
    return db.session.scalars(select(Comment).order_by(Comment.id)).all()


@pytest.fixture
def article(app):
    return make_article()


# --- success ------------------------------------------------------------------------------


def test_htmx_post_stores_comment_and_answers_with_fragments(client, article):
    """htmx gets the empty form, and out of band the discussion, the count and the thanks."""
    response = post_comment(client, article, text="Erste Zeile\nZweite Zeile")

    assert response.status_code == 200
    [comment] = stored_comments()
    assert (comment.name, comment.email, comment.text) == (
        "Erika Muster",
        "erika@example.org",
        "Erste Zeile\nZweite Zeile",
    )
    page = soup(response)
    assert page.find("html") is None, "htmx gets fragments, not the whole page"
    form = page.find("form", id="kommentar-formular")
    assert form.find("input", {"name": "name"})["value"] == ""
    assert textarea_value(form.find("textarea", {"name": "text"})) == ""
    discussion = page.find(id="kommentar-verlauf")
    assert discussion["hx-swap-oob"] == "true"
    item = discussion.find("li", id=f"kommentar-{comment.id}")
    assert item.find(class_="comment-author").get_text() == "Erika Muster"
    assert item.find(class_="comment-text").get_text() == "Erste Zeile\nZweite Zeile"
    assert item.has_attr("autofocus") and item["tabindex"] == "-1", "the focus goes to it"
    assert discussion.find(id="kommentare-leer") is None
    count = page.find(id="kommentar-anzahl")
    assert (count["hx-swap-oob"], count.get_text()) == ("true", "1 Kommentar")
    status = page.find(id="kommentar-status")
    assert status["hx-swap-oob"] == "innerHTML"
    assert "Vielen Dank! Ihr Kommentar ist veröffentlicht." in status.get_text()


def test_a_post_shows_what_others_wrote_meanwhile(client, article):
    """Two tabs: the second posts after the first did; its answer lists both comments,
    counts two and no longer says there are none."""
    tab_two = soup(client.get(f"/artikel/{article.slug}"))
    assert tab_two.find(id="kommentare-leer") is not None
    post_comment(client, article, name="Tab eins", text="Aus dem ersten Tab")

    page = soup(post_from(client, article, tab_two, name="Tab zwei", text="Aus dem zweiten Tab"))

    authors = [a.get_text() for a in page.select("#kommentar-liste .comment-author")]
    assert authors == ["Tab eins", "Tab zwei"]
    assert page.find(id="kommentar-anzahl").get_text() == "2 Kommentare"
    assert page.find(id="kommentare-leer") is None
    assert "Noch keine Kommentare" not in page.get_text()


def test_second_comment_counts_two(client, article):
    """The count speaks German plural."""
    post_comment(client, article)
    page = soup(post_comment(client, article, text="Noch einer"))

    assert page.find(id="kommentar-anzahl").get_text() == "2 Kommentare"
    assert db.session.get(Article, article.id).comment_count == 2


def test_plain_post_redirects_to_the_new_comment(client, article):
    """Without JavaScript: 303 to the article at #kommentar-<id>, the comment and thanks shown."""
    response = post_comment(client, article, htmx=False)

    [comment] = stored_comments()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/artikel/{article.slug}#kommentar-{comment.id}"
    page = soup(client.get(response.headers["Location"]))
    assert page.find(id="kommentar-anzahl").get_text() == "1 Kommentar"
    assert page.find("li", id=f"kommentar-{comment.id}") is not None
    assert (
        "Vielen Dank! Ihr Kommentar ist veröffentlicht."
        in page.find(id="kommentar-status").get_text()
    )
    # The focus goes to the new comment, as with htmx; not to the page's body.
    assert page.find("li", id=f"kommentar-{comment.id}").has_attr("autofocus")
    assert len(page.select("[autofocus]")) == 1


def test_comment_is_shown_with_german_date_and_a_permalink(client, article):
    """Name, '21. März 2014 um 14:05' (Berlin time), the date linking to the permalink."""
    from datetime import datetime

    comment = make_comment(article, name="Jo", created_at=datetime(2014, 3, 21, 13, 5))
    item = soup(client.get(f"/artikel/{article.slug}")).find("li", id=f"kommentar-{comment.id}")

    assert item.find("time").get_text() == "21. März 2014 um 14:05"
    assert item.find("time")["datetime"] == "2014-03-21T13:05:00Z"
    assert item.find("a", class_="comment-date")["href"] == (
        f"/kommentare/{comment.id}#kommentar-{comment.id}"
    )


def test_comments_are_listed_oldest_first_and_only_visible_ones(client, article):
    """Pending, spam and deleted comments are neither listed nor counted."""
    from datetime import timedelta

    now = utcnow()
    make_comment(article, text="später", created_at=now)
    make_comment(article, text="früher", created_at=now - timedelta(hours=1))
    for status in (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.DELETED):
        make_comment(article, text=f"unsichtbar {status}", status=status)

    page = soup(client.get(f"/artikel/{article.slug}"))
    texts = [t.get_text() for t in page.select("#kommentar-liste .comment-text")]
    assert texts == ["früher", "später"]
    assert page.find(id="kommentar-anzahl").get_text() == "2 Kommentare"


def test_email_addresses_are_never_shown(client, article):
    """Neither the page, nor the htmx answer, nor the refreshed list shows an e-mail address."""
    make_comment(article, email="geheim@example.org")
    htmx_answer = post_comment(client, article, email="auch.geheim@example.org")
    page = client.get(f"/artikel/{article.slug}")
    refreshed = client.get(f"/artikel/{article.slug}/kommentare", headers=HTMX)

    for response in (htmx_answer, page, refreshed):
        assert "geheim@example.org" not in response.get_data(as_text=True)


# --- refused input ------------------------------------------------------------------------

EMPTY_CASES = {
    "no name": {"name": ""},
    "no e-mail": {"email": ""},
    "no comment": {"text": ""},
    "field missing from the request": {"text": None},
    "only spaces and line breaks": {"text": "  \n\t \r\n "},
    "zero-width space as name": {"name": "\u200b\u200b"},
    "right-to-left override as name": {"name": "\u202e"},
    "no-break spaces as comment": {"text": "\u00a0\u2007\u202f"},
}


@pytest.mark.parametrize("fields", EMPTY_CASES.values(), ids=EMPTY_CASES.keys())
def test_empty_field_stores_nothing_and_asks_for_all_fields(client, article, fields):
    """An empty (or invisible) field: 422, 'Bitte füllen Sie alle Felder aus.', nothing stored."""
    response = post_comment(client, article, **fields)

    assert response.status_code == 422
    assert stored_comments() == []
    page = soup(response)
    assert "Bitte füllen Sie alle Felder aus." in page.find(id="formular-fehler").get_text()
    assert "Bitte füllen Sie alle Felder aus." in page.find(id="kommentar-status").get_text()


def test_an_empty_post_says_to_fill_in_all_fields_once(client, article):
    """The instruction gives way to the summary: not "…aus:" followed by "…aus."."""
    page = soup(post_comment(client, article, htmx=False, name=""))
    form = page.find("form", id="kommentar-formular")
    visible = form.get_text(" ", strip=True)
    assert visible.count("Bitte füllen Sie alle Felder aus") == 1


def test_invalid_form_keeps_values_and_ties_messages_to_fields(client, article):
    """The reader's values come back; the invalid field says why, linked by aria-describedby."""
    response = post_comment(client, article, name="Erika", email="", text="Mein Text")

    page = soup(response)
    name = page.find("input", {"name": "name"})
    email = page.find("input", {"name": "email"})
    assert name["value"] == "Erika"
    assert textarea_value(page.find("textarea", {"name": "text"})) == "Mein Text"
    assert (name["aria-invalid"], email["aria-invalid"]) == ("false", "true")
    assert "email-fehler" in email["aria-describedby"].split()
    assert (
        page.find(id="email-fehler")
        .get_text(strip=True)
        .endswith("Bitte geben Sie Ihre E-Mail-Adresse ein.")
    )
    assert email.has_attr("autofocus") and not name.has_attr("autofocus")
    assert page.find("a", href="#email") is not None, "the summary links to the field"


def test_invalid_email_address_gets_its_own_message(client, article):
    response = post_comment(client, article, email="keine-adresse")

    assert response.status_code == 422
    assert stored_comments() == []
    text = soup(response).find(id="email-fehler").get_text()
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in text
    assert "Bitte korrigieren Sie die markierten Felder." in soup(response).get_text()


# 64 + 1 + 189 = 254 characters, a valid address at the limit.
LONGEST_EMAIL = "a" * 64 + "@" + ("b" * 61 + ".") * 2 + "c" * 53 + ".example.org"

LIMITS = [
    (
        "name",
        "N" * 100,
        "x" * 101,
        "Der Name darf höchstens 100 Zeichen lang sein (Ihrer hat 101).",
    ),
    (
        "email",
        LONGEST_EMAIL,
        "x" + LONGEST_EMAIL,
        "Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein (Ihre hat 255).",
    ),
    (
        "text",
        "t" * 5000,
        "t" * 5001,
        "Der Kommentar darf höchstens 5.000 Zeichen lang sein (Ihrer hat 5.001).",
    ),
]


@pytest.mark.parametrize(
    ("field", "longest", "too_long", "message"), LIMITS, ids=[limit[0] for limit in LIMITS]
)
def test_limits_are_checked_before_storing_and_never_truncate(
    client, article, field, longest, too_long, message
):
    """At the limit: stored whole. One over: 422 with a message naming the limit."""
    assert len(longest) + 1 == len(too_long)
    refused = post_comment(client, article, **{field: too_long})
    assert refused.status_code == 422
    assert message in soup(refused).find(id=f"{field}-fehler").get_text()
    assert stored_comments() == []

    accepted = post_comment(client, article, **{field: longest})
    assert accepted.status_code == 200
    assert getattr(stored_comments()[0], field) == longest


@pytest.mark.parametrize("field", ["name", "email", "text"])
def test_nul_bytes_are_refused_not_stored(client, article, field):
    """Werkzeug passes NUL through; PostgreSQL would fail on it. It gets a German message."""
    value = {"name": "Eri\x00ka", "email": "erika\x00@example.org", "text": "Hallo\x00"}[field]
    response = post_comment(client, article, **{field: value})

    assert response.status_code == 422
    assert stored_comments() == []
    assert "Steuerzeichen" in soup(response).find(id=f"{field}-fehler").get_text()


def test_text_is_normalised_to_nfc_once_at_input(client, article):
    """'e' + combining acute and 'é' are the same comment: stored as the composed form."""
    post_comment(client, article, name="Rene\u0301", text="Cafe\u0301\r\nzweite Zeile")

    [comment] = stored_comments()
    assert comment.name == "Ren\u00e9"
    assert comment.text == "Caf\u00e9\nzweite Zeile"


def test_plain_invalid_post_renders_the_whole_page_with_422(client, article):
    """Without JavaScript the article page comes back with the form's messages."""
    response = post_comment(client, article, htmx=False, name="  ")

    assert response.status_code == 422
    page = soup(response)
    assert page.find("h1").get_text() == article.title
    assert page.find("html")["lang"] == "de"
    assert "Bitte füllen Sie alle Felder aus." in page.find(id="formular-fehler").get_text()
    assert page.find("input", {"name": "email"})["value"] == "erika@example.org"
    assert stored_comments() == []


def test_post_to_unknown_or_unpublished_article_is_404_and_stores_nothing(client, article):
    draft = make_article(published_at=None)
    token = csrf_token(client, article)
    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": token}

    for slug in ("gibt-es-nicht", draft.slug):
        response = client.post(f"/artikel/{slug}/kommentare", data=data)
        assert response.status_code == 404
    assert stored_comments() == []


# --- CSRF -------------------------------------------------------------------------------------


EXPIRED = "Das Formular war abgelaufen. Es wurde erneuert: Bitte schicken Sie es noch einmal ab."


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "htmx"])
@pytest.mark.parametrize("token", [None, "gefälscht", ""], ids=["missing", "forged", "empty"])
def test_post_without_valid_token_is_refused_with_german_message(client, article, htmx, token):
    """No token, or a forged one: 400, nothing stored; the form comes back with the text
    and a fresh token, the message above it, and sending it again works."""
    data = {"name": "A", "email": "a@example.org", "text": "Mein langer Text"}
    if token is not None:
        data["csrf_token"] = token
    url = f"/artikel/{article.slug}/kommentare"
    response = client.post(url, data=data, headers=HTMX if htmx else {})

    assert response.status_code == 400
    page = soup(response)
    assert EXPIRED in page.find(id="kommentar-status").get_text()
    assert (page.find("html") is None) == htmx
    form = page.find("form", id="kommentar-formular")
    assert textarea_value(form.find("textarea", {"name": "text"})) == "Mein langer Text"
    assert form.find("input", {"name": "name"})["value"] == "A"
    assert stored_comments() == []

    fresh = form.find("input", {"name": "csrf_token"})["value"]
    again = client.post(url, data={**data, "csrf_token": fresh}, headers=HTMX if htmx else {})
    assert again.status_code == (200 if htmx else 303)
    assert [c.text for c in stored_comments()] == ["Mein langer Text"]


def test_token_older_than_its_lifetime_is_refused(app, client, article):
    """A form left open past FORM_TOKEN_MAX_AGE counts as expired."""
    from webapp.comments.token import issue_token

    old = issue_token(now=time.time() - app.config["FORM_TOKEN_MAX_AGE"] - 1)
    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": old}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data)

    assert response.status_code == 400
    assert stored_comments() == []


def test_htmx_token_travels_in_a_header(client, article):
    """The form's hx-headers carries the token, so an htmx post needs no hidden field."""
    form = soup(client.get(f"/artikel/{article.slug}")).find("form", id="kommentar-formular")
    token = json.loads(form["hx-headers"])["X-Form-Token"]
    assert token == form.find("input", {"name": "csrf_token"})["value"]

    data = {"name": "A", "email": "a@example.org", "text": "B"}
    response = client.post(
        f"/artikel/{article.slug}/kommentare", data=data, headers={**HTMX, "X-Form-Token": token}
    )
    assert response.status_code == 200
    assert len(stored_comments()) == 1


CROSS_SITE = {
    "fetch metadata": {"Sec-Fetch-Site": "cross-site"},
    "sibling subdomain": {"Sec-Fetch-Site": "same-site"},
    "foreign origin": {"Origin": "https://evil.example"},
    "opaque origin": {"Origin": "null"},
    "foreign referer": {"Referer": "https://evil.example/seite"},
    "other scheme": {"Origin": "https://localhost"},
}


@pytest.mark.parametrize("headers", CROSS_SITE.values(), ids=CROSS_SITE.keys())
def test_cross_site_posts_are_refused_even_with_a_valid_token(client, article, headers):
    """testCrossSiteFormPostIsRefused: another site's page cannot make a browser post here."""
    token = csrf_token(client, article)
    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": token}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=headers)

    assert response.status_code == 403
    assert "nur auf dieser Website" in response.get_data(as_text=True)
    assert stored_comments() == []


SAME_SITE = {
    "fetch metadata": {"Sec-Fetch-Site": "same-origin"},
    "own origin": {"Origin": "http://localhost"},
    "own referer": {"Referer": "http://localhost/artikel/x"},
    "no browser hints": {},
}


@pytest.mark.parametrize("headers", SAME_SITE.values(), ids=SAME_SITE.keys())
def test_same_site_posts_are_accepted(client, article, headers):
    token = csrf_token(client, article)
    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": token}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=headers)

    assert response.status_code == 303
    assert len(stored_comments()) == 1


def test_readers_get_no_cookie_and_the_same_page_but_for_its_token(client, article, monkeypatch):
    """No cookie for readers; every response is stamped with a token of its own moment."""
    from webapp.comments import token

    responses = []
    for moment in (1_800_000_000, 1_800_000_042):
        monkeypatch.setattr(token.time, "time", lambda moment=moment: moment)
        responses.append(client.get(f"/artikel/{article.slug}"))
        client.delete_cookie("session")

    tokens = []
    for response in responses:
        assert "Set-Cookie" not in response.headers
        # What the page depends on: the language asked for or chosen (cookie zirkel_sprache),
        # nothing else of the reader's (webapp/language.py).
        assert set(response.vary) == {"Accept-Language", "Cookie"}
        tokens.append(soup(response).find("input", {"name": "csrf_token"})["value"])
    assert [token.token_issued_at(t) for t in tokens] == [1_800_000_000, 1_800_000_042]
    first, second = (
        r.get_data(as_text=True).replace(t, "") for r, t in zip(responses, tokens, strict=True)
    )
    assert first == second


# --- escaping -------------------------------------------------------------------------------


def test_script_in_name_or_comment_is_shown_as_text(client, article):
    """testScriptPayloadIsEscaped: what a reader types is text, on the page and in the fragment."""
    payload_name = "<script>alert('name')</script>"
    payload_text = '<img src=x onerror="alert(1)"><b>fett</b>'
    fragment = post_comment(client, article, name=payload_name, text=payload_text)
    page = client.get(f"/artikel/{article.slug}")

    for response in (fragment, page):
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        parsed = soup(response)
        assert parsed.select_one("#kommentar-liste script, .comment-text img, .comment b") is None
        item = parsed.select_one(".comment")
        assert item.find(class_="comment-author").get_text() == payload_name
        assert item.find(class_="comment-text").get_text() == payload_text


# --- the list as a fragment -----------------------------------------------------------------


def test_comment_list_fragment_for_htmx(client, article):
    """GET …/kommentare with htmx: the list and the count, from the same partials."""
    make_comment(article, text="Hallo")
    response = client.get(f"/artikel/{article.slug}/kommentare", headers=HTMX)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.find("html") is None
    assert [t.get_text() for t in page.select("#kommentar-verlauf .comment-text")] == ["Hallo"]
    assert page.find(id="kommentar-anzahl")["hx-swap-oob"] == "true"


def test_comment_list_url_without_htmx_leads_to_the_comments(client, article):
    response = client.get(f"/artikel/{article.slug}/kommentare")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/artikel/{article.slug}#kommentare"
    assert "HX-Request" in response.headers["Vary"]


# --- refusals are never a dead end -----------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "htmx"])
def test_a_duplicate_is_refused_beside_the_form_with_the_text_kept(client, article, htmx):
    post_comment(client, article, text="Zweimal geschickt")
    response = post_comment(client, article, htmx=htmx, text="Zweimal geschickt")

    assert response.status_code == 409
    page = soup(response)
    assert (page.find("html") is None) == htmx, "without JavaScript: the whole article page"
    status = page.find(id="kommentar-status")
    assert "Diesen Kommentar haben Sie bereits abgeschickt." in status.get_text()
    assert status.find(class_="meldung-error").has_attr("autofocus")
    assert textarea_value(page.find("textarea", {"name": "text"})) == "Zweimal geschickt"
    assert "Zur Startseite" not in page.get_text()
    assert len(stored_comments()) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "htmx"])
def test_flood_control_answers_beside_the_form_in_human_units(app, client, article, htmx):
    app.config["RATELIMIT"] = "1 per hour"
    post_comment(client, article, text="Eins")
    response = post_comment(client, article, htmx=htmx, text="Zwei")

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 3000
    page = soup(response)
    message = page.find(id="kommentar-status").get_text(" ", strip=True)
    assert "Bitte versuchen Sie es in etwa 1 Stunde noch einmal." in message
    assert textarea_value(page.find("textarea", {"name": "text"})) == "Zwei"


def test_plain_refusal_page_can_be_sent_again(client, article, app):
    """The page that says no carries a working form: send again once the reason is gone."""
    app.config["RATELIMIT"] = "1 per hour"
    post_comment(client, article, text="Eins")
    page = soup(post_comment(client, article, htmx=False, text="Zwei"))
    app.config["RATELIMIT"] = "off"
    form = page.find("form", id="kommentar-formular")
    data = {field["name"]: field.get("value", "") for field in form.find_all("input")}
    data["text"] = textarea_value(form.find("textarea"))
    response = client.post(form["action"], data=data)
    assert response.status_code == 303
    assert [c.text for c in stored_comments()] == ["Eins", "Zwei"]


# --- size limit -------------------------------------------------------------------------------


def test_request_body_over_the_limit_gets_413_in_german(app, client, article):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    token = csrf_token(client, article)
    data = {"name": "A", "email": "a@example.org", "text": "x" * 5000, "csrf_token": token}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data)

    assert response.status_code == 413
    page = soup(response)
    # The article page, the message above an empty form (the body could not be read).
    assert page.find("h1").get_text() == article.title
    assert "größer als erlaubt (höchstens 4 KB)" in page.find(id="kommentar-status").get_text()
    assert textarea_value(page.find("textarea", {"name": "text"})) == ""
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_a_body_over_the_limit_leaves_the_htmx_form_alone(app, client, article):
    """htmx: only the message, out of band; the reader's form keeps what they typed."""
    app.config["MAX_CONTENT_LENGTH"] = 4096
    token = csrf_token(client, article)
    data = {"name": "A", "email": "a@example.org", "text": "x" * 5000, "csrf_token": token}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=HTMX)

    assert response.status_code == 413
    assert response.headers["HX-Reswap"] == "none"
    page = soup(response)
    assert page.find("form") is None
    assert page.find(id="kommentar-status")["hx-swap-oob"] == "innerHTML"
    assert "größer als erlaubt" in page.get_text()


def post_chunked(client, article, body: bytes):
    """Post a body as gunicorn hands on a chunked one: no Content-Length, input terminated."""
    return client.post(
        f"/artikel/{article.slug}/kommentare",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    )


def test_chunked_body_over_the_limit_is_refused_not_truncated(app, client, article):
    """A chunked body has no length to check up front; it must still get 413, not be cut off."""
    app.config["MAX_CONTENT_LENGTH"] = 4096
    token = csrf_token(client, article)
    body = f"csrf_token={token}&name=A&email=a%40example.org&text={'x' * 5000}".encode()
    response = post_chunked(client, article, body)

    assert response.status_code == 413
    assert "größer als erlaubt" in response.get_data(as_text=True)
    assert stored_comments() == []


def test_chunked_body_within_the_limit_is_accepted(client, article):
    token = csrf_token(client, article)
    response = post_chunked(
        client, article, f"csrf_token={token}&name=A&email=a%40example.org&text=Kurz".encode()
    )

    assert response.status_code == 303
    assert [c.text for c in stored_comments()] == ["Kurz"]


def test_web_addresses_in_a_comment_are_links_and_nothing_else_is(app, client, article):
    app.config["MAX_LINKS"] = 4  # more would be held for moderation
    text = (
        "Der Beschluss: https://www.stadt.example/rat?x=1&y=2. Mehr dazu "
        "(https://de.wikipedia.org/wiki/Bonn_(Begriffsklärung)), nicht javascript:alert(1), "
        'nicht https://x.example/"onmouseover="alert(2) und nicht <a href="https://y.example">y</a>'
    )
    assert post_comment(client, article, htmx=False, text=text).status_code == 303

    page = soup(client.get(f"/artikel/{article.slug}"))
    shown = page.select_one("#kommentar-liste .comment-text")
    links = shown.find_all("a")
    assert [a["href"] for a in links] == [
        "https://www.stadt.example/rat?x=1&y=2",
        "https://de.wikipedia.org/wiki/Bonn_(Begriffsklärung)",
        "https://x.example/",
        "https://y.example",
    ]
    assert all(a["rel"] == ["nofollow", "ugc", "noopener"] for a in links)
    assert all(a.get_text() == a["href"] for a in links)
    assert shown.get_text() == text  # the rest is text, as typed
    assert page.find(attrs={"onmouseover": True}) is None


# --- preview ------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain form"])
def test_preview_shows_the_comment_as_it_will_be_published_and_stores_nothing(
    client, article, htmx
):
    response = post_comment(client, article, htmx=htmx, text="Mit *Betonung*", vorschau="1")

    assert response.status_code == 200
    assert stored_comments() == []
    page = soup(response)
    assert (page.find("html") is None) == htmx
    form = page.find("form", id="kommentar-formular")
    preview = form.find(class_="preview-box")
    assert preview.find(class_="comment-author").get_text() == "Erika Muster"
    assert str(preview.find(class_="comment-text").find("em")) == "<em>Betonung</em>"
    assert preview.find("h4").has_attr("autofocus")
    assert textarea_value(form.find("textarea", {"name": "text"})) == "Mit *Betonung*"
    # Sent for real afterwards, it is stored once.
    assert post_comment(client, article, text="Mit *Betonung*").status_code == 200
    assert len(stored_comments()) == 1


def test_an_invalid_preview_shows_the_errors_not_a_preview(client, article):
    response = post_comment(client, article, name="", vorschau="1")
    assert response.status_code == 422
    assert soup(response).find(class_="preview-box") is None


# --- name and address for the next comment ---------------------------------------------------


def form_values(page) -> dict:
    form = page.find("form", id="kommentar-formular")
    return {
        "name": form.find("input", {"name": "name"})["value"],
        "email": form.find("input", {"name": "email"})["value"],
        "remember": form.find("input", {"name": "remember"}).has_attr("checked"),
    }


def test_name_and_address_are_kept_only_when_the_reader_asks(client, app, article):
    post_comment(client, article, text="Ohne Häkchen")
    assert client.get_cookie("zirkel_name") is None
    assert form_values(soup(client.get(f"/artikel/{article.slug}")))["name"] == ""

    answer = post_comment(client, article, text="Mit Häkchen", remember="y")
    cookie = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("zirkel_name=")]
    assert cookie and "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0]
    # The form that comes back, and the page next time, are filled in, for this reader only.
    assert form_values(soup(answer)) == {
        "name": "Erika Muster",
        "email": "erika@example.org",
        "remember": True,
    }
    page = client.get(f"/artikel/{article.slug}")
    assert form_values(soup(page))["email"] == "erika@example.org"
    assert "no-store" in page.headers["Cache-Control"]
    other = soup(app.test_client().get(f"/artikel/{article.slug}"))
    assert form_values(other)["email"] == ""

    # Unticked with the next post: forgotten.
    answer = post_comment(client, article, text="Wieder ohne")
    assert any(c.startswith("zirkel_name=;") for c in answer.headers.getlist("Set-Cookie")), (
        "the cookie is removed"
    )


def test_a_planted_name_cookie_is_ignored(client, article):
    """testForgedNameCookieIsIgnored: it is signed, so nobody can plant an address."""
    client.set_cookie("zirkel_name", '{"n": "Fremd", "e": "fremd@example.org"}')
    assert form_values(soup(client.get(f"/artikel/{article.slug}")))["email"] == ""
