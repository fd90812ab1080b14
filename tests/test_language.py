"""The interface language: from the browser, or the reader's click; kept per language in caches."""

from __future__ import annotations

import pytest

from factories import make_article, make_comment
from helpers import post_comment, soup

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def article(app):
    article = make_article(title="Ein Artikel", slug="ein-artikel")
    make_comment(article, name="Ayşe", text="Erster!")
    return article


def switch(response) -> dict[str, str]:
    """The footer's language buttons: language code -> label."""
    form = soup(response).select_one("form.language-switch")
    return {button["value"]: button.get_text(strip=True) for button in form.select("button")}


def test_german_by_default_and_for_browsers_asking_for_neither(app, client, article):
    for headers in ({}, {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "de-AT"}):
        response = client.get("/artikel/ein-artikel", headers=headers)
        page = soup(response)
        assert page.html["lang"] == "de"
        assert "1 Kommentar" in page.get_text()
        assert switch(response) == {"en": "English"}
        assert "Set-Cookie" not in response.headers


def test_english_from_accept_language(app, client, article):
    response = client.get("/artikel/ein-artikel", headers=ENGLISH)
    page = soup(response)
    assert page.html["lang"] == "en"
    assert "1 comment" in page.get_text()
    assert page.select_one("#kommentar-formular h3").get_text(strip=True) == "Write a comment"
    assert switch(response) == {"de": "Deutsch"}
    # Reading sets no cookie, in either language.
    assert "Set-Cookie" not in response.headers


def test_the_switch_keeps_the_choice_in_a_cookie_and_goes_back(app, client, article):
    response = client.post(
        "/sprache", data={"sprache": "en", "weiter": "/artikel/ein-artikel?seite=1"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/artikel/ein-artikel?seite=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("zirkel_sprache=en;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie

    # The choice wins over what the browser asks for, on every page.
    page = soup(client.get("/artikel/ein-artikel", headers={"Accept-Language": "de"}))
    assert page.html["lang"] == "en"
    assert "1 comment" in page.get_text()

    client.post("/sprache", data={"sprache": "de", "weiter": "/"})
    assert soup(client.get("/", headers=ENGLISH)).html["lang"] == "de"


def test_the_switch_never_sends_readers_to_another_site_nor_keeps_an_unknown_language(app, client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "", None):
        data = {"sprache": "fr"} | ({"weiter": target} if target is not None else {})
        response = client.post("/sprache", data=data)
        assert response.status_code == 303
        assert response.headers["Location"] == "/"
        assert "Set-Cookie" not in response.headers


def test_every_page_varies_by_language_and_304_only_for_the_same_language(app, client, article):
    german = client.get("/artikel/ein-artikel")
    assert {"Accept-Language", "Cookie"} <= set(german.vary)
    etag = german.headers["ETag"]
    again = client.get("/artikel/ein-artikel", headers={"If-None-Match": etag})
    assert again.status_code == 304
    english = client.get("/artikel/ein-artikel", headers=ENGLISH | {"If-None-Match": etag})
    assert english.status_code == 200
    assert english.headers["ETag"] != etag
    assert "1 comment" in english.text
    # The render cache keeps both: German again is German.
    assert "1 Kommentar" in client.get("/artikel/ein-artikel").text
    # Files are the same in every language.
    with client.get("/static/css/site.css") as stylesheet:
        assert "Accept-Language" not in stylesheet.vary


def test_the_form_messages_and_error_pages_follow_the_language(app, client, article):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ENGLISH["Accept-Language"]
    response = post_comment(client, article, name="", email="", text="")
    assert response.status_code == 422
    assert "Please fill in all fields" in response.text
    assert "Bitte füllen" not in response.text

    missing = client.get("/artikel/gibt-es-nicht", headers=ENGLISH)
    assert missing.status_code == 404
    assert soup(missing).html["lang"] == "en"
    assert "Seite" not in soup(missing).select_one("main").get_text()


def test_dates_and_plurals_in_english(app, client):
    from datetime import datetime

    article = make_article(slug="datiert", published_at=datetime(2014, 3, 21, 12))
    make_comment(article)
    make_comment(article)
    english = soup(client.get("/artikel/datiert", headers=ENGLISH)).get_text()
    assert "March 21, 2014" in english
    assert "2 comments" in english
    german = soup(client.get("/artikel/datiert")).get_text()
    assert "21. März 2014" in german
    assert "2 Kommentare" in german


def test_the_datenschutz_text_names_the_language_cookie(app, client):
    text = soup(client.get("/datenschutz")).select_one("main").get_text()
    assert "zirkel_sprache" in text
    assert "nur gesetzt, wenn Sie unten auf einer Seite die Sprache wechseln" in text
    # Content stays in the language it was written in.
    assert "zirkel_sprache" in client.get("/datenschutz", headers=ENGLISH).text


def test_mails_speak_the_language_of_their_reader(app, article, smtp):
    """An English reader's confirmation and reply mails are English, though the reply came
    from a German reader; the moderators' mail about the English comment is German."""
    from sqlalchemy import select
    from test_subscriptions import deliver, links, press

    from webapp.extensions import db
    from webapp.models import Comment, Subscription
    from webapp.site_settings import set_setting

    app.config["MODERATOR_EMAILS"] = "moderation@example.org"
    set_setting("notify_moderators", True)
    db.session.commit()
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = ENGLISH["Accept-Language"]
    post_comment(
        reader, article, text="Hello there", notify="y", email="reader@example.org", name="Ann"
    )
    mails = deliver(smtp, 2)
    by_recipient = {m["To"]: m for m in mails}
    confirmation = by_recipient["reader@example.org"]
    assert "Please confirm" in confirmation["Subject"]
    assert "Bitte bestätigen" not in confirmation.get_body(("plain",)).get_content()
    assert "Neuer Kommentar" in by_recipient["moderation@example.org"]["Subject"]

    [link] = [url for url in links(confirmation) if "bestaetigen" in url]
    press(reader, link)
    assert db.session.scalar(select(Subscription.language)) == "en"

    comment = db.session.scalar(select(Comment).where(Comment.text == "Hello there"))
    post_comment(app.test_client(), article, text="Antwort", antwort_auf=str(comment.id))
    mails = deliver(smtp, 4)
    [reply_mail] = [m for m in mails[2:] if m["To"] == "reader@example.org"]
    assert "replied to your comment" in reply_mail["Subject"]
    body = reply_mail.get_body(("plain",)).get_content()
    assert "Antwort" in body  # the reply itself, as written
    assert "Abbestellen" not in body and "abbestellen" not in body.split("http")[0]


def test_what_editors_wrote_is_marked_as_written_in_the_sites_language(app, client, article):
    english = soup(client.get("/artikel/ein-artikel", headers=ENGLISH))
    assert english.select_one("article h1")["lang"] == "de"
    assert english.select_one("article .body")["lang"] == "de"
    assert not english.select_one("#kommentar-formular").has_attr("lang")
    german = soup(client.get("/artikel/ein-artikel"))
    assert not german.select_one("article h1").has_attr("lang")  # the page's own language
    assert soup(client.get("/impressum", headers=ENGLISH)).select_one("article")["lang"] == "de"
