"""An author changes or deletes their comment, for a while, from the browser they wrote it in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from factories import make_article, make_comment
from helpers import HTMX, post_comment, soup, textarea_value
from webapp.extensions import db
from webapp.models import Article, Comment, CommentStatus, utcnow

NOT_YOURS = "Nur wer einen Kommentar geschrieben hat, kann ihn ändern"
TIME_UP = (
    "Ein Kommentar kann 15 Minuten lang nach dem Schreiben geändert werden; diese Zeit ist um."
)


@pytest.fixture
def article(app):
    return make_article()


def stored(text: str) -> Comment | None:
    return db.session.scalar(select(Comment).where(Comment.text == text))


def written(client, article, text: str = "Mein erster Gedanke") -> Comment:
    """A comment this client posted (so its browser holds the right to change it)."""
    post_comment(client, article, text=text)
    return stored(text)


def token_of(page) -> str:
    return page.find("input", {"name": "csrf_token"})["value"]


def edit(client, comment_id: int, htmx: bool = True, **fields):
    form = soup(client.get(f"/kommentare/{comment_id}/bearbeiten", headers=HTMX))
    data = {
        "name": form.find("input", {"name": "name"})["value"],
        "text": textarea_value(form.find("textarea", {"name": "text"})),
        "csrf_token": token_of(form),
        **fields,
    }
    return client.post(
        f"/kommentare/{comment_id}/bearbeiten", data=data, headers=HTMX if htmx else {}
    )


def delete(client, article, comment_id: int, htmx: bool = True):
    page = soup(client.get(f"/artikel/{article.slug}"))
    headers = {**HTMX, "X-Form-Token": token_of(page)} if htmx else {}
    data = {} if htmx else {"csrf_token": token_of(page)}
    return client.post(f"/kommentare/{comment_id}/loeschen", data=data, headers=headers)


def test_only_its_author_sees_the_buttons_and_the_page_is_theirs_alone(client, app, article):
    comment = written(client, article)
    own = client.get(f"/artikel/{article.slug}")
    actions = soup(own).find("li", id=f"kommentar-{comment.id}").find(class_="own-actions")

    assert [a.get_text() for a in actions.find_all("a")] == ["Bearbeiten", "Löschen"]
    until = (comment.created_at + timedelta(minutes=15)).replace(tzinfo=None)
    assert actions.find(class_="own-until").get_text().startswith("Bis ")
    assert until > utcnow()
    assert "no-store" in own.headers["Cache-Control"]
    other = soup(app.test_client().get(f"/artikel/{article.slug}"))
    assert other.find(class_="own-actions") is None


def test_the_author_changes_the_text_and_everyone_sees_it_marked(client, app, article):
    comment = written(client, article)
    response = edit(client, comment.id, text="Mein zweiter Gedanke")

    assert response.status_code == 200
    assert response.headers["HX-Reswap"] == "none"
    assert (
        "Ihre Änderungen wurden gespeichert."
        in soup(response).find(id="kommentar-status").get_text()
    )
    db.session.expire_all()
    changed = db.session.get(Comment, comment.id)
    assert (changed.text, changed.status) == ("Mein zweiter Gedanke", CommentStatus.VISIBLE)
    page = soup(app.test_client().get(f"/artikel/{article.slug}"))
    item = page.find("li", id=f"kommentar-{comment.id}")
    assert item.find(class_="comment-text").get_text() == "Mein zweiter Gedanke"
    assert item.find(class_="comment-edited").get_text() == "bearbeitet"
    assert db.session.get(Article, article.id).comment_count == 1


def test_without_javascript_editing_is_a_page_and_lands_on_the_comment(client, article):
    comment = written(client, article)
    page = soup(client.get(f"/kommentare/{comment.id}/bearbeiten"))
    assert page.find("h1").get_text() == "Ihren Kommentar bearbeiten"
    assert page.find("input", {"name": "email"}) is None, "the address stays as it is"

    response = edit(client, comment.id, htmx=False, text="Ohne Skript geändert")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/kommentare/{comment.id}#kommentar-{comment.id}"
    assert stored("Ohne Skript geändert") is not None


def test_an_edit_follows_the_rules_of_a_post(client, article):
    comment = written(client, article)
    response = edit(client, comment.id, text="")

    assert response.status_code == 422
    form = soup(response).find("form", id=f"bearbeiten-{comment.id}")
    assert "Bitte füllen Sie alle Felder aus." in form.get_text()
    assert stored("Mein erster Gedanke") is not None


def test_an_edit_the_guard_holds_waits_for_a_moderator(client, app, article):
    app.config["MAX_LINKS"] = 0
    comment = written(client, article)
    edit(client, comment.id, text="Jetzt mit Link: https://example.org/werbung")

    changed = stored("Jetzt mit Link: https://example.org/werbung")
    assert changed.status == CommentStatus.PENDING
    assert db.session.get(Article, article.id).comment_count == 0
    public = app.test_client().get(f"/artikel/{article.slug}").get_data(as_text=True)
    assert "werbung" not in public


@pytest.mark.parametrize("action", ["bearbeiten", "loeschen"])
def test_another_browser_cannot_change_or_delete_it(client, app, article, action):
    comment = written(client, article)
    stranger = app.test_client()
    page = soup(stranger.get(f"/artikel/{article.slug}"))
    data = {"name": "X", "text": "Übernommen", "csrf_token": token_of(page)}
    response = stranger.post(f"/kommentare/{comment.id}/{action}", data=data)

    assert response.status_code == 403
    assert NOT_YOURS in response.get_data(as_text=True)
    assert stored("Mein erster Gedanke").status == CommentStatus.VISIBLE


@pytest.mark.parametrize("action", ["bearbeiten", "loeschen"])
def test_after_the_window_nobody_can_change_it(client, article, action):
    comment = written(client, article)
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(created_at=utcnow() - timedelta(minutes=16))
    )
    db.session.commit()

    assert soup(client.get(f"/artikel/{article.slug}")).find(class_="own-actions") is None
    response = client.get(f"/kommentare/{comment.id}/{action}")
    assert response.status_code == 403
    assert TIME_UP in response.get_data(as_text=True)


def test_a_deleted_comment_without_replies_disappears(client, article):
    comment = written(client, article)
    response = delete(client, article, comment.id)

    assert response.status_code == 200
    page = soup(response)
    assert "Ihr Kommentar wurde gelöscht." in page.find(id="kommentar-status").get_text()
    assert page.find("li", id=f"kommentar-{comment.id}") is None
    assert page.find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    assert stored("Mein erster Gedanke").status == CommentStatus.DELETED


def test_a_deleted_comment_with_replies_leaves_a_note(client, app, article):
    comment = written(client, article)
    make_comment(article, parent=comment, text="Eine Antwort darauf")
    delete(client, article, comment.id, htmx=False)

    page = soup(app.test_client().get(f"/artikel/{article.slug}"))
    item = page.find("li", id=f"kommentar-{comment.id}")
    assert item.find(class_="comment-removed-note").get_text() == "Dieser Kommentar wurde gelöscht."
    assert "Mein erster Gedanke" not in page.get_text()
    assert "Eine Antwort darauf" in item.get_text()


def test_without_javascript_deleting_asks_first(client, article):
    comment = written(client, article)
    page = soup(client.get(f"/kommentare/{comment.id}/loeschen"))
    assert page.find("h1").get_text() == "Ihren Kommentar löschen?"
    assert stored("Mein erster Gedanke").status == CommentStatus.VISIBLE

    response = delete(client, article, comment.id, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/artikel/{article.slug}#kommentare"
    assert stored("Mein erster Gedanke").status == CommentStatus.DELETED


def test_deleting_needs_the_form_token_and_this_site(client, article):
    """testOwnCommentCannotBeDeletedCrossSite: a page elsewhere cannot use the reader's cookie."""
    comment = written(client, article)
    assert client.post(f"/kommentare/{comment.id}/loeschen").status_code == 400
    page = soup(client.get(f"/artikel/{article.slug}"))
    response = client.post(
        f"/kommentare/{comment.id}/loeschen",
        data={"csrf_token": token_of(page)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert stored("Mein erster Gedanke").status == CommentStatus.VISIBLE


def test_an_edit_can_be_previewed_and_changes_nothing_until_saved(client, article):
    comment = written(client, article)
    response = edit(client, comment.id, text="Jetzt *anders*", vorschau="1")

    assert response.status_code == 200
    form = soup(response).find("form", id=f"bearbeiten-{comment.id}")
    assert form.select_one(".preview-box em").get_text() == "anders"
    assert stored("Mein erster Gedanke") is not None
