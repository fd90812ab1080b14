"""An article's Markdown: headings at the page's levels, the site's own photos as images,
and everything the renderer leaves out named for the editor (webapp/text.py)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from factories import make_article, make_photo
from helpers import soup
from webapp.extensions import db
from webapp.media import photo_url
from webapp.text import dropped_markup, render_markdown

MADE_UP = "/medien/" + "0" * 32 + "-960.jpg"
HTML_IMAGE = "HTML-Bild entfernt: Fotos aus der Mediathek als ![Alternativtext](Adresse) einfügen"


@pytest.fixture
def photo(app):
    return make_photo()


def address(app, photo, width: int = 960) -> str:
    with app.test_request_context():
        return photo_url(photo, width)


def parsed(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize(
    ("typed", "tag"),
    [("# Eins", "h2"), ("## Zwei", "h3"), ("### Drei", "h4"), ("##### Fünf", "h6")],
)
def test_headings_move_below_the_title(app, typed, tag):
    """The title is the page's only h1: `# Überschrift` no longer vanishes into text."""
    html = parsed(render_markdown(typed))
    assert [e.name for e in html.find_all(True)] == [tag]
    assert html.find(tag).get_text() == typed.lstrip("# ")
    assert dropped_markup(typed) == []


def test_the_deepest_heading_stays_h6(app):
    html = parsed(render_markdown("###### Sechs\n\nSetext\n======"))
    assert [e.name for e in html.find_all(True)] == ["h6", "h2"]


def test_an_article_page_has_one_h1(app, client):
    article = make_article(body="# Abschnitt\n\nText.\n\n## Unterabschnitt")
    page = soup(client.get(f"/artikel/{article.slug}"))
    assert [h.get_text() for h in page.find_all("h1")] == [article.title]
    assert page.find("h2", string="Abschnitt") and page.find("h3", string="Unterabschnitt")


def test_a_site_photo_with_alt_text_is_a_responsive_image(app, photo):
    html = parsed(render_markdown(f"Davor\n\n![Der *Rathausplatz*]({address(app, photo)})"))
    image = html.find("img")
    assert image.parent.name == "p"
    assert image["alt"] == "Der Rathausplatz"
    assert image["src"] == address(app, photo, 960)
    assert image["srcset"] == ", ".join(
        f"/medien/{photo.key}-{w}.jpg {w}w" for w in photo.widths.split(",")
    )
    assert image["sizes"] and image["loading"] == "lazy"
    assert (image["width"], image["height"]) == (str(photo.width), str(photo.height))
    assert dropped_markup(f"![Der Rathausplatz]({address(app, photo)})") == []


def test_any_stored_width_names_the_photo(app, photo):
    html = parsed(render_markdown(f"![Platz]({address(app, photo, 480)})"))
    assert html.find("img")["src"] == address(app, photo, 960)


def test_the_article_page_shows_body_images(app, client, photo):
    article = make_article(body=f"Text.\n\n![Blick über den Platz]({address(app, photo)})")
    page = soup(client.get(f"/artikel/{article.slug}"))
    assert page.find("img", alt="Blick über den Platz")["srcset"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("![]({own})", "Bild ohne Alternativtext: {own}"),
        ("![  ]({own})", "Bild ohne Alternativtext: {own}"),
        (
            "![Fremd](https://andere.example/bild.jpg)",
            "Bild von einer fremden Adresse: https://andere.example/bild.jpg",
        ),
        (f"![Erfunden]({MADE_UP})", f"Bild nicht in der Mediathek: {MADE_UP}"),
        ("![Relativ](bild.jpg)", "Bild von einer fremden Adresse: bild.jpg"),
    ],
)
def test_images_that_cannot_be_shown_are_left_out_and_named(app, photo, typed, said):
    own = address(app, photo)
    typed, said = typed.format(own=own), said.format(own=own)
    html = render_markdown(f"Vorher.\n\n{typed}\n\nNachher.")
    assert "<img" not in html
    assert html == "<p>Vorher.</p>\n<p>Nachher.</p>\n", "no empty paragraph is left behind"
    assert dropped_markup(typed) == [said]


def test_all_images_of_a_body_take_one_query(app, photo, count_queries):
    other = make_photo(width=800, height=600)
    body = "\n\n".join(
        f"![Bild {n}]({address(app, p)})" for n, p in enumerate([photo, other, photo])
    )
    with count_queries() as statements:
        html = render_markdown(body)
        dropped = dropped_markup(body)
    assert len(parsed(html).find_all("img")) == 3 and dropped == []
    assert len(statements) == 2, "one for rendering, one for the check"
    with count_queries() as statements:
        render_markdown("Kein Bild.")
        dropped_markup("Kein Bild.")
    assert statements == []


def test_a_body_image_set_with_the_article_does_not_flush_it_early(app, photo):
    """The validator queries photos while the new article lacks its other fields."""
    article = make_article(body="x")
    article.body = f"![Platz]({address(app, photo)})"
    db.session.commit()
    assert "<img" in article.body_html


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("<iframe src='https://x.example'></iframe>", ["HTML-Element <iframe> entfernt"]),
        (
            '<p onclick="alert(1)">Text</p>',
            ["Attribut onclick aus <p> entfernt"],
        ),
        ("<script>alert(1)</script>", ["HTML-Element <script> mit seinem Inhalt entfernt"]),
        ("<style>p{}</style>", ["HTML-Element <style> mit seinem Inhalt entfernt"]),
        ("Text <!-- Notiz -->", ["HTML-Kommentar entfernt"]),
        ("<h1>Groß</h1>", ["HTML-Element <h1> entfernt"]),
        (
            "[Klick](javascript:alert(1))",
            ["Link mit einer nicht erlaubten Adresse: javascript:alert(1)"],
        ),
        (
            '<a href="javascript:alert(1)">Klick</a>',
            ["Link mit einer nicht erlaubten Adresse: javascript:alert(1)"],
        ),
        (
            '<img src="x" onerror="alert(1)">',
            [HTML_IMAGE],
        ),
    ],
)
def test_what_the_sanitizer_removes_is_named(app, typed, said):
    assert dropped_markup(typed) == said


def test_nothing_is_named_for_what_works(app):
    source = (
        "# Zwischenüberschrift\n\nEin *kursiver* und **fetter** Absatz  \nmit Umbruch und "
        '[Link](https://example.org "Titel"), [Mail](mailto:a@example.org), '
        "[intern](/artikel/x).\n\n- eins\n- zwei\n\n1. erstens\n\n> Zitat\n\n`code`\n\n---\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~weg~~ <sup>2</sup> <abbr title='x'>X</abbr>"
    )
    assert dropped_markup(source) == []


@pytest.mark.parametrize(
    "typed",
    [
        '<img src="/medien/x-960.jpg" onerror="alert(1)">',
        "<img src=x onerror=alert(1)>",
        "[Klick](javascript:alert(1))",
        '<a href="javascript:alert(1)">Klick</a>',
        "![x](javascript:alert(1))",
        '![x" onerror="alert(1)]({own})',
        "<svg onload=alert(1)>",
        "<script>alert(1)</script>",
    ],
)
def test_no_script_gets_through_the_new_paths(app, photo, typed):
    html = parsed(render_markdown(typed.format(own=address(app, photo))))
    for element in html.find_all(True):
        assert element.name not in {"script", "svg", "iframe"}
        for name, value in element.attrs.items():
            assert not name.startswith("on")
            assert "javascript:" not in str(value)
    for image in html.find_all("img"):
        assert image["src"].startswith(f"/medien/{photo.key}-")


def test_alt_text_is_escaped(app, photo):
    html = render_markdown(f'![a" onerror="alert(1) <b>]({address(app, photo)})')
    image = parsed(html).find("img")
    assert image["alt"] == 'a" onerror="alert(1) <b>'
    assert "onerror" not in image.attrs


def test_typing_a_placeholder_does_not_make_an_image(app, photo):
    """Images go in after the allowlist by a placeholder nobody can type."""
    html = render_markdown(f"zirkelbild0000000000000000n0e\n\n![Bild]({address(app, photo)})")
    assert html.count("<img") == 1 and "zirkelbild0000000000000000n0e" in html
