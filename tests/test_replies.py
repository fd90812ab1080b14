"""Replies: answering a comment in place and without JavaScript, threads on pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from editorial_helpers import login, make_user
from factories import make_article, make_comment
from helpers import HTMX, csrf_token, post_comment, soup, textarea_value
from webapp.comments.service import set_status
from webapp.database import writing
from webapp.extensions import db
from webapp.models import Article, Comment, CommentStatus, Role, utcnow
from webapp.site_settings import set_setting

REFUSED = "Auf diesen Kommentar kann nicht geantwortet werden: Er ist nicht (mehr) sichtbar."
REMOVED = "Dieser Kommentar wurde gelöscht."


@pytest.fixture
def article(app):
    return make_article()


def reply(client, article, parent_id, htmx=True, **fields):
    """Post a reply as the form under a comment sends it."""
    return post_comment(client, article, htmx=htmx, antwort_auf=str(parent_id), **fields)


def stored(text: str) -> Comment:
    return db.session.scalar(select(Comment).where(Comment.text == text))


def replies_of(page, comment_id: int) -> list[str]:
    """The texts of the replies shown right under a comment, in order."""
    item = page.find("li", id=f"kommentar-{comment_id}")
    replies = item.find("ol", class_="replies", recursive=False)
    if replies is None:
        return []
    return [
        li.find(class_="comment-text").get_text() for li in replies.find_all("li", recursive=False)
    ]


# --- answering ---------------------------------------------------------------------------------


def test_the_reply_form_comes_in_place_under_the_comment(client, article):
    parent = make_comment(article, name="Erika")
    response = client.get(f"/kommentare/{parent.id}/antworten", headers=HTMX)

    assert response.status_code == 200
    page = soup(response)
    assert page.find("html") is None
    form = page.find("form", id=f"antwort-formular-{parent.id}")
    assert form.find("h3").get_text() == "Antwort an Erika"
    assert form.find("input", {"name": "antwort_auf"})["value"] == str(parent.id)
    # Fields of their own: the page's main form has "name", "email", "text" already.
    assert form.find("input", {"name": "name"})["id"] == f"antwort-{parent.id}-name"
    assert form.find("label", string="Name")["for"] == f"antwort-{parent.id}-name"
    assert form["data-meldungen"] == f"antwort-formular-{parent.id}-status"


def test_without_javascript_replying_is_a_page_with_the_comment_and_the_form(client, article):
    parent = make_comment(article, name="Erika", text="Was meint ihr?")
    page = soup(client.get(f"/kommentare/{parent.id}/antworten"))

    assert page.find("h1").get_text() == "Antwort an Erika"
    assert "Was meint ihr?" in page.select_one(".comment-text").get_text()
    assert page.find("form", id=f"antwort-formular-{parent.id}") is not None
    assert page.find("a", class_="reply-link") is None, "no second way to answer on the page"


def test_a_reply_in_place_shows_nested_under_its_comment_and_counts(client, article):
    parent = make_comment(article, text="Frage")
    response = reply(client, article, parent.id, text="Antwort")

    assert response.status_code == 200
    assert response.headers["HX-Reswap"] == "none", "the reply form was in the list"
    page = soup(response)
    assert replies_of(page, parent.id) == ["Antwort"]
    answer = stored("Antwort")
    assert (answer.parent_id, answer.thread_id) == (parent.id, parent.id)
    assert page.find("li", id=f"kommentar-{answer.id}").has_attr("autofocus")
    assert page.find(id="kommentar-anzahl").get_text() == "2 Kommentare"
    assert db.session.get(Article, article.id).comment_count == 2


def test_a_reply_without_javascript_lands_on_it(client, article):
    parent = make_comment(article, text="Frage")
    response = reply(client, article, parent.id, htmx=False, text="Antwort ohne Skript")

    answer = stored("Antwort ohne Skript")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/kommentare/{answer.id}#kommentar-{answer.id}"
    page = soup(client.get(response.headers["Location"]))
    assert replies_of(page, parent.id) == ["Antwort ohne Skript"]
    assert page.find("li", id=f"kommentar-{answer.id}").has_attr("autofocus")
    assert "Vielen Dank" in page.find(id="kommentar-status").get_text()


REFUSALS = {
    "held": {"status": CommentStatus.PENDING},
    "spam": {"status": CommentStatus.SPAM},
    "deleted": {"status": CommentStatus.DELETED},
}


@pytest.mark.parametrize("fields", REFUSALS.values(), ids=REFUSALS.keys())
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain form"])
def test_a_reply_to_a_comment_that_is_not_visible_is_refused(client, article, fields, htmx):
    parent = make_comment(article, **fields)
    response = reply(client, article, parent.id, htmx=htmx, text="Ins Leere")

    assert response.status_code == 422
    page = soup(response)
    assert REFUSED in page.get_text()
    assert textarea_value(page.find("textarea", {"name": "text"})) == "Ins Leere"
    assert stored("Ins Leere") is None


@pytest.mark.parametrize("parent", ["other article", "missing", "no number"])
def test_a_reply_to_a_comment_elsewhere_or_nowhere_is_refused(client, article, parent):
    other = make_comment(make_article())
    value = {"other article": other.id, "missing": 999_999, "no number": "x"}[parent]
    response = reply(client, article, value, text="Daneben")

    assert response.status_code == 422
    assert REFUSED in soup(response).get_text()
    assert stored("Daneben") is None


def test_a_refused_reply_keeps_its_message_in_its_own_form(client, article):
    """Beside the form it is about: in the reply form, not in the section's region."""
    parent = make_comment(article)
    page = soup(reply(client, article, parent.id, text=""))

    form = page.find("form", id=f"antwort-formular-{parent.id}")
    assert "Bitte füllen Sie alle Felder aus." in form.get_text()
    assert page.find(attrs={"hx-swap-oob": True}) is None


def test_no_reply_form_for_a_closed_discussion(client, app):
    article = make_article(comments_open=False)
    comment = make_comment(article)
    page = soup(client.get(f"/artikel/{article.slug}"))
    assert page.find("a", class_="reply-link") is None
    assert client.get(f"/kommentare/{comment.id}/antworten").status_code == 403


# --- threads -----------------------------------------------------------------------------------


def chain(article, length: int) -> list[Comment]:
    """A comment and replies, each answering the one before."""
    comments = [make_comment(article, name="Nr. 0", text="Nr. 0")]
    for n in range(1, length):
        comments.append(
            make_comment(article, name=f"Nr. {n}", text=f"Nr. {n}", parent=comments[-1])
        )
    return comments


def test_replies_nest_to_the_configured_depth_and_deeper_ones_say_whom_they_answer(
    client, app, article
):
    app.config["REPLY_DEPTH"] = 2
    c = chain(article, 5)
    page = soup(client.get(f"/artikel/{article.slug}"))

    assert replies_of(page, c[0].id) == ["Nr. 1"]
    # Level 2 is the deepest: replies to replies there stand beside them, in order of time.
    assert replies_of(page, c[1].id) == ["Nr. 2", "Nr. 3", "Nr. 4"]
    assert replies_of(page, c[2].id) == []
    labels = [
        li.find(class_="comment-answers")
        for li in page.find("li", id=f"kommentar-{c[1].id}").select("ol.replies > li")
    ]
    assert labels[0] is None
    assert [label.get_text(" ", strip=True) for label in labels[1:]] == [
        "Antwort an Nr. 2",
        "Antwort an Nr. 3",
    ]
    assert labels[1].find("a")["href"] == f"#kommentar-{c[2].id}"


def test_a_deleted_comment_with_replies_leaves_a_note_and_one_without_goes(client, article):
    first, lonely = make_comment(article, text="Gelöscht"), make_comment(article, text="Allein")
    make_comment(article, parent=first, text="Antwort")
    with writing():  # as a moderator or the author deletes: the count follows
        for comment in (first, lonely):
            set_status(db.session.get(Comment, comment.id), CommentStatus.DELETED)

    page = soup(client.get(f"/artikel/{article.slug}"))
    item = page.find("li", id=f"kommentar-{first.id}")
    assert item.find(class_="comment-removed-note").get_text() == REMOVED
    assert "Gelöscht" not in page.get_text() and "Allein" not in page.get_text()
    assert replies_of(page, first.id) == ["Antwort"]
    assert page.find("li", id=f"kommentar-{lonely.id}") is None
    assert page.find(id="kommentar-anzahl").get_text() == "1 Kommentar"


def test_a_page_never_splits_a_thread(client, app, article):
    """Pages are pages of threads: an old thread with a new reply stays whole, in its place."""
    app.config["COMMENTS_PER_PAGE"] = 2
    start = utcnow() - timedelta(days=1)
    firsts = [
        make_comment(article, text=f"Thread {n}", created_at=start + timedelta(hours=n))
        for n in range(4)
    ]
    for n in range(3):
        make_comment(article, parent=firsts[0], text=f"Spät {n}")

    page = soup(client.get(f"/artikel/{article.slug}"))
    tops = [
        li.find(class_="comment-text").get_text() for li in page.select("#kommentar-liste > li")
    ]
    assert tops == ["Thread 2", "Thread 3"]
    older = soup(client.get(page.select_one("#aeltere-kommentare a")["href"]))
    assert replies_of(older, firsts[0].id) == ["Spät 0", "Spät 1", "Spät 2"]


def test_a_replys_permalink_finds_it_in_its_thread(client, app, article):
    app.config["COMMENTS_PER_PAGE"] = 2
    start = utcnow() - timedelta(days=1)
    old = make_comment(article, text="Alt", created_at=start)
    answer = make_comment(article, parent=old, text="Späte Antwort")
    for n in range(4):
        make_comment(article, text=f"Neuer {n}", created_at=start + timedelta(hours=n + 1))

    page = soup(client.get(f"/kommentare/{answer.id}"))
    assert replies_of(page, old.id) == ["Späte Antwort"]
    assert page.find("li", id=f"kommentar-{answer.id}").has_attr("autofocus")


def test_someone_from_the_editorial_team_replies_with_a_badge_and_is_not_held(client, article):
    set_setting("moderation", "all")
    db.session.commit()
    make_user(email="redaktion@example.org", role=Role.EDITOR)
    login(client, "redaktion@example.org")
    parent = make_comment(article)

    reply(client, article, parent.id, name="Die Redaktion", text="Danke für den Hinweis")
    answer = stored("Danke für den Hinweis")
    assert answer.status == CommentStatus.VISIBLE and answer.user_id is not None
    page = soup(client.application.test_client().get(f"/artikel/{article.slug}"))
    badge = page.find("li", id=f"kommentar-{answer.id}").find(class_="badge")
    assert badge.get_text() == "Redaktion"
    # A reader's comment carries none, and is held as the setting says.
    reader = client.application.test_client()
    post_comment(reader, article, text="Von einer Leserin")
    assert stored("Von einer Leserin").status == CommentStatus.PENDING


def test_a_reply_tab_sees_the_whole_discussion_as_after_any_post(client, article):
    parent = make_comment(article, text="Frage")
    token = csrf_token(client, article)
    make_comment(article, text="Inzwischen geschrieben")
    data = {
        "name": "A",
        "email": "a@example.org",
        "text": "Meine Antwort",
        "antwort_auf": str(parent.id),
        "csrf_token": token,
    }
    page = soup(client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=HTMX))
    texts = [t.get_text() for t in page.select("#kommentar-liste .comment-text")]
    assert texts == ["Frage", "Meine Antwort", "Inzwischen geschrieben"]


def test_a_reply_can_be_previewed_under_its_comment(client, article):
    parent = make_comment(article)
    response = reply(
        client, article, parent.id, text="> zitiert\n\nund **geantwortet**", vorschau="1"
    )

    assert response.status_code == 200
    form = soup(response).find("form", id=f"antwort-formular-{parent.id}")
    assert form.select_one(".preview-box blockquote").get_text(strip=True) == "zitiert"
    assert form.select_one(".preview-box strong").get_text() == "geantwortet"
    assert stored("> zitiert\n\nund **geantwortet**") is None
