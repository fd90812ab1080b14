"""Writing articles and authors in the editorial area, and what readers then see."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from editorial_helpers import login, make_user, session_token
from factories import make_article, make_author, photo_bytes
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, ArticleSlug, Author, Comment, utcnow


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    return client


@pytest.fixture
def author(app):
    return make_author(name="Redaktion", slug="redaktion")


def article_form(client, url: str = "/verwaltung/artikel/neu", **fields) -> dict:
    """The form's fields as a browser sends them (with the version it was opened at)."""
    page = soup(client.get(url))
    version = page.find("input", attrs={"name": "version"})
    data = {
        "csrf_token": page.find("input", attrs={"name": "csrf_token"})["value"],
        "version": version.get("value", "") if version else None,
        "title": "Jubiläum im Rathaus",
        "author_id": str(db.session.scalar(select(Author.id))),
        "teaser": "Ein kurzer Anreißer.",
        "body": "Erster **Absatz**.\n\nZweiter Absatz mit [Link](https://example.org).",
        "comments_open": "y",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_write_and_publish_an_article_with_a_photo(editor, author):
    """The editor's whole path: write, upload a photo, publish, see it on the front page."""
    data = article_form(
        editor,
        photo=(io.BytesIO(photo_bytes()), "rathaus.jpg"),
        photo_alt="Das Rathaus am Markt",
        photo_credit="Stadtarchiv",
        aktion="veroeffentlichen",
    )
    response = editor.post("/verwaltung/artikel/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 303

    article = db.session.scalar(select(Article))
    assert article.slug == "jubilaeum-im-rathaus"
    assert article.published_at is not None
    front = soup(editor.get("/"))
    assert front.select_one(".card-title").get_text(strip=True) == "Jubiläum im Rathaus"
    page = soup(editor.get("/artikel/jubilaeum-im-rathaus"))
    assert page.select_one(".article .body strong").get_text() == "Absatz"
    link = page.select_one(".article .body a")
    assert (link["href"], link["rel"]) == (
        "https://example.org",
        ["noopener", "noreferrer", "nofollow"],
    )
    img = page.select_one("figure.photo img")
    assert img["alt"] == "Das Rathaus am Markt"
    assert "480w" in img["srcset"] and "960w" in img["srcset"]
    assert "Foto: Stadtarchiv" in page.select_one("figure.photo figcaption").get_text()


def test_a_photo_needs_its_alternative_text(editor, author):
    data = article_form(editor, photo=(io.BytesIO(photo_bytes()), "x.jpg"))
    response = editor.post("/verwaltung/artikel/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Bitte beschreiben Sie das Foto" in soup(response).find(id="photo_alt-fehler").get_text()
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_a_file_that_is_no_photo_gets_a_german_message(editor, author):
    data = article_form(
        editor, photo=(io.BytesIO(b"kein Bild"), "bild.jpg"), photo_alt="Beschreibung"
    )
    response = editor.post("/verwaltung/artikel/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "kein Foto" in soup(response).find(id="photo-fehler").get_text()
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_preview_shows_the_article_and_saves_nothing(editor, author):
    data = article_form(editor, aktion="vorschau")
    response = editor.post("/verwaltung/artikel/neu", data=data)
    assert response.status_code == 200
    preview = soup(response).select_one(".preview")
    assert preview.find("h1").get_text() == "Jubiläum im Rathaus"
    assert preview.select_one(".body strong").get_text() == "Absatz"
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_a_saved_article_without_date_is_a_hidden_draft(editor, author):
    editor.post("/verwaltung/artikel/neu", data=article_form(editor))
    article = db.session.scalar(select(Article))
    assert article.published_at is None
    assert editor.get(f"/artikel/{article.slug}").status_code == 404
    assert "Entwurf" in editor.get("/verwaltung/artikel").get_data(as_text=True)


def test_a_scheduled_article_stays_hidden_until_its_time(editor, author):
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    editor.post("/verwaltung/artikel/neu", data=article_form(editor, published_at=later))
    article = db.session.scalar(select(Article))
    assert article.published_at > utcnow()
    assert editor.get(f"/artikel/{article.slug}").status_code == 404
    assert "Geplant für" in editor.get("/verwaltung/artikel").get_data(as_text=True)


def test_publication_time_is_typed_in_berlin_time(editor, author):
    editor.post(
        "/verwaltung/artikel/neu", data=article_form(editor, published_at="2014-03-24T10:30")
    )
    assert db.session.scalar(select(Article.published_at)).isoformat() == "2014-03-24T09:30:00"


def test_a_changed_slug_keeps_the_old_address_working(editor, author):
    article = make_article(title="Alt", slug="alter-titel", author=author)
    url = f"/verwaltung/artikel/{article.id}"
    editor.post(url, data=article_form(editor, url, title="Neuer Titel", slug="neuer-titel"))

    response = editor.get("/artikel/alter-titel")
    assert (response.status_code, response.headers["Location"]) == (301, "/artikel/neuer-titel")
    assert editor.get("/artikel/neuer-titel").status_code == 200
    assert db.session.scalar(select(ArticleSlug.slug)) == "alter-titel"


def test_slugs_stay_unique(editor, author):
    make_article(title="X", slug="jubilaeum-im-rathaus", author=author)
    editor.post("/verwaltung/artikel/neu", data=article_form(editor))
    slugs = db.session.scalars(select(Article.slug).order_by(Article.id)).all()
    assert slugs == ["jubilaeum-im-rathaus", "jubilaeum-im-rathaus-2"]


def test_withdrawing_hides_an_article_again(editor, author):
    article = make_article(author=author)
    url = f"/verwaltung/artikel/{article.id}"
    editor.post(url, data=article_form(editor, url, slug=article.slug, aktion="zurueckziehen"))
    assert editor.get(f"/artikel/{article.slug}").status_code == 404


def test_deleting_asks_first_and_takes_the_comments_along(editor, author):
    from factories import make_comment

    article = make_article(author=author)
    make_comment(article)
    url = f"/verwaltung/artikel/{article.id}/loeschen"
    confirm = soup(editor.get(url))
    assert "endgültig löschen?" in confirm.get_text()
    assert db.session.get(Article, article.id) is not None

    token = confirm.find("input", {"name": "csrf_token"})["value"]
    assert editor.post(url, data={"csrf_token": token}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_editing_an_article_changes_its_page_at_once(editor, author):
    """The page cache knows the article changed: its version is part of the key."""
    article = make_article(author=author, title="Vorher")
    assert soup(editor.get(f"/artikel/{article.slug}")).find("h1").get_text() == "Vorher"
    url = f"/verwaltung/artikel/{article.id}"
    editor.post(url, data=article_form(editor, url, title="Nachher", slug=article.slug))
    assert soup(editor.get(f"/artikel/{article.slug}")).find("h1").get_text() == "Nachher"


def test_authors_are_written_with_markdown_bios(editor, app):
    token = session_token(editor, "/verwaltung/autoren/neu")
    response = editor.post(
        "/verwaltung/autoren/neu",
        data={"csrf_token": token, "name": "Jürgen Weiß", "bio": "Schreibt *gern*."},
    )
    assert response.status_code == 303
    page = soup(editor.get("/autoren/juergen-weiss"))
    assert page.find("h1").get_text() == "Jürgen Weiß"
    assert page.select_one(".author-header em").get_text() == "gern"


@pytest.mark.parametrize(
    ("choice", "heading"),
    [
        (None, "Über den Autor"),
        ("autorin", "Über die Autorin"),
        ("redaktion", "Über die Redaktion"),
    ],
)
def test_an_author_chooses_how_the_box_under_their_articles_is_headed(editor, choice, heading):
    token = session_token(editor, "/verwaltung/autoren/neu")
    data = {"csrf_token": token, "name": "Ada Muster", "bio": "Schreibt.", "about_heading": choice}
    response = editor.post("/verwaltung/autoren/neu", data={k: v for k, v in data.items() if v})
    assert response.status_code == 303
    article = make_article(author=db.session.scalar(select(Author)))
    box = soup(editor.get(f"/artikel/{article.slug}")).select_one("aside.author-box")
    assert box.find("h2").get_text() == heading


def test_the_only_author_with_articles_cannot_be_deleted(editor, author):
    make_article(author=author)
    url = f"/verwaltung/autoren/{author.id}/loeschen"
    page = soup(editor.get(url))
    assert "und es gibt keinen anderen Autor" in page.get_text()
    token = session_token(editor, "/verwaltung/autoren/neu")
    assert editor.post(url, data={"csrf_token": token}).status_code == 422
    assert db.session.get(Author, author.id) is not None


def test_site_settings_are_changed_by_an_admin(client, app):
    from webapp.models import Role
    from webapp.site_settings import get_setting

    make_user(email="chefin@example.org", role=Role.ADMIN)
    login(client, "chefin@example.org")
    page = soup(client.get("/verwaltung/einstellungen"))
    assert (
        page.find("select", {"name": "moderation"}).find("option", selected=True)["value"] == "off"
    )
    token = page.find("input", {"name": "csrf_token"})["value"]
    version = page.find("input", {"name": "version"})["value"]
    response = client.post(
        "/verwaltung/einstellungen",
        data={
            "csrf_token": token,
            "version": version,
            "moderation": "first",
            "close_comments_after_days": "30",
        },
    )
    assert response.status_code == 303
    assert (get_setting("moderation"), get_setting("close_comments_after_days")) == ("first", 30)
    assert get_setting("notify_moderators") is False

    refused = client.post(
        "/verwaltung/einstellungen",
        data={"csrf_token": token, "moderation": "first", "close_comments_after_days": "-1"},
    )
    assert refused.status_code == 422
    assert "Eine Zahl von 0 bis 3650." in refused.get_data(as_text=True)


def noisy_photo(size: int = 400) -> bytes:
    """A PNG of random pixels: hundreds of kilobytes, more than a reader may post."""
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_editors_may_upload_photos_larger_than_a_reader_may_post(editor, author, app):
    photo = noisy_photo()
    assert len(photo) > app.config["MAX_CONTENT_LENGTH"]
    data = article_form(
        editor,
        photo=(io.BytesIO(photo), "gross.png"),
        photo_alt="Rauschen",
        aktion="veroeffentlichen",
    )
    response = editor.post("/verwaltung/artikel/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    article = db.session.scalar(select(Article))
    assert article.photo is not None

    too_big = {"name": "A", "email": "a@example.org", "text": "x" * 70_000}
    assert editor.post(f"/artikel/{article.slug}/kommentare", data=too_big).status_code == 413


def test_authors_can_have_a_photo(editor, app):
    token = session_token(editor, "/verwaltung/autoren/neu")
    editor.post(
        "/verwaltung/autoren/neu",
        data={"csrf_token": token, "name": "Ada", "photo": (io.BytesIO(photo_bytes()), "ada.jpg")},
        content_type="multipart/form-data",
    )
    page = soup(editor.get("/autoren/ada"))
    assert page.select_one(".author-photo img")["alt"] == "Foto von Ada"
