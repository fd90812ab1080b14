"""The spam guard's layers, each stopping one kind of abuse, and what they record."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from factories import make_article
from helpers import HTMX, csrf_token, post_comment, soup, textarea_value
from webapp.extensions import db
from webapp.models import Comment

HELD = "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet."


@pytest.fixture
def article(app):
    return make_article()


def only_comment() -> Comment:
    [comment] = db.session.scalars(select(Comment)).all()
    return comment


def test_a_filled_honeypot_is_spam_but_the_bot_is_not_told(client, article):
    """testHoneypotFilledIsSpam: the hidden field is for bots; nobody sees their post."""
    response = post_comment(client, article, homepage="https://spam.example")
    assert HELD in response.get_data(as_text=True)
    comment = only_comment()
    assert (comment.status, comment.reason_list) == ("spam", ["Honeypot ausgefüllt"])
    assert "spam.example" not in client.get(f"/artikel/{article.slug}").get_data(as_text=True)


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, article):
    trap = soup(client.get(f"/artikel/{article.slug}")).select_one("#kommentar-formular .hp")
    assert trap["aria-hidden"] == "true"
    assert trap.find("input")["tabindex"] == "-1"
    with client.get("/static/css/site.css") as stylesheet:
        assert ".hp { display: none; }" in stylesheet.get_data(as_text=True)


def test_a_post_faster_than_a_person_types_is_held(app, client, article, monkeypatch):
    app.config["MIN_SUBMIT_SECONDS"] = 3
    post_comment(client, article)
    comment = only_comment()
    assert comment.status == "pending"
    # "Nach 0 s …", or 1 s if the post crossed a second boundary: tokens count whole seconds.
    assert re.fullmatch(r"Nach [01] s abgeschickt \(Minimum 3 s\)", comment.reason_list[0])


def test_a_post_after_reading_is_published(app, client, article, monkeypatch):
    from webapp.comments import token

    app.config["MIN_SUBMIT_SECONDS"] = 3
    served = csrf_token(client, article)
    later = token.time.time() + 30
    monkeypatch.setattr(token.time, "time", lambda: later)
    data = {"name": "A", "email": "a@example.org", "text": "Gelesen", "csrf_token": served}
    client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=HTMX)
    assert only_comment().status == "visible"


@pytest.mark.parametrize(
    ("text", "status", "reasons"),
    [
        ("Quelle: https://a.example und https://b.example", "visible", []),
        ("https://a.example https://b.example www.c.example", "pending", ["3 Links (Grenze 2)"]),
        ("Billige Uhren hier", "spam", ["Wort von der Sperrliste: „uhren“"]),
        ("Ein Wort zur Wahl", "pending", ["Wort von der Moderationsliste: „wahl“"]),
    ],
    ids=["two links", "three links", "blocked word", "moderation word"],
)
def test_links_and_word_lists(app, client, article, text, status, reasons):
    app.config["BLOCKED_WORDS"] = "Uhren, Casino"
    app.config["MODERATION_WORDS"] = "Wahl"
    post_comment(client, article, text=text)
    comment = only_comment()
    assert (comment.status, comment.reason_list) == (status, reasons)


@pytest.mark.parametrize(
    "second",
    [
        {"email": "andere@example.org"},
        {"name": "Jemand anderes"},
        {"text": "  GUTER   artikel!  "},
    ],
    ids=["same name", "same e-mail", "same text, other case and spacing"],
)
def test_the_same_comment_twice_is_refused(client, article, second):
    assert post_comment(client, article, text="Guter Artikel!").status_code == 200
    again = post_comment(client, article, **{"text": "Guter Artikel!", **second})
    assert again.status_code == 409
    assert "Diesen Kommentar haben Sie bereits abgeschickt." in again.get_data(as_text=True)
    assert len(db.session.scalars(select(Comment)).all()) == 1


def test_a_different_comment_is_not_a_duplicate(client, article):
    post_comment(client, article, text="Guter Artikel!")
    assert post_comment(client, article, text="Und noch etwas.").status_code == 200


def test_flood_control_refuses_with_429_and_says_when(app, client, article):
    app.config["RATELIMIT"] = "3 per minute; 20 per hour"
    for n in range(3):
        assert post_comment(client, article, text=f"Nummer {n}").status_code == 200
    refused = post_comment(client, article, text="Nummer 4")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    message = soup(refused).find(id="kommentar-status").get_text(" ", strip=True)
    # in human units, and the reader's text kept in the form
    assert "Bitte versuchen Sie es in etwa 1 Minute noch einmal." in message
    assert textarea_value(soup(refused).find("textarea", {"name": "text"})) == "Nummer 4"
    assert len(db.session.scalars(select(Comment)).all()) == 3


def test_flood_control_counts_networks_and_ignores_forged_forwarding(app, client, article):
    """testForwardedForDoesNotEscapeFloodControl: no proxy is trusted by default."""
    app.config["RATELIMIT"] = "1 per minute"
    assert post_comment(client, article, text="Eins").status_code == 200
    forged = post_comment(client, article, text="Zwei", **{})
    assert forged.status_code == 429

    data_for = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    token = csrf_token(client, article)
    other = client.post(
        f"/artikel/{article.slug}/kommentare",
        data={"name": "B", "email": "b@example.org", "text": "Drei", "csrf_token": token},
        headers={**HTMX, "X-Forwarded-For": "203.0.113.9"},
        **data_for,
    )
    assert other.status_code == 200
    spoofed = client.post(
        f"/artikel/{article.slug}/kommentare",
        data={"name": "C", "email": "c@example.org", "text": "Vier", "csrf_token": token},
        headers={**HTMX, "X-Forwarded-For": "192.0.2.200"},
    )
    assert spoofed.status_code == 429
    networks = set(db.session.scalars(select(Comment.network)))
    assert networks == {"127.0.0.0/24", "198.51.100.0/24"}


def test_moderators_see_why_a_comment_was_held(app, client, article):
    from editorial_helpers import login, make_user
    from webapp.models import Role

    app.config["MAX_LINKS"] = 0
    post_comment(client, article, text="Siehe https://example.org")
    make_user(role=Role.MODERATOR)
    login(client)
    queue = soup(client.get("/verwaltung/kommentare"))
    assert queue.select_one(".moderation-reasons").get_text() == "1 Links (Grenze 0)"
