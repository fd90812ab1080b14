"""The audit log for everything: `audit.record()` for any module, account changes in
German words, and a log that the database itself keeps append-only."""

from __future__ import annotations

import json

import pytest
from flask_login import login_user
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError

from editorial_helpers import login, make_user
from factories import make_article, make_comment
from helpers import soup
from webapp.database import writing
from webapp.editorial import audit
from webapp.extensions import db
from webapp.models import Article, AuditEntry, Comment, LoginSession, Role, User

LOG = "/verwaltung/protokoll"
CONTENT = {
    "created_at": "'2000-01-01 00:00:00'",
    "user_email": "'jemand@example.org'",
    "action": "'delete'",
    "subject": "'anders'",
    "before": "''",
    "after": "''",
}


def entries() -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def raw(statement: str) -> None:
    """Run SQL as a script or a shell would, past the app and its ORM."""
    db.session.remove()  # the test's own transaction holds the write lock
    with db.engine.begin() as connection:
        connection.execute(text(statement))


@pytest.fixture
def editor(app):
    return make_user("redaktion@example.org", Role.EDITOR)


# --- record() ---------------------------------------------------------------------------


def test_record_adds_an_entry_for_the_current_user_in_the_callers_transaction(app, editor):
    editor_id = editor.id
    with app.test_request_context():
        login_user(editor)
        with writing():
            audit.record(
                "article.save",
                subject="Über Zirkel",
                article_id=None,
                before={"title": "Alt"},
                after={"title": "Über Zirkel"},
            )
        with pytest.raises(RuntimeError), writing():
            audit.record("article.save", subject="nie gespeichert")
            raise RuntimeError("the change failed: its entry goes with it")

    [entry] = entries()
    assert (entry.user_id, entry.user_email, entry.action, entry.subject) == (
        editor_id,
        "redaktion@example.org",
        "article.save",
        "Über Zirkel",
    )
    assert json.loads(entry.before) == {"title": "Alt"}
    assert json.loads(entry.after) == {"title": "Über Zirkel"}


def test_entries_of_other_modules_show_readably_with_a_fallback_label(app, client):
    make_user("chefin@example.org", Role.ADMIN)
    login(client, "chefin@example.org")
    with writing():
        audit.add_entry(
            "topic.rename",
            user=None,
            subject="Klima",
            before={"name": "Klima"},
            after={"name": "Klima & Umwelt"},
        )

    row = soup(client.get(LOG)).select_one("table.audit-log tbody tr")

    assert row.find(class_="audit-who").get_text(strip=True) == "unbekannt"
    assert row.find(class_="audit-comment").get_text(strip=True) == "Klima"
    assert row.find(class_="audit-change").get_text(strip=True) == (
        "Name: „Klima“ → „Klima & Umwelt“"
    )


def test_account_changes_are_for_admins_and_comment_moderation_for_moderators(app, client):
    admin = make_user("chefin@example.org", Role.ADMIN)
    moderator = make_user("mo@example.org", Role.MODERATOR)
    article = make_article(title="Über Zirkel")
    comment = make_comment(article, name="Erika")
    with writing():
        audit.add_entry(
            "account.invite", user=admin, subject="neu@example.org", after={"role": "redaktion"}
        )
        audit.add_entry(
            "approve",
            user=moderator,
            comment_id=comment.id,
            article_id=article.id,
            before={},
            after={},
        )

    login(client, "mo@example.org")
    as_moderator = soup(client.get(LOG))
    login(client, "chefin@example.org")
    as_admin = soup(client.get(LOG))

    def actions(page):
        return [td.get_text(strip=True) for td in page.select("td.audit-action")]

    assert actions(as_moderator) == ["Freigegeben"]
    assert actions(as_admin) == ["Freigegeben", "Konto eingeladen"]
    assert (
        "Konten und Anmeldungen" not in as_moderator.find("select", id="filter-aktion").get_text()
    )
    invited = as_admin.select("table.audit-log tbody tr")[1]
    assert invited.find(class_="audit-comment").get_text(strip=True) == "neu@example.org"
    assert invited.find(class_="audit-change").get_text(strip=True) == "Rolle: Redaktion"
    assert client.get(LOG, query_string={"aktion": "konten"}).status_code == 200
    only = soup(client.get(LOG, query_string={"aktion": "konten"}))
    assert actions(only) == ["Konto eingeladen"]


# --- append-only in the database itself -------------------------------------------------


@pytest.fixture
def entry(app, editor):
    article = make_article()
    comment = make_comment(article)
    with writing():
        audit.add_entry(
            "approve",
            user=editor,
            subject="x",
            comment_id=comment.id,
            article_id=article.id,
            before={"status": "pending"},
            after={"status": "visible"},
        )
    return entries()[0]


def test_the_database_refuses_to_delete_an_entry(entry):
    """testRawSqlCannotDeleteTheAuditLog: not only the ORM refuses."""
    with pytest.raises(DBAPIError, match="append-only"):
        raw("DELETE FROM audit_entry")
    with pytest.raises(DBAPIError, match="append-only"):
        raw(f"DELETE FROM audit_entry WHERE id = {entry.id}")
    assert len(entries()) == 1


@pytest.mark.parametrize("column", [*CONTENT, "id"])
def test_the_database_refuses_to_change_an_entrys_content(entry, column):
    value = CONTENT.get(column, "4711")
    with pytest.raises(DBAPIError, match="append-only"):
        raw(f'UPDATE audit_entry SET "{column}" = {value}')
    [kept] = entries()
    assert (kept.id, kept.action, kept.user_email, kept.subject, kept.after) == (
        entry.id,
        "approve",
        "redaktion@example.org",
        "x",
        json.dumps({"status": "visible"}),
    )


@pytest.mark.parametrize("column", ["user_id", "comment_id", "article_id"])
def test_a_reference_may_be_emptied_but_never_pointed_elsewhere(entry, column):
    other = {
        "user_id": make_user("andere@example.org").id,
        "comment_id": make_comment(make_article()).id,
        "article_id": make_article().id,
    }[column]
    with pytest.raises(DBAPIError, match="append-only"):
        raw(f"UPDATE audit_entry SET {column} = {other}")

    raw(f"UPDATE audit_entry SET {column} = NULL")
    assert getattr(entries()[0], column) is None


@pytest.mark.skipif(__import__("databases").KIND != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_log(entry):
    with pytest.raises(DBAPIError, match="append-only"):
        raw("TRUNCATE audit_entry")
    assert len(entries()) == 1


def test_deleting_a_comment_an_article_and_a_user_still_works(app, client, entry, editor):
    """The foreign keys' ON DELETE SET NULL passes the triggers; the entry stays as it was."""
    comment_id, article_id, editor_id = entry.comment_id, entry.article_id, editor.id
    login(client, "redaktion@example.org")

    with writing():
        db.session.execute(delete(Comment).where(Comment.id == comment_id))
    assert entries()[0].comment_id is None

    # The editor deletes the article through the editorial area.
    page = soup(client.get(f"/verwaltung/artikel/{article_id}/loeschen"))
    form = page.find("form", method="post")
    response = client.post(
        f"/verwaltung/artikel/{article_id}/loeschen",
        data={"csrf_token": form.find("input", {"name": "csrf_token"})["value"]},
    )
    assert response.status_code == 303
    assert db.session.get(Article, article_id) is None
    assert entries()[0].article_id is None

    with writing():
        db.session.execute(delete(LoginSession))
        db.session.delete(db.session.get(User, editor_id))
    kept, deleted = sorted(entries(), key=lambda e: e.id)
    assert (kept.user_id, kept.comment_id, kept.article_id) == (None, None, None)
    assert (kept.user_email, kept.action, kept.subject) == ("redaktion@example.org", "approve", "x")
    # The deletion itself is in the log too, by the account that has gone since.
    assert (deleted.action, deleted.user_id, deleted.user_email) == (
        "article.delete",
        None,
        "redaktion@example.org",
    )
