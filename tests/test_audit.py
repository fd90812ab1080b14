"""The audit log: every moderation action, who and when, before and after; never changed."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import delete, update
from test_moderation import QUEUE, audit_entries, htmx_post, login, make_user, session_token

from factories import make_article, make_comment
from helpers import soup
from webapp.editorial.audit import AuditLogIsAppendOnly
from webapp.extensions import db
from webapp.models import AuditEntry, CommentStatus, Role

LOG = "/verwaltung/protokoll"


@pytest.fixture
def article(app):
    return make_article(title="Über Zirkel")


@pytest.fixture
def moderator(app, client):
    user = make_user("anna@example.org")
    login(client, user.email)
    return user


def pending_comment(article, name: str):
    return make_comment(article, status=CommentStatus.PENDING, name=name, text=f"Von {name}")


def log_rows(response) -> list[dict[str, str]]:
    table = soup(response).find("table", class_="audit-log")
    return [
        {
            "who": row.find(class_="audit-who").get_text(strip=True),
            "action": row.find(class_="audit-action").get_text(strip=True),
            "comment": row.find(class_="audit-comment").a.get_text(strip=True),
            "when": row.find("time").get_text(),
            "change": row.find(class_="audit-change").get_text(" ", strip=True),
        }
        for row in table.tbody.find_all("tr")
        if row.get("id")
    ]


def test_every_action_is_logged_with_who_and_when(client, moderator, article):
    """Approve, spam, delete, edit and a bulk action: newest first, in German words."""
    erika, otto, jo = (pending_comment(article, name) for name in ("Erika", "Otto", "Jo"))

    htmx_post(client, f"{QUEUE}/{erika.id}/freigeben")
    htmx_post(client, f"{QUEUE}/{otto.id}/spam")
    htmx_post(client, f"{QUEUE}/{otto.id}/loeschen")
    htmx_post(
        client,
        f"{QUEUE}/{erika.id}/bearbeiten",
        {"name": "Erika M.", "email": erika.email, "text": erika.text},
    )
    htmx_post(client, f"{QUEUE}/sammelaktion", {"kommentar": [str(jo.id)], "aktion": "freigeben"})

    response = client.get(LOG)

    assert response.status_code == 200
    rows = log_rows(response)
    assert [(r["action"], r["comment"]) for r in rows] == [
        ("Freigegeben (Sammelaktion)", f"Nr. {jo.id}"),
        ("Bearbeitet", f"Nr. {erika.id}"),
        ("Gelöscht", f"Nr. {otto.id}"),
        ("Als Spam markiert", f"Nr. {otto.id}"),
        ("Freigegeben", f"Nr. {erika.id}"),
    ]
    assert {r["who"] for r in rows} == {"anna@example.org"}
    today = datetime.now().strftime("%Y")
    assert all(today in r["when"] and " um " in r["when"] for r in rows)
    assert rows[2]["change"] == "Status: „Spam“ → „Gelöscht“"
    assert rows[1]["change"] == "Name: „Erika“ → „Erika M.“"


def test_an_entry_keeps_the_state_before_and_after_in_the_same_transaction(
    client, moderator, article
):
    comment = pending_comment(article, "Erika")

    htmx_post(client, f"{QUEUE}/{comment.id}/freigeben")

    [entry] = audit_entries()
    assert (entry.user_id, entry.user_email, entry.action) == (
        moderator.id,
        "anna@example.org",
        "approve",
    )
    assert (entry.comment_id, entry.article_id) == (comment.id, article.id)
    before, after = json.loads(entry.before), json.loads(entry.after)
    assert before == {
        "status": "pending",
        "name": "Erika",
        "email": comment.email,
        "text": "Von Erika",
    }
    assert after == {**before, "status": "visible"}


def test_a_changed_text_is_shown_before_and_after(client, moderator, article):
    comment = make_comment(article, name="Erika", text="alt <i>kursiv</i>")
    htmx_post(
        client,
        f"{QUEUE}/{comment.id}/bearbeiten",
        {"name": "Erika", "email": comment.email, "text": "neu"},
    )

    details = soup(client.get(LOG)).find("details")

    assert details.summary.get_text() == "Text geändert"
    assert [d.get_text() for d in details.find_all(class_="comment-text")] == [
        "alt <i>kursiv</i>",
        "neu",
    ]
    assert details.find("i") is None, "reader text stays text"


def test_log_filters_by_action_and_comment(client, moderator, article):
    erika, otto = pending_comment(article, "Erika"), pending_comment(article, "Otto")
    htmx_post(client, f"{QUEUE}/{erika.id}/freigeben")
    htmx_post(client, f"{QUEUE}/{otto.id}/spam")
    htmx_post(client, f"{QUEUE}/sammelaktion", {"kommentar": [str(otto.id)], "aktion": "freigeben"})

    approvals = log_rows(client.get(LOG, query_string={"aktion": "freigeben"}))
    about_otto = log_rows(client.get(LOG, query_string={"kommentar": otto.id}))
    both = log_rows(client.get(LOG, query_string={"aktion": "spam", "kommentar": otto.id}))

    assert [r["action"] for r in approvals] == ["Freigegeben (Sammelaktion)", "Freigegeben"]
    assert [r["action"] for r in about_otto] == ["Freigegeben (Sammelaktion)", "Als Spam markiert"]
    assert [r["action"] for r in both] == ["Als Spam markiert"]
    page = soup(client.get(LOG, query_string={"aktion": "spam"}))
    assert page.find("select", id="filter-aktion").find("option", selected=True).get_text() == (
        "Als Spam markiert"
    )
    empty = soup(client.get(LOG, query_string={"kommentar": 999}))
    assert "Keine Einträge entsprechen diesen Filtern." in empty.get_text()


def test_log_is_paginated_newest_first(client, moderator, article):
    comment = pending_comment(article, "Erika")
    for n in range(55):
        db.session.add(
            AuditEntry(
                user_email="anna@example.org",
                action="edit",
                comment_id=comment.id,
                article_id=article.id,
                created_at=datetime(2024, 1, 1, 12, n),
            )
        )
    db.session.commit()

    first = client.get(LOG)
    second = client.get(LOG, query_string={"seite": 2})

    assert len(log_rows(first)) == 50
    assert log_rows(first)[0]["when"] == "1. Januar 2024 um 13:54"
    assert len(log_rows(second)) == 5
    nav = soup(first).find("nav", class_="pagination")
    assert "Seite 1 von 2" in nav.get_text()
    assert nav.find("a", rel="next")["href"] == f"{LOG}?seite=2"


def test_entries_cannot_be_updated_or_deleted_through_the_orm(app, article):
    """The log is append-only: changing or deleting an entry raises, nothing is written."""
    db.session.add(AuditEntry(user_email="anna@example.org", action="approve"))
    db.session.commit()
    entry = db.session.query(AuditEntry).one()

    entry.action = "delete"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()

    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()

    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEntry).values(action="spam"))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()

    db.session.expire_all()
    assert [e.action for e in db.session.query(AuditEntry)] == ["approve"]


def test_no_route_changes_the_log(app, client, moderator):
    """The log has one route, and it only reads."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(LOG)]
    assert [(rule.rule, rule.methods) for rule in rules] == [(LOG, {"GET", "HEAD", "OPTIONS"})]
    response = client.post(LOG, data={"csrf_token": session_token(client)})
    assert response.status_code == 405


def test_only_moderators_and_admins_see_the_log(client, app):
    assert client.get(LOG).status_code == 302
    make_user("redaktion@example.org", Role.EDITOR)
    login(client, "redaktion@example.org")
    assert client.get(LOG).status_code == 403
