"""Round trips that save nothing (preview, a failed check, an expired form) keep every
field an editor filled in, the chosen photo included."""

from __future__ import annotations

import io
import time
import types
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from editorial_helpers import form_as_sent, form_data, login, make_user
from factories import make_article, make_author, photo_bytes
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, Author, Photo

EXPIRED = "Dieses Formular war zu lange geöffnet"


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    make_author(name="Redaktion", slug="redaktion")
    return client


@contextmanager
def two_hours_later(monkeypatch):
    """Signed tokens (itsdangerous) see a clock two hours ahead: forms opened now expire."""
    clock = types.SimpleNamespace(time=lambda: time.time() + 2 * 3600)
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time", clock)
        yield


def new_article(client, **fields) -> dict:
    data = form_as_sent(client, "/verwaltung/artikel/neu")
    data.update(title="Markt am Sonntag", body="Der Markt öffnet.", teaser="Kurz.")
    data.update(fields)
    return data


def post(client, url: str, data: dict):
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_photo_survives_the_preview_and_is_saved_with_the_article(editor):
    data = new_article(
        editor,
        photo=(io.BytesIO(photo_bytes()), "markt.jpg"),
        photo_alt="Stände auf dem Marktplatz",
        photo_credit="Stadtarchiv",
        aktion="vorschau",
    )
    preview = post(editor, "/verwaltung/artikel/neu", data)
    assert preview.status_code == 200
    page = soup(preview)
    assert page.select_one(".preview img")["alt"] == "Stände auf dem Marktplatz"
    assert "Dieses Foto wird mit dem Artikel gespeichert" in page.get_text()
    assert page.find("input", attrs={"name": "photo_alt"})["value"] == "Stände auf dem Marktplatz"
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0, "nothing saved"

    # "Speichern" without choosing the file again: the article has the photo.
    saved = post(editor, "/verwaltung/artikel/neu", {**form_data(page), "aktion": "speichern"})
    assert saved.status_code == 303
    article = db.session.scalar(select(Article))
    assert article.photo is not None and article.photo_alt == "Stände auf dem Marktplatz"
    assert article.photo_credit == "Stadtarchiv"


def test_a_photo_survives_a_failed_check(editor):
    data = new_article(
        editor, title="", photo=(io.BytesIO(photo_bytes()), "markt.jpg"), photo_alt="Ein Stand"
    )
    failed = post(editor, "/verwaltung/artikel/neu", data)
    assert failed.status_code == 422
    page = soup(failed)
    assert "Bitte geben Sie einen Titel ein." in page.get_text()
    assert page.select_one(".chosen-photo img") is not None
    assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == "Der Markt öffnet."

    again = {**form_data(page), "title": "Markt am Sonntag"}
    assert post(editor, "/verwaltung/artikel/neu", again).status_code == 303
    assert db.session.scalar(select(Article)).photo is not None


def test_a_staged_photo_can_be_dropped(editor):
    data = new_article(
        editor, photo=(io.BytesIO(photo_bytes()), "x.jpg"), photo_alt="X", aktion="vorschau"
    )
    page = soup(post(editor, "/verwaltung/artikel/neu", data))
    dropped = {**form_data(page), "remove_photo": "y", "photo_alt": "", "aktion": "speichern"}
    assert post(editor, "/verwaltung/artikel/neu", dropped).status_code == 303
    assert db.session.scalar(select(Article)).photo is None


def test_a_file_that_is_no_photo_is_named_in_the_preview(editor):
    data = new_article(
        editor, photo=(io.BytesIO(b"kein Bild"), "x.jpg"), photo_alt="X", aktion="vorschau"
    )
    page = soup(post(editor, "/verwaltung/artikel/neu", data))
    assert page.select_one("#photo-fehler") is not None
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_an_expired_form_comes_back_with_the_text_and_a_fresh_token(editor, monkeypatch):
    article = make_article(author=db.session.scalar(select(Author)), title="Alt")
    url = f"/verwaltung/artikel/{article.id}"
    data = form_as_sent(editor, url)
    with two_hours_later(monkeypatch):
        late = editor.post(url, data={**data, "title": "Lange geschrieben", "body": "Viel Text."})
    assert late.status_code == 422
    page = soup(late)
    assert EXPIRED in page.select_one(".flash-error").get_text()
    assert page.find("input", attrs={"name": "title"})["value"] == "Lange geschrieben"
    assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == "Viel Text."
    assert db.session.get(Article, article.id).title == "Alt", "nothing saved"

    with two_hours_later(monkeypatch):  # the new token is fresh then
        assert editor.post(url, data=form_data(page)).status_code == 303
    db.session.expire_all()
    assert db.session.get(Article, article.id).title == "Lange geschrieben"


def test_a_forged_token_is_still_refused(app, editor):
    article = make_article(author=db.session.scalar(select(Author)), title="Alt")
    url = f"/verwaltung/artikel/{article.id}"
    data = {**form_as_sent(editor, url), "csrf_token": "bogus", "title": "Fremd"}
    response = editor.post(url, data=data)
    assert response.status_code == 400
    assert db.session.get(Article, article.id).title == "Alt"


def test_an_expired_delete_is_not_carried_out(editor, monkeypatch):
    """Only forms that save nothing unless they validate are shown again."""
    article = make_article(author=db.session.scalar(select(Author)))
    token = form_as_sent(editor, f"/verwaltung/artikel/{article.id}")["csrf_token"]
    with two_hours_later(monkeypatch):
        url = f"/verwaltung/artikel/{article.id}/loeschen"
        response = editor.post(url, data={"csrf_token": token})
    assert response.status_code == 400
    assert db.session.get(Article, article.id) is not None


def test_a_photo_from_the_media_library_becomes_the_lead_photo(editor):
    from webapp.models import Photo as PhotoModel

    library = make_photo_in_library(alt_text="Der Marktplatz im Regen", credit="Stadtarchiv")
    page = soup(editor.get("/verwaltung/artikel/neu"))
    choice = page.find("input", attrs={"name": "chosen_photo", "value": str(library.id)})
    assert choice is not None, "the library's photos are offered in the form"
    label = page.find("label", attrs={"for": choice["id"]}).get_text()
    assert "Der Marktplatz im Regen" in label

    data = {**new_article(editor), "chosen_photo": str(library.id), "aktion": "vorschau"}
    preview = soup(post(editor, "/verwaltung/artikel/neu", data))
    assert preview.select_one(".preview img")["alt"] == "Der Marktplatz im Regen"

    saved = post(editor, "/verwaltung/artikel/neu", {**form_data(preview), "aktion": "speichern"})
    assert saved.status_code == 303
    article = db.session.scalar(select(Article))
    assert article.photo_id == library.id
    assert article.photo_alt == "Der Marktplatz im Regen", "the library's description"
    assert db.session.scalar(select(func.count()).select_from(PhotoModel)) == 1


def make_photo_in_library(**fields) -> Photo:
    from webapp.database import writing
    from webapp.media import store_photo

    with writing():
        photo = store_photo(photo_bytes(900, 600))
        for key, value in fields.items():
            setattr(photo, key, value)
    return photo


def test_what_the_page_would_drop_is_shown_before_saving(editor):
    body = "Ein Absatz.\n\n![](/medien/gibt-es-nicht-960.jpg)\n\n<iframe src=x></iframe>"
    preview = soup(
        post(editor, "/verwaltung/artikel/neu", new_article(editor, body=body, aktion="vorschau"))
    )
    listed = preview.select_one(".dropped").get_text()
    assert "Nicht alles wird so gezeigt, wie es dasteht" in listed
    assert "iframe" in listed

    refused = post(editor, "/verwaltung/artikel/neu", {**form_data(preview), "aktion": "speichern"})
    assert refused.status_code == 422, "not saved before the editor has seen the list"
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    page = soup(refused)
    assert page.select_one(".dropped [role=alert]") is not None
    confirm = page.find("input", attrs={"name": "verworfenes_bestaetigt"})["value"]

    # A different text needs its own confirmation …
    changed = {
        **form_data(page),
        "body": body + "\n\n<script>x</script>",
        "verworfenes_bestaetigt": confirm,
    }
    assert post(editor, "/verwaltung/artikel/neu", changed).status_code == 422
    # … this one is saved as it is once confirmed.
    anyway = {**form_data(page), "verworfenes_bestaetigt": confirm, "aktion": "speichern"}
    assert post(editor, "/verwaltung/artikel/neu", anyway).status_code == 303
    saved = db.session.scalar(select(Article))
    assert "<iframe" not in saved.body_html and "Ein Absatz." in saved.body_html


def test_headings_and_clean_text_save_without_a_question(editor):
    body = "# Zwischenüberschrift\n\nEin Absatz mit **fett** und [Link](https://example.org)."
    assert (
        post(editor, "/verwaltung/artikel/neu", new_article(editor, body=body)).status_code == 303
    )
    saved = db.session.scalar(select(Article))
    assert "<h2>Zwischenüberschrift</h2>" in saved.body_html
