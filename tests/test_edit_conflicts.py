"""Two people editing the same article: the later save never overwrites the earlier one
silently; it is shown both versions and keeps what it typed."""

from __future__ import annotations

from sqlalchemy import select

from editorial_helpers import form_as_sent, login, make_user
from factories import make_article, make_author
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, Role

CONFLICT = "Jemand anderes hat diesen Artikel gespeichert, während Sie ihn bearbeitet haben."


def test_a_later_save_sees_both_versions_and_keeps_its_text(app):
    make_author()
    article = make_article(title="Alter Titel", teaser="Alter Anreißer", body="Erster Absatz.")
    make_user(email="admin@example.org", role=Role.ADMIN)
    make_user(email="redaktion@example.org", role=Role.EDITOR)
    admin, editor = app.test_client(), app.test_client()
    login(admin, "admin@example.org")
    login(editor, "redaktion@example.org")
    admins_form, editors_form = (
        form_as_sent(admin, f"/verwaltung/artikel/{article.id}"),
        form_as_sent(editor, f"/verwaltung/artikel/{article.id}"),
    )

    saved = editor.post(
        f"/verwaltung/artikel/{article.id}",
        data={**editors_form, "title": "Neuer Titel", "teaser": "Neuer Anreißer"},
    )
    assert saved.status_code == 303

    late = admin.post(
        f"/verwaltung/artikel/{article.id}",
        data={**admins_form, "body": "Erster Absatz.\n\nEine Zeile der Chefin."},
    )
    assert late.status_code == 409
    page = soup(late)
    assert CONFLICT in page.select_one(".conflict").get_text()
    stored = [dd.get_text() for dd in page.select(".stored-version dd")]
    assert stored[:2] == ["Neuer Titel", "Neuer Anreißer"], "the other version is shown"
    assert "Eine Zeile der Chefin." in page.find("textarea", attrs={"name": "body"}).get_text()
    assert page.find("input", attrs={"name": "title"})["value"] == "Alter Titel", "hers, kept"
    db.session.expire_all()
    kept = db.session.get(Article, article.id)
    assert (kept.title, kept.teaser, kept.body) == (
        "Neuer Titel",
        "Neuer Anreißer",
        "Erster Absatz.",
    )

    # Having seen both, she saves hers knowingly (here: with the editor's title taken over).
    again = {
        **{f["name"]: f.get("value", "") for f in page.select("form.panel input[type=hidden]")},
        "title": "Neuer Titel",
        "teaser": "Neuer Anreißer",
        "body": "Erster Absatz.\n\nEine Zeile der Chefin.",
        "author_id": admins_form["author_id"],
        "comments_open": "y",
        "published_at": admins_form["published_at"],
    }
    assert admin.post(f"/verwaltung/artikel/{article.id}", data=again).status_code == 303
    db.session.expire_all()
    final = db.session.get(Article, article.id)
    assert (final.title, final.body) == ("Neuer Titel", "Erster Absatz.\n\nEine Zeile der Chefin.")


def test_a_form_saved_twice_by_one_editor_is_no_conflict(app):
    make_author()
    article = make_article(title="Eins")
    make_user(email="redaktion@example.org", role=Role.EDITOR)
    editor = app.test_client()
    login(editor, "redaktion@example.org")
    first = editor.post(
        f"/verwaltung/artikel/{article.id}",
        data={**form_as_sent(editor, f"/verwaltung/artikel/{article.id}"), "title": "Zwei"},
    )
    assert first.status_code == 303
    second = editor.post(
        f"/verwaltung/artikel/{article.id}",
        data={**form_as_sent(editor, f"/verwaltung/artikel/{article.id}"), "title": "Drei"},
    )
    assert second.status_code == 303
    assert db.session.scalar(select(Article.title)) == "Drei"
