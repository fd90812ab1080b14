"""What readers meet when comments are held for moderation, or closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import make_article, make_comment
from helpers import post_comment, soup
from webapp.extensions import db
from webapp.models import Article, Comment, utcnow
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


def test_every_comment_held_tells_its_author_and_shows_nobody(client, article):
    configure(moderation="all")
    response = post_comment(client, article, text="Bitte prüfen")

    assert response.status_code == 200
    page = soup(response)
    assert HELD in page.find(id="kommentar-status").get_text()
    assert page.find(attrs={"hx-swap-oob": "beforeend:#kommentar-liste"}) is None
    [comment] = db.session.scalars(select(Comment)).all()
    assert comment.status == "pending"
    public = soup(client.get(f"/artikel/{article.slug}"))
    assert public.find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    assert "Bitte prüfen" not in public.get_text()
    assert db.session.get(Article, article.id).comment_count == 0


def test_held_without_javascript_redirects_with_the_notice(client, article):
    configure(moderation="all")
    response = post_comment(client, article, htmx=False)
    assert response.status_code == 303
    page = soup(client.get(response.headers["Location"]))
    assert HELD in page.find(id="kommentar-status").get_text()


def test_first_comment_of_an_unknown_address_is_held_later_ones_not(client, article):
    configure(moderation="first")
    post_comment(client, article, email="neu@example.org")
    make_comment(article, email="bekannt@example.org")
    post_comment(client, article, email="bekannt@example.org", text="Wieder da")

    statuses = dict(db.session.execute(select(Comment.email, Comment.status)).all())
    assert statuses["neu@example.org"] == "pending"
    assert db.session.scalar(select(Comment.status).where(Comment.text == "Wieder da")) == "visible"


def test_an_article_with_comments_closed_shows_no_form_and_stores_nothing(client, app):
    article = make_article(comments_open=False)
    page = soup(client.get(f"/artikel/{article.slug}"))
    assert page.find("form", id="kommentar-formular") is None
    assert CLOSED in page.find(id="kommentare").get_text()

    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": "egal"}
    response = client.post(f"/artikel/{article.slug}/kommentare", data=data)
    assert response.status_code == 403
    assert CLOSED in response.get_data(as_text=True)
    assert db.session.scalars(select(Comment)).all() == []


def test_the_site_closes_comments_on_old_articles(client, app):
    configure(close_comments_after_days=30)
    old = make_article(published_at=utcnow() - timedelta(days=31))
    recent = make_article(published_at=utcnow() - timedelta(days=29))

    assert soup(client.get(f"/artikel/{old.slug}")).find("form", id="kommentar-formular") is None
    assert post_comment(client, recent).status_code == 200
    data = {"name": "A", "email": "a@example.org", "text": "B", "csrf_token": "egal"}
    assert client.post(f"/artikel/{old.slug}/kommentare", data=data).status_code == 403
