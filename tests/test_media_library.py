"""The media library: upload once, describe, see where a photo is used, delete unused ones."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import render_template_string
from sqlalchemy import func, select, update

from editorial_helpers import login, make_user, session_token
from factories import make_article, make_author, make_photo, photo_bytes
from helpers import soup
from webapp.editorial.media_library import (
    chosen_photo,
    library_photos,
    markdown_snippet,
    usage_counts,
)
from webapp.extensions import db
from webapp.media import photo_url
from webapp.models import Article, Photo, Role, utcnow

LIBRARY = "/verwaltung/medien"


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    return client


def url_of(app, photo: Photo, width: int = 960) -> str:
    """photo_url, outside a request."""
    with app.test_request_context():
        return photo_url(photo, width)


def files_of(app, photo_key: str) -> list[Path]:
    return sorted((Path(app.instance_path) / "media").glob(f"{photo_key}-*.jpg"))


def bare_photos(count: int, start: int = 0) -> list[Photo]:
    """Photo rows without files: enough for lists and counts."""
    photos = [
        Photo(key=f"{n:032x}", width=1200, height=800, widths="480,960,1200", alt_text=f"Bild {n}")
        for n in range(start, start + count)
    ]
    db.session.add_all(photos)
    db.session.commit()
    return photos


def upload(client, *slots: dict, token: str | None = None):
    """Post the upload form with these slots (file as (bytes, name), alt_text, title, credit)."""
    data = {"csrf_token": token or session_token(client, f"{LIBRARY}/hochladen")}
    for n, slot in enumerate(slots):
        for name, value in slot.items():
            if name == "file":
                value = (io.BytesIO(value[0]), value[1])
            data[f"photos-{n}-{name}"] = value
    return client.post(f"{LIBRARY}/hochladen", data=data, content_type="multipart/form-data")


# -- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [(Role.EDITOR, 200), (Role.ADMIN, 200), (Role.MODERATOR, 403)]
)
def test_the_library_is_for_editors_and_admins(client, app, role, status):
    make_user(role=role)
    login(client)
    assert client.get(LIBRARY).status_code == status
    nav = soup(client.get("/verwaltung/")).find("nav", class_="editorial-nav")
    assert ("Medien" in nav.get_text()) == (status == 200)


def test_the_library_needs_a_login(client, app):
    assert client.get(LIBRARY).status_code in (302, 303)


# -- Upload -------------------------------------------------------------------------------


def test_upload_several_photos_at_once_with_their_descriptions(editor, app):
    response = upload(
        editor,
        {"file": (photo_bytes(1200, 675), "rathaus.jpg"), "alt_text": "Das Rathaus am Markt"},
        {
            "file": (photo_bytes(800, 600), "brunnen.png"),
            "alt_text": "Der Brunnen",
            "title": "Brunnen im Sommer",
            "credit": "Jana Beispiel",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(LIBRARY)

    photos = db.session.scalars(select(Photo).order_by(Photo.id)).all()
    assert [(p.alt_text, p.title, p.credit, p.original_name) for p in photos] == [
        ("Das Rathaus am Markt", "", "", "rathaus.jpg"),
        ("Der Brunnen", "Brunnen im Sommer", "Jana Beispiel", "brunnen.png"),
    ]
    assert len(files_of(app, photos[0].key)) == 3
    page = soup(editor.get(LIBRARY))
    assert "2 Fotos wurden in die Mediathek aufgenommen." in page.get_text()


def test_a_file_that_is_no_photo_is_refused_and_the_others_are_stored(editor, app):
    response = upload(
        editor,
        {"file": (b"Kein Bild, nur Text.", "notizen.jpg"), "alt_text": "Notizen"},
        {"file": (photo_bytes(900, 600), "markt.jpg"), "alt_text": "Der Markt"},
    )
    assert response.status_code == 422
    page = soup(response)
    error = page.find(id="photos-0-file-fehler")
    assert "kein Foto" in error.get_text()
    assert page.find(id="photos-0-file")["aria-describedby"].endswith("photos-0-file-fehler")
    # The stored one is said, linked, and not sent again.
    assert db.session.scalar(select(Photo.alt_text)) == "Der Markt"
    assert page.find(class_="error-summary", role="alert")
    stored = page.find(class_="media-stored")
    assert "1 Foto wurde gespeichert" in stored.get_text()
    assert page.find(id="photos-1-alt_text")["value"] == ""
    assert page.find(id="photos-0-alt_text")["value"] == "Notizen"


def test_each_uploaded_photo_needs_an_alternative_text(editor, app):
    response = upload(editor, {"file": (photo_bytes(900, 600), "markt.jpg"), "alt_text": "  "})
    assert response.status_code == 422
    error = soup(response).find(id="photos-0-alt_text-fehler")
    assert "beschreiben Sie das Foto" in error.get_text()
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_an_empty_upload_says_what_is_missing(editor, app):
    response = upload(editor)
    assert response.status_code == 422
    assert "mindestens ein Foto" in soup(response).find(id="photos-0-file-fehler").get_text()


def test_the_upload_needs_the_csrf_token(editor, app):
    response = upload(
        editor, {"file": (photo_bytes(900, 600), "m.jpg"), "alt_text": "M"}, token="falsch"
    )
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_uploading_a_photo_again_keeps_its_description(editor, app):
    photo = make_photo(width=700, height=500)
    photo.alt_text = "Schon beschrieben"
    db.session.commit()
    response = upload(editor, {"file": (photo_bytes(700, 500), "again.jpg"), "alt_text": "Neu"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    assert db.session.get(Photo, photo.id).alt_text == "Schon beschrieben"
    assert "war schon in der Mediathek" in soup(editor.get(LIBRARY)).get_text()


# -- The library page ---------------------------------------------------------------------


def test_the_library_shows_each_photo_with_where_it_is_used(editor, app):
    lead = make_photo(width=1000, height=700)
    lead.alt_text = "Die Brücke"
    author_photo = make_photo(width=640, height=640)
    unused = make_photo(width=500, height=400)
    old = make_photo(width=900, height=500)  # uploaded as an article photo, never described
    make_article(photo=lead, title="Brücke")
    make_article(photo=lead, title="Noch einmal die Brücke")
    make_author(photo=author_photo)
    make_article(photo=None, body=f"Text.\n\n![Brücke]({url_of(app, lead, 960)})\n")
    make_article(photo=old, photo_alt="Ein alter Hafen")

    page = soup(editor.get(LIBRARY))

    cards = {card.find("h2").get_text(strip=True): card for card in page.select(".media-card")}
    assert len(cards) == 4
    lead_card = cards[f"Foto {lead.id}"]
    img = lead_card.find("img")
    assert img["src"] == url_of(app, lead, 480) and img["loading"] == "lazy"
    assert "Die Brücke" in lead_card.get_text()
    assert "1000 × 700 px" in lead_card.get_text()
    usage = [li.get_text(strip=True) for li in lead_card.select(".media-usage-counts li")]
    assert usage == ["Aufmacherfoto von 2 Artikeln", "Im Text von 1 Artikel"]
    author_card = cards[f"Foto {author_photo.id}"]
    assert "Foto von 1 Autor" in author_card.get_text()
    assert "Nirgends verwendet." in cards[f"Foto {unused.id}"].get_text()
    assert "Braucht einen Alternativtext." in cards[f"Foto {old.id}"].get_text()


def test_usage_is_counted_in_a_constant_number_of_queries(editor, app, count_queries):
    def queries_for(count: int) -> int:
        db.session.execute(Photo.__table__.delete())
        db.session.commit()
        photos = bare_photos(count, start=count * 100)
        article = make_article(photo=photos[0], body=f"![x]({url_of(app, photos[1], 960)})")
        make_author(photo=photos[2])
        assert article.id
        db.session.expunge_all()
        with count_queries() as statements:
            response = editor.get(LIBRARY)
        assert response.status_code == 200
        assert len(soup(response).select(".media-card")) == count
        return len(statements)

    assert queries_for(3) == queries_for(30)


def test_usage_counts_are_one_query_per_kind(app, count_queries):
    photos = bare_photos(5)
    make_article(photo=photos[0], body=f"![a](/medien/{photos[1].key}-480.jpg)")
    make_article(photo=photos[0], body=f"[b](https://example.org/medien/{photos[1].key}-960.jpg)")
    make_author(photo=photos[3])
    with count_queries() as statements:
        usage = usage_counts(photos)
    assert len(statements) == 3
    assert [(u.lead, u.authors, u.body) for u in usage.values()] == [
        (2, 0, 0),
        (0, 0, 2),
        (0, 0, 0),
        (0, 1, 0),
        (0, 0, 0),
    ]


def test_the_library_has_pages_of_30(editor, app):
    bare_photos(31)
    first = soup(editor.get(LIBRARY))
    assert len(first.select(".media-card")) == 30
    assert first.find("a", rel="next")["href"].endswith("?seite=2")
    assert len(soup(editor.get(f"{LIBRARY}?seite=2")).select(".media-card")) == 1


# -- A photo's page -----------------------------------------------------------------------


def test_edit_a_photos_description(editor, app):
    photo = make_photo()
    url = f"{LIBRARY}/{photo.id}"
    response = editor.post(
        url,
        data={
            "csrf_token": session_token(editor, url),
            "alt_text": "Das Rathaus",
            "title": "Rathaus",
            "credit": "Stadtarchiv",
        },
    )
    assert response.status_code == 303
    photo = db.session.get(Photo, photo.id)
    assert (photo.alt_text, photo.title, photo.credit) == ("Das Rathaus", "Rathaus", "Stadtarchiv")
    page = soup(editor.get(url))
    assert "Die Beschreibung des Fotos wurde gespeichert." in page.get_text()
    assert page.find("h1").get_text(strip=True) == "Rathaus"


def test_a_description_needs_an_alternative_text(editor, app):
    photo = make_photo()
    url = f"{LIBRARY}/{photo.id}"
    response = editor.post(
        url, data={"csrf_token": session_token(editor, url), "alt_text": "", "title": "T"}
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="alt_text")["aria-invalid"] == "true"
    assert "beschreiben Sie das Foto" in page.find(id="alt_text-fehler").get_text()


def test_a_photo_without_alt_text_suggests_its_articles(editor, app):
    photo = make_photo()
    make_article(photo=photo, photo_alt="Ein alter Hafen im Nebel")
    page = soup(editor.get(f"{LIBRARY}/{photo.id}"))
    assert page.find(id="alt_text")["value"] == "Ein alter Hafen im Nebel"
    assert "Vorgeschlagen" in page.find(id="alt_text-hinweis").get_text()
    assert page.find(id="markdown-snippet") is None  # not before it is saved


def test_the_markdown_snippet_is_exactly_the_alt_text_and_the_960_address(app):
    photo = make_photo(width=2000, height=1000)
    photo.alt_text = "Das Rathaus am Markt"
    db.session.commit()
    with app.test_request_context():
        assert markdown_snippet(photo) == f"![Das Rathaus am Markt](/medien/{photo.key}-960.jpg)"


def test_the_photo_page_gives_the_markdown_and_where_it_is_used(editor, app):
    photo = make_photo()
    photo.alt_text = "Die Brücke [alt]"
    db.session.commit()
    article = make_article(photo=photo, title="Über die Brücke")
    author = make_author(name="Jana Beispiel", photo=photo)

    page = soup(editor.get(f"{LIBRARY}/{photo.id}"))

    field = page.find(id="markdown-snippet")
    assert field.has_attr("readonly")
    # Brackets escaped, so that the text renders with exactly this alternative text.
    assert field["value"] == rf"![Die Brücke \[alt\]]({url_of(app, photo, 960)})"
    with app.test_request_context():
        assert field["value"] == markdown_snippet(photo)
    button = page.find("button", attrs={"data-copy": "markdown-snippet"})
    assert button.get_text(strip=True) == "Kopieren" and button.has_attr("hidden")
    scripts = [s["src"] for s in page.find_all("script")]
    assert any("/js/media.js" in src for src in scripts)
    links = {a.get_text(strip=True): a["href"] for a in page.select(".media-usage a")}
    assert links["Über die Brücke"] == f"/verwaltung/artikel/{article.id}"
    assert links["Jana Beispiel"] == f"/verwaltung/autoren/{author.id}"
    assert page.find("a", string="Foto löschen") is None


def test_an_unknown_photo_is_404(editor, app):
    assert editor.get(f"{LIBRARY}/999").status_code == 404


# -- Deleting -----------------------------------------------------------------------------


def test_an_unused_photo_is_deleted_with_its_files_after_a_confirmation(editor, app):
    photo = make_photo()
    keys = files_of(app, photo.key)
    assert keys
    url = f"{LIBRARY}/{photo.id}/loeschen"
    confirm = soup(editor.get(url))
    assert "für immer" in confirm.get_text()
    assert db.session.get(Photo, photo.id) is not None  # asking deletes nothing

    response = editor.post(url, data={"csrf_token": session_token(editor, url)})

    assert response.status_code == 303
    db.session.expunge_all()
    assert db.session.get(Photo, photo.id) is None
    assert files_of(app, photo.key) == []


@pytest.mark.parametrize("kind", ["lead", "author", "body"])
def test_a_used_photo_cannot_be_deleted(editor, app, kind):
    photo = make_photo()
    if kind == "lead":
        make_article(photo=photo, title="Aufmacher")
    elif kind == "author":
        make_author(name="Autorin mit Foto", photo=photo)
    else:
        make_article(photo=None, title="Im Text", body=f"![x]({url_of(app, photo, 480)})")
    url = f"{LIBRARY}/{photo.id}/loeschen"
    page = soup(editor.get(url))
    assert "kann nicht gelöscht werden" in page.get_text()
    assert page.find("button", string="Endgültig löschen") is None

    response = editor.post(url, data={"csrf_token": session_token(editor, f"{LIBRARY}/{photo.id}")})

    assert response.status_code == 409
    assert db.session.get(Photo, photo.id) is not None
    assert files_of(app, photo.key)


def test_delete_all_unused_photos(editor, app):
    used = make_photo(width=700, height=500)
    in_text = make_photo(width=710, height=500)
    unused = [make_photo(width=720, height=500), make_photo(width=730, height=500)]
    make_article(photo=used, body=f"![x]({url_of(app, in_text, 960)})")
    earlier = utcnow() - timedelta(hours=2)
    db.session.execute(update(Photo).values(created_at=earlier))
    db.session.commit()
    # Just uploaded (an article form's preview, say) and not placed yet: kept.
    fresh = make_photo(width=740, height=500)
    url = f"{LIBRARY}/ungenutzte-loeschen"

    page = soup(editor.get(url))
    assert "2 Fotos werden nirgends verwendet" in page.get_text()
    assert "1 ungenutztes Foto aus der letzten Stunde bleibt" in page.get_text()
    assert page.find("button", class_="danger").get_text(strip=True) == "2 Fotos löschen"

    response = editor.post(url, data={"csrf_token": session_token(editor, url)})

    assert response.status_code == 303
    db.session.expunge_all()
    assert set(db.session.scalars(select(Photo.id))) == {used.id, in_text.id, fresh.id}
    for photo in unused:
        assert files_of(app, photo.key) == []
    assert files_of(app, used.key) and files_of(app, in_text.key)
    assert "2 ungenutzte Fotos wurden gelöscht." in soup(editor.get(LIBRARY)).get_text()


# -- For the article form: the picker ------------------------------------------------------


def test_library_photos_pages_newest_first(app):
    photos = bare_photos(30)
    page = library_photos(page=1, per_page=24)
    assert page.total == 30 and len(page.items) == 24
    assert page.items[0].id == photos[-1].id
    assert [p.id for p in library_photos(page=2, per_page=24).items] == [
        p.id for p in reversed(photos[:6])
    ]
    assert library_photos(page=9).items == []


def test_chosen_photo_reads_the_pickers_value(app):
    photo = bare_photos(1)[0]
    assert chosen_photo(str(photo.id)).id == photo.id
    for value in (None, "", "abc", "999", "-1"):
        assert chosen_photo(value) is None


def test_the_picker_is_a_labelled_radio_group(app):
    photos = bare_photos(3)
    photos[0].alt_text = ""
    db.session.commit()
    with app.test_request_context():
        html = render_template_string(
            '{% with photos=photos, name="library_photo", selected=chosen %}'
            '{% include "editorial/_photo_picker.html" %}{% endwith %}',
            photos=library_photos(per_page=2),
            chosen=photos[2].id,
        )
    page = BeautifulSoup(html, "html.parser")
    fieldset = page.find("fieldset")
    assert fieldset.find("legend").get_text(strip=True)
    radios = fieldset.find_all("input", type="radio")
    assert [r["value"] for r in radios] == ["", str(photos[2].id), str(photos[1].id)]
    assert {r["name"] for r in radios} == {"library_photo"}
    assert radios[1].has_attr("checked") and not radios[0].has_attr("checked")
    for radio in radios:
        assert fieldset.find("label", attrs={"for": radio["id"]})
    assert "Bild 2" in fieldset.find("label", attrs={"for": radios[1]["id"]}).get_text()
    assert "3 Fotos" in fieldset.get_text()  # there are more than shown


def test_a_deleted_articles_photo_becomes_unused(app):
    """Deleting an article leaves its photo in the library, unused and deletable."""
    photo = make_photo()
    article = make_article(photo=photo)
    db.session.delete(db.session.get(Article, article.id))
    db.session.commit()
    assert usage_counts([photo])[photo.id].total == 0
