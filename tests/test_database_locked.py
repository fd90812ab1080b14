"""The database locked by another program: reads go on, writes wait, then answer 503."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from apps import make_app
from databases import database_locked
from factories import make_article
from helpers import post_comment, soup, textarea_value
from webapp.extensions import db
from webapp.models import Comment


@pytest.fixture
def app_waiting(tmp_path, database_url):
    """`app_waiting(seconds)`: a site whose writes wait that long for the database."""
    contexts = []

    def make(seconds: float):
        app = make_app(tmp_path, DATABASE_URL=database_url, LOCK_TIMEOUT=seconds)
        contexts.append(app.app_context())
        contexts[-1].push()
        return app

    yield make
    for context in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        context.pop()


def stored() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Comment.text).order_by(Comment.id)))


def test_a_write_waits_for_a_short_lock_and_then_succeeds(app_waiting, database_url):
    client = app_waiting(10).test_client()
    article = make_article()
    with database_locked(database_url, seconds=2) as holder:
        assert holder.poll() is None
        # It cannot write while the lock is held: success means it waited.
        response = post_comment(client, article, htmx=False, text="Gewartet")
    assert response.status_code == 303
    assert stored() == ["Gewartet"]


def test_reads_go_on_and_a_write_answers_503_when_the_lock_outlasts_the_timeout(
    app_waiting, database_url
):
    client = app_waiting(1).test_client()
    article = make_article()
    url = f"/artikel/{article.slug}"
    with database_locked(database_url, seconds=4) as holder:
        page = client.get(url)
        plain = post_comment(client, article, htmx=False, text="Zu früh")
        htmx = post_comment(client, article, text="Auch zu früh")
        still_locked = holder.poll() is None

    assert still_locked, "the lock was held through all of it"
    assert page.status_code == 200
    assert soup(page).find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    # Without JavaScript: the article page, the message above the form, the text kept.
    assert plain.status_code == 503
    assert plain.headers["Retry-After"] == "5"
    assert soup(plain).h1.get_text() == article.title
    assert "Es wurde nichts gespeichert" in soup(plain).find(id="kommentar-status").get_text()
    assert textarea_value(soup(plain).find("textarea", {"name": "text"})) == "Zu früh"
    # htmx: the form with what the reader typed, the message in the section's live region
    assert htmx.status_code == 503
    assert htmx.headers["Retry-After"] == "5"
    assert textarea_value(soup(htmx).find("textarea", {"name": "text"})) == "Auch zu früh"
    status = soup(htmx).find(id="kommentar-status")
    assert status["hx-swap-oob"] == "innerHTML"
    assert "Es wurde nichts gespeichert" in status.get_text()
    assert stored() == []

    # Once the lock is gone, the same post goes through.
    assert post_comment(client, article, htmx=False, text="Jetzt").status_code == 303
    assert stored() == ["Jetzt"]
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
