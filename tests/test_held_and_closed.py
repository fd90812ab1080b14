"""What readers meet when comments are held for moderation, or closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from factories import make_article, make_comment
from helpers import HTMX, csrf_token, post_comment, soup, textarea_value
from webapp.comments.service import set_status
from webapp.database import writing
from webapp.extensions import db
from webapp.models import Article, Comment, Subscription, utcnow
from webapp.site_settings import set_setting

HELD = "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet."
CLOSED = "Die Kommentare zu diesem Artikel sind geschlossen."


def configure(**settings) -> None:
    for key, value in settings.items():
        set_setting(key, value)
    db.session.commit()


@pytest.fixture
def article(app):
    return make_article()


WAITING = "Ihr Kommentar wartet auf Freigabe."


def test_a_held_comment_is_shown_to_its_author_in_place_and_to_nobody_else(client, app, article):
    configure(moderation="all")
    response = post_comment(client, article, text="Bitte prüfen")

    assert response.status_code == 200
    page = soup(response)
    assert HELD in page.find(id="kommentar-status").get_text()
    assert page.find(id="kommentar-status").find(autofocus=True), "the focus goes to the notice"
    [comment] = db.session.scalars(select(Comment)).all()
    assert comment.status == "pending"
    # In place, marked in words, without a permalink (it has none yet).
    item = page.find("li", id=f"kommentar-{comment.id}")
    assert WAITING in item.get_text() and "Bitte prüfen" in item.get_text()
    assert item.find("a", class_="comment-date") is None
    assert page.find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

    # Its author still sees it on the page, which no cache may keep …
    own = client.get(f"/artikel/{article.slug}")
    assert WAITING in soup(own).find("li", id=f"kommentar-{comment.id}").get_text()
    assert {"private", "no-store"} <= set(own.headers["Cache-Control"].replace(" ", "").split(","))
    # … and nobody else does, not even from a cache its author's view filled.
    for _ in range(2):
        public = soup(app.test_client().get(f"/artikel/{article.slug}"))
        assert public.find(id="kommentar-anzahl").get_text() == "0 Kommentare"
        assert "Bitte prüfen" not in public.get_text()
    refreshed = app.test_client().get(f"/artikel/{article.slug}/kommentare", headers=HTMX)
    assert "Bitte prüfen" not in refreshed.get_data(as_text=True)
    assert db.session.get(Article, article.id).comment_count == 0


def test_held_without_javascript_redirects_to_the_comment_shown_to_its_author(client, article):
    configure(moderation="all")
    response = post_comment(client, article, htmx=False, text="Ohne Skript")
    [comment] = db.session.scalars(select(Comment)).all()

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#kommentar-{comment.id}")
    page = soup(client.get(response.headers["Location"]))
    assert HELD in page.find(id="kommentar-status").get_text()
    assert page.find(id="kommentar-status").find(autofocus=True), "the focus goes to the notice"
    assert WAITING in page.find("li", id=f"kommentar-{comment.id}").get_text()


def test_the_author_no_longer_sees_it_as_waiting_once_decided(client, article):
    configure(moderation="all")
    post_comment(client, article, text="Wird gelöscht")
    [comment] = db.session.scalars(select(Comment)).all()
    comment.status = "deleted"
    db.session.commit()

    page = soup(client.get(f"/artikel/{article.slug}"))
    assert "Wird gelöscht" not in page.get_text()


def test_a_forged_cookie_shows_nobody_elses_held_comment(client, app, article):
    """testOwnCommentsCookieCannotBeForged: the cookie is signed with the secret key."""
    held = make_comment(article, status="pending", text="Fremd und wartend")
    from itsdangerous import URLSafeTimedSerializer

    from webapp.comments.own import COOKIE

    forged = URLSafeTimedSerializer("another key", salt="zirkel.own-comments").dumps(
        [[article.id, held.id]]
    )
    for value in (forged, f"[[{article.id}, {held.id}]]", "kaputt"):
        client.set_cookie(COOKIE, value)
        page = client.get(f"/artikel/{article.slug}").get_data(as_text=True)
        assert "Fremd und wartend" not in page


def status_of(text: str) -> str:
    return db.session.scalar(select(Comment.status).where(Comment.text == text))


def test_first_comment_mode_trusts_proof_not_a_typed_address(client, app, article):
    """testTypedAddressDoesNotBorrowTrust: knowing a regular's address is not enough."""
    configure(moderation="first")
    regular = make_comment(article, email="bekannt@example.org")
    assert regular.status == "visible"

    post_comment(app.test_client(), article, email="bekannt@example.org", text="Ausgeliehen")
    assert status_of("Ausgeliehen") == "pending"

    # The browser that wrote an approved comment is trusted (its signed cookie).
    reader = app.test_client()
    post_comment(reader, article, email="neu@example.org", text="Erster Versuch")
    assert status_of("Erster Versuch") == "pending"
    with writing():
        set_status(
            db.session.scalar(select(Comment).where(Comment.text == "Erster Versuch")), "visible"
        )
    post_comment(reader, article, email="neu@example.org", text="Wieder da")
    assert status_of("Wieder da") == "visible"

    # So is an address its owner confirmed (mail about replies, double opt-in).
    db.session.add(
        Subscription(comment_id=regular.id, email="bekannt@example.org", confirmed_at=utcnow())
    )
    db.session.commit()
    post_comment(app.test_client(), article, email="bekannt@example.org", text="Bestätigt")
    assert status_of("Bestätigt") == "visible"


def test_an_article_with_comments_closed_shows_no_form_and_stores_nothing(client, app):
    article = make_article(comments_open=False)
    page = soup(client.get(f"/artikel/{article.slug}"))
    section = page.find(id="kommentare")
    assert page.find("form", id="kommentar-formular") is None
    # The notice stands where the form was; nothing invites to write or to look for more.
    assert CLOSED in section.find(id="kommentar-formular").get_text()
    assert "Schreiben Sie den ersten" not in section.get_text()
    assert section.find(id="kommentare-leer").get_text() == "Keine Kommentare."
    assert "Neue Kommentare laden" not in section.get_text()
    assert "Zum Kommentarformular" not in section.get_text()

    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": "egal"}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data)
    assert response.status_code == 403
    assert CLOSED in response.get_data(as_text=True)
    assert db.session.scalars(select(Comment)).all() == []


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "htmx"])
def test_a_post_that_comes_too_late_keeps_its_text_to_copy(client, article, htmx):
    """Comments closed while the reader wrote: the notice, the message, their text kept."""
    token = csrf_token(client, article)
    db.session.execute(update(Article).values(comments_open=False))
    db.session.commit()
    data = {"name": "A", "email": "a@example.org", "text": "Lange getippt", "csrf_token": token}
    response = client.post(
        f"/artikel/{article.slug}/kommentare", data=data, headers=HTMX if htmx else {}
    )

    assert response.status_code == 403
    page = soup(response)
    assert CLOSED in page.find(id="kommentar-status").get_text()
    assert page.find("form", id="kommentar-formular") is None
    assert textarea_value(page.find("textarea", id="nicht-gespeichert")) == "Lange getippt"
    assert db.session.scalars(select(Comment)).all() == []


def test_the_site_closes_comments_on_old_articles(client, app):
    configure(close_comments_after_days=30)
    old = make_article(published_at=utcnow() - timedelta(days=31))
    recent = make_article(published_at=utcnow() - timedelta(days=29))

    assert soup(client.get(f"/artikel/{old.slug}")).find("form", id="kommentar-formular") is None
    assert post_comment(client, recent).status_code == 200
    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": "egal"}
    assert client.post(f"/artikel/{old.slug}/kommentare", data=data).status_code == 403
