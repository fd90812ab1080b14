"""`flask import-wordpress --media-folder`: featured images and images in bodies, from the old
site's wp-content/uploads folder, as the site's own photos; what cannot be brought is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from factories import photo_bytes
from helpers import soup
from webapp.extensions import db
from webapp.media import media_folder
from webapp.models import Article, Photo
from webapp.text import dropped_markup
from wxr import attachment, img, post, wxr

NAMED = "Hinweis: Beitrag 1 „Ein Beitrag“"


@pytest.fixture
def uploads(tmp_path) -> Path:
    """A copied uploads folder with two real photos (and a resized copy of one)."""
    folder = tmp_path / "uploads"
    (folder / "2024" / "03").mkdir(parents=True)
    (folder / "2024" / "03" / "rathaus.jpg").write_bytes(photo_bytes(1600, 900))
    (folder / "2024" / "03" / "rathaus-300x169.jpg").write_bytes(photo_bytes(300, 169))
    (folder / "2024" / "03" / "platz.png").write_bytes(photo_bytes(800, 600, kind="PNG"))
    (folder / "2024" / "03" / "kaputt.jpg").write_bytes(b"no image at all")
    with (folder / "2024" / "03" / "riesig.jpg").open("wb") as huge:
        huge.truncate(16 * 1024 * 1024)  # sparse: more than store_photo takes, never read
    return folder


def run(runner, tmp_path: Path, *items: str, media: Path | None = None, options=()):
    path = tmp_path / "export.xml"
    path.write_text(wxr(*items), encoding="utf-8")
    args = ["import-wordpress", *options]
    if media is not None:
        args += ["--media-folder", str(media)]
    result = runner.invoke(args=[*args, str(path)])
    assert result.exit_code == 0, result.output
    return result


def the_article() -> Article:
    return db.session.scalar(select(Article))


def body_images(article: Article) -> list:
    return BeautifulSoup(article.body_html, "html.parser").find_all("img")


def test_the_featured_image_becomes_the_articles_photo(runner, tmp_path, uploads, client):
    result = run(
        runner,
        tmp_path,
        post(1, name="mit-bild", thumbnail=10),
        attachment(10, "2024/03/rathaus.jpg", alt="Das Rathaus am Markt"),
        media=uploads,
    )
    article = the_article()
    assert article.photo is not None and article.photo_alt == "Das Rathaus am Markt"
    # The original, not WordPress's resized copy: Zirkel makes its own widths.
    assert (article.photo.width, article.photo.height) == (1600, 900)
    assert article.photo.widths == "480,960,1600"
    for width in (480, 960, 1600):
        assert (media_folder() / f"{article.photo.key}-{width}.jpg").is_file()
    assert (
        "Bilder: 0 von 0 in Beitragstexten und 1 von 1 Beitragsbildern importiert; die übrigen "
        "nennen die Hinweise."
    ) in result.output.splitlines()
    page = soup(client.get("/artikel/mit-bild"))
    assert page.find("img", alt="Das Rathaus am Markt")["srcset"]


def test_a_featured_image_without_alt_text_takes_its_title_and_says_so(runner, tmp_path, uploads):
    result = run(
        runner,
        tmp_path,
        post(1, thumbnail=10),
        attachment(10, "2024/03/rathaus.jpg", title="Rathaus &amp; Markt"),
        media=uploads,
    )
    assert the_article().photo_alt == "Rathaus & Markt"
    assert (
        f"{NAMED}: Das Beitragsbild 2024/03/rathaus.jpg hat keinen Alternativtext; sein Titel "
        "„Rathaus & Markt“ dient als Alternativtext, bitte prüfen."
    ) in result.output


@pytest.mark.parametrize(
    ("item", "said"),
    [
        (
            attachment(10, "2024/03/fehlt.jpg", alt="x"),
            "Beitragsbild weggelassen: Datei fehlt: 2024/03/fehlt.jpg.",
        ),
        (
            attachment(10, "2024/03/kaputt.jpg", alt="x"),
            "Beitragsbild weggelassen: 2024/03/kaputt.jpg ist kein verwendbares Foto: Diese "
            "Datei ist kein Foto, das wir lesen können.",
        ),
        (
            attachment(10, "2024/03/riesig.jpg", alt="x"),
            "Beitragsbild weggelassen: 2024/03/riesig.jpg ist kein verwendbares Foto: Das Foto "
            "ist zu groß (höchstens 15 MB).",
        ),
        ("", "Das Beitragsbild (Anhang 10) fehlt im Export; weggelassen."),
        (
            attachment(10, "../../geheim.jpg", alt="x", site="https://cdn.example"),
            "Beitragsbild weggelassen: Datei fehlt: ../../geheim.jpg.",
        ),
    ],
)
def test_a_featured_image_that_cannot_be_brought_is_named(runner, tmp_path, uploads, item, said):
    (tmp_path / "geheim.jpg").write_bytes(photo_bytes())  # outside the folder: never read
    result = run(runner, tmp_path, post(1, thumbnail=10), item, media=uploads)
    assert the_article().photo is None
    assert f"{NAMED}: {said}" in result.output
    assert "und 0 von 1 Beitragsbildern importiert" in result.output
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_images_in_the_body_become_markdown_images_of_the_sites_photos(runner, tmp_path, uploads):
    content = (
        "<p>Vorher.</p>\n\n"
        # The classic editor: a resized copy in a link to the original, in a caption.
        '[caption id="attachment_10" width="300"]<a href="https://test.example/wp-content/'
        'uploads/2024/03/rathaus.jpg">'
        + img("2024/03/rathaus-300x169.jpg", alt="Rathaus [Markt] *alt*", attachment_id=10)
        + "</a> Das Rathaus.[/caption]\n\n"
        # The block editor: a figure with a caption; the attachment found by its file.
        '<figure class="wp-block-image">'
        + img("2024/03/platz.png")
        + "<figcaption>Der Platz im Sommer.</figcaption></figure>\n\n"
        "<p>Nachher mit <em>Betonung</em>.</p>"
    )
    result = run(
        runner,
        tmp_path,
        post(1, content=content),
        attachment(10, "2024/03/rathaus.jpg", alt="Rathaus"),
        attachment(11, "2024/03/platz.png", title="Platz im Sommer"),
        media=uploads,
    )
    article = the_article()
    rathaus, platz = db.session.scalars(select(Photo).order_by(Photo.width.desc())).all()
    assert rathaus.width == 1600, "the original, found through the attachment"
    assert article.body == (
        "Vorher.\n\n"
        f"![Rathaus \\[Markt\\] \\*alt\\*](/medien/{rathaus.key}-960.jpg) Das Rathaus.\n\n"
        f"![Platz im Sommer](/medien/{platz.key}-800.jpg)\n\n"
        "Der Platz im Sommer.\n\n"
        "Nachher mit *Betonung*."
    )
    images = body_images(article)
    assert [i["alt"] for i in images] == ["Rathaus [Markt] *alt*", "Platz im Sommer"]
    assert all(i["srcset"] and i["loading"] == "lazy" for i in images)
    assert images[0].parent.name == "p", "no link to the old site's file"
    assert dropped_markup(article.body) == []
    assert (
        f"{NAMED}: Das Bild 2024/03/platz.png hat keinen Alternativtext; sein Titel "
        "„Platz im Sommer“ dient als Alternativtext, bitte prüfen."
    ) in result.output
    assert "Bilder: 2 von 2 in Beitragstexten und 0 von 0 Beitragsbildern importiert" in (
        result.output
    )


def test_body_images_that_cannot_be_brought_are_left_out_and_named(runner, tmp_path, uploads):
    content = (
        "<p>Eins "
        + img("2024/03/fehlt.jpg", alt="Fehlt")
        + " zwei "
        + img("2024/03/kaputt.jpg", alt="Kaputt")
        + ' drei <img src="https://anderswo.example/bild.jpg" alt="Fremd"> vier '
        + img("2024/03/rathaus.jpg")
        + " fünf</p>"
        + "<table><tr><td>"
        + img("2024/03/platz.png", alt="In der Tabelle")
        + "</td></tr></table>"
    )
    result = run(runner, tmp_path, post(1, content=content), media=uploads)
    article = the_article()
    assert body_images(article) == []
    assert article.body.startswith("Eins zwei drei vier fünf\n\n<table>")
    for said in (
        "Bild weggelassen: Datei fehlt: 2024/03/fehlt.jpg.",
        "Bild weggelassen: 2024/03/kaputt.jpg ist kein verwendbares Foto",
        "Bild weggelassen: https://anderswo.example/bild.jpg liegt nicht im Upload-Ordner.",
        "Bild weggelassen: 2024/03/rathaus.jpg hat keinen Alternativtext.",
        "Bild weggelassen: 2024/03/platz.png steht in einem als HTML behaltenen Teil.",
    ):
        assert f"{NAMED}: {said}" in result.output
    assert "Bilder: 0 von 5 in Beitragstexten" in result.output


def test_without_the_folder_images_are_left_out_and_the_report_says_how(runner, tmp_path):
    result = run(
        runner,
        tmp_path,
        post(1, content="<p>Text " + img("2024/03/rathaus.jpg", alt="R") + "</p>", thumbnail=10),
        attachment(10, "2024/03/rathaus.jpg", alt="Rathaus"),
    )
    article = the_article()
    assert article.photo is None and body_images(article) == [] and article.body == "Text"
    assert "Bilder: nicht importiert (1 in Beitragstexten, 1 Beitragsbilder)." in result.output
    assert "--media-folder ORDNER" in result.output


def test_a_dry_run_checks_the_images_and_writes_no_file(runner, tmp_path, uploads):
    result = run(
        runner,
        tmp_path,
        post(1, content="<p>" + img("2024/03/kaputt.jpg", alt="K") + "</p>", thumbnail=10),
        attachment(10, "2024/03/rathaus.jpg", alt="Rathaus"),
        media=uploads,
        options=["--dry-run"],
    )
    assert "Bilder: 0 von 1 in Beitragstexten und 1 von 1 Beitragsbildern importiert" in (
        result.output
    )
    assert "2024/03/kaputt.jpg ist kein verwendbares Foto" in result.output
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0
    assert not media_folder().exists() or not any(media_folder().iterdir())


def test_a_second_run_with_the_folder_adds_the_featured_image_only(runner, tmp_path, uploads):
    items = (
        post(1, content="<p>" + img("2024/03/platz.png", alt="Platz") + "</p>", thumbnail=10),
        attachment(10, "2024/03/rathaus.jpg", alt="Rathaus"),
    )
    run(runner, tmp_path, *items)
    run(runner, tmp_path, *items, media=uploads)
    article = the_article()
    assert article.photo is not None and article.photo_alt == "Rathaus"
    assert body_images(article) == [], "the body is the editors' now"
    again = run(runner, tmp_path, *items, media=uploads)
    assert "Artikel: 0 angelegt" in again.output
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1


def test_an_image_shown_twice_is_stored_once(runner, tmp_path, uploads):
    content = "<p>" + img("2024/03/platz.png", alt="A") + img("2024/03/platz.png", alt="B") + "</p>"
    run(
        runner,
        tmp_path,
        post(1, content=content, thumbnail=11),
        attachment(11, "2024/03/platz.png", alt="C"),
        media=uploads,
    )
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    assert [i["alt"] for i in body_images(the_article())] == ["A", "B"]


@pytest.mark.parametrize(
    "attack",
    [
        img("2024/03/platz.png", alt="x", onerror="alert(1)"),
        img("2024/03/platz.png", alt='x" onerror="alert(1)'),
        img("2024/03/platz.png", alt="x](javascript:alert(1)) ![y"),
        '<a href="javascript:alert(1)">' + img("2024/03/platz.png", alt="Platz") + "</a>",
    ],
)
def test_no_script_comes_in_with_an_image(runner, tmp_path, uploads, client, attack):
    run(runner, tmp_path, post(1, name="bild", content=f"<p>{attack}</p>"), media=uploads)
    page = soup(client.get("/artikel/bild")).select_one(".article .body")
    (image,) = page.find_all("img")
    assert image["src"].startswith("/medien/")
    for element in page.find_all(True):
        assert not any(name.startswith("on") for name in element.attrs)
        assert "javascript:" not in str(element.get("href", ""))
