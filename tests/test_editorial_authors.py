"""Authors in the editorial area: two people editing at once, a changed address, deleting
an author whose articles go to another one, a photo that survives a failed check."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from editorial_helpers import form_as_sent, form_data, login, make_user
from factories import make_article, make_author, make_topic, photo_bytes
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, Author, Role, Topic

CONFLICT = "Jemand anderes hat diesen Autor gespeichert, während Sie ihn bearbeitet haben."


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    return client


def two_editors(app):
    make_user(email="admin@example.org", role=Role.ADMIN)
    make_user(email="redaktion@example.org", role=Role.EDITOR)
    first, second = app.test_client(), app.test_client()
    login(first, "admin@example.org")
    login(second, "redaktion@example.org")
    return first, second


def test_a_later_author_save_sees_the_other_and_keeps_its_text(app):
    author = make_author(name="Erika Muster", bio="Alte Zeilen.")
    first, second = two_editors(app)
    url = f"/verwaltung/autoren/{author.id}"
    firsts, seconds = form_as_sent(first, url), form_as_sent(second, url)
    assert second.post(url, data={**seconds, "name": "Erika Mustermann"}).status_code == 303

    late = first.post(url, data={**firsts, "bio": "Neue Zeilen der Chefin."})
    assert late.status_code == 409
    page = soup(late)
    assert CONFLICT in page.select_one(".conflict").get_text()
    assert page.select(".stored-version dd")[0].get_text() == "Erika Mustermann"
    assert "Neue Zeilen der Chefin." in page.find("textarea", attrs={"name": "bio"}).get_text()
    db.session.expire_all()
    assert db.session.get(Author, author.id).bio == "Alte Zeilen."

    # Saved again knowingly: the form now names the stored version.
    again = first.post(url, data={**form_data(page), "name": "Erika Mustermann"})
    assert again.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Author, author.id)
    assert (saved.name, saved.bio) == ("Erika Mustermann", "Neue Zeilen der Chefin.")


def test_a_changed_author_address_answers_301(editor):
    author = make_author(name="Erika Muster", slug="erika-muster")
    make_article(author=author)
    url = f"/verwaltung/autoren/{author.id}"
    assert (
        editor.post(url, data={**form_as_sent(editor, url), "slug": "e-muster"}).status_code == 303
    )

    moved = editor.get("/autoren/erika-muster?seite=2")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/autoren/e-muster?seite=2"
    assert editor.get("/autoren/e-muster").status_code == 200

    # Another author cannot take the former address while it leads to her.
    other = make_author(name="Max")
    other_url = f"/verwaltung/autoren/{other.id}"
    taken = editor.post(other_url, data={**form_as_sent(editor, other_url), "slug": "erika-muster"})
    assert taken.status_code == 422
    assert "Ein anderer Autor hat (oder hatte) diese Adresse bereits." in taken.get_data(
        as_text=True
    )

    # She can take it back; it then is hers again, not a redirect.
    assert (
        editor.post(url, data={**form_as_sent(editor, url), "slug": "erika-muster"}).status_code
        == 303
    )
    assert editor.get("/autoren/erika-muster").status_code == 200
    assert editor.get("/autoren/e-muster").status_code == 301


def test_deleting_an_author_moves_their_articles_in_one_step(editor):
    leaving = make_author(name="Geht")
    staying = make_author(name="Bleibt")
    first, second = make_article(author=leaving), make_article(author=leaving)
    url = f"/verwaltung/autoren/{leaving.id}/loeschen"
    page = soup(editor.get(url))
    assert "„Geht“ hat 2 Artikel. Wählen Sie, an wen sie gehen" in page.get_text()
    options = [
        o.get_text() for o in page.find("select", attrs={"name": "target_id"}).find_all("option")
    ]
    assert "Bleibt" in options and "Geht" not in options

    response = editor.post(url, data={**form_as_sent(editor, url), "target_id": str(staying.id)})
    assert response.status_code == 303
    assert (
        "2 Artikel haben jetzt den Autor „Bleibt“"
        in soup(editor.get(response.headers["Location"])).get_text()
    )
    db.session.expire_all()
    assert db.session.get(Author, leaving.id) is None
    authors = db.session.scalars(
        select(Article.author_id).where(Article.id.in_([first.id, second.id]))
    ).all()
    assert authors == [staying.id, staying.id]
    slug = db.session.get(Article, first.id).slug
    assert "Bleibt" in soup(editor.get(f"/artikel/{slug}")).select_one(".meta").get_text()


def test_an_author_photo_survives_a_failed_check(editor):
    make_author(name="Vergeben", slug="vergeben")
    data = form_as_sent(editor, "/verwaltung/autoren/neu")
    data.update(name="Neu", slug="vergeben", photo=(io.BytesIO(photo_bytes()), "p.jpg"))
    failed = editor.post("/verwaltung/autoren/neu", data=data, content_type="multipart/form-data")
    assert failed.status_code == 422
    page = soup(failed)
    assert page.select_one(".chosen-photo img") is not None
    again = {**form_data(page), "slug": "neu"}
    assert editor.post("/verwaltung/autoren/neu", data=again).status_code == 303
    assert db.session.scalar(select(Author).where(Author.slug == "neu")).photo is not None


def test_a_later_topic_save_sees_the_other(app):
    topic = make_topic("Integration")
    first, second = two_editors(app)
    url = f"/verwaltung/themen/{topic.id}"
    firsts, seconds = form_as_sent(first, url), form_as_sent(second, url)
    assert (
        second.post(url, data={**seconds, "description": "Von der Redaktion."}).status_code == 303
    )
    late = first.post(url, data={**firsts, "name": "Teilhabe"})
    assert late.status_code == 409
    page = soup(late)
    assert "Von der Redaktion." in page.select_one(".stored-version").get_text()
    assert page.find("input", attrs={"name": "name"})["value"] == "Teilhabe"
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).name == "Integration"


def test_a_later_settings_save_sees_the_other(app):
    make_user(email="admin@example.org", role=Role.ADMIN)
    make_user(email="admin2@example.org", role=Role.ADMIN)
    first, second = app.test_client(), app.test_client()
    login(first, "admin@example.org")
    login(second, "admin2@example.org")
    url = "/verwaltung/einstellungen"
    firsts, seconds = form_as_sent(first, url), form_as_sent(second, url)
    assert second.post(url, data={**seconds, "moderation": "all"}).status_code == 303
    late = first.post(url, data={**firsts, "close_comments_after_days": "30"})
    assert late.status_code == 409
    page = soup(late)
    assert "Jeden Kommentar zurückhalten" in page.select_one(".stored-version").get_text()
    assert page.find("input", attrs={"name": "close_comments_after_days"})["value"] == "30"

    from webapp.site_settings import get_setting

    assert (get_setting("moderation"), get_setting("close_comments_after_days")) == ("all", 0)
