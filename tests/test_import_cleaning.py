"""The editorial forms' rules on the articles and authors an import brings.

`flask import-json` and `flask import-wordpress` clean an article's and an author's
fields as the editor's forms would have them (webapp/editorial/forms.py): NFC, no
control characters (PostgreSQL refuses NUL), the forms' lengths (PostgreSQL refuses
more than a String(n) column holds), valid slugs; every change is a note, an article
without a title is skipped with its comments, and the import never stops for one
(webapp/transfer/common.py, `Cleaner`). Bodies stay Markdown, sanitized as always.
"""

from __future__ import annotations

from bs4 import Tag
from sqlalchemy import select

from export_files import article, author, comment, export_file, import_json
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, ArticleSlug, Author, Comment
from webapp.transfer import common
from wxr import post as wxr_post
from wxr import wp_author, wxr

# --- flask import-json ---------------------------------------------------------------------


def stored(model, **where):
    db.session.remove()
    return db.session.scalar(select(model).filter_by(**where))


def test_json_import_cleans_and_reports_article_and_author_fields(app, runner, client, tmp_path):
    path = export_file(
        tmp_path,
        authors=[
            author(
                1,
                name=" Rene\u0301 \x1b[31mRot ",
                bio="Schreibt\x00 über *Klima*.\r\n\x1b[0m",
            )
        ],
        articles=[
            article(
                1,
                title="Radwege <b>&amp;</b>\x00 Busse\x1b",
                teaser="Anri\x07ss.",
                body="Erster\x00 Absatz.\r\n\r\n<script>alert(1)</script>Zweiter\x1b.",
                photo_caption="Bild\x00unterschrift " + "x" * 600,
                photo_credit="\x1bFoto",
            ),
            article(2, title="Lang " * 100, teaser="Wort " * 120),
        ],
        comments=[comment(1, 1)],
    )

    result = import_json(runner, path)

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for note in (
        "Note: authors[0]: control characters removed from the name.",
        "Note: authors[0]: control characters removed from the bio.",
        "Note: articles[0]: control characters removed from the title.",
        "Note: articles[0]: control characters removed from the teaser.",
        "Note: articles[0]: control characters removed from the body.",
        "Note: articles[0]: control characters removed from the photo_caption.",
        "Note: articles[0]: control characters removed from the photo_credit.",
        "Note: articles[0]: photo_caption shortened to 500 characters.",
        "Note: articles[1]: title shortened to 300 characters.",
        "Note: articles[1]: the teaser has 599 characters, more than the form allows (500); "
        "kept whole.",
    ):
        assert note in result.output
    assert "Authors: 1 created, 0 unchanged." in result.output
    assert "Articles: 2 created, 0 unchanged." in result.output

    writer = stored(Author)
    assert writer.name == "Ren\u00e9 [31mRot"
    assert writer.bio == "Schreibt über *Klima*.\n[0m"
    first = stored(Article, slug="artikel-1")
    assert first.title == "Radwege <b>&amp;</b> Busse"
    assert first.teaser == "Anriss."
    assert first.body == "Erster Absatz.\n\n<script>alert(1)</script>Zweiter."
    assert "<script>" not in first.body_html  # the body is sanitized as every editor's is
    assert len(first.photo_caption) == 500 and first.photo_caption.endswith("x…")
    assert first.photo_credit == "Foto"
    second = stored(Article, slug="artikel-2")
    assert len(second.title) == 300 and second.title.endswith("…")
    assert second.teaser == ("Wort " * 120).strip()

    # The reader sees the cleaned values as text, nothing more.
    page = client.get("/artikel/artikel-1")
    assert page.status_code == 200
    assert b"\x00" not in page.data and b"\x1b" not in page.data
    html = soup(page)
    heading = html.find("h1")
    assert heading.get_text() == "Radwege <b>&amp;</b> Busse"
    assert not any(isinstance(child, Tag) for child in heading.children)
    assert html.select_one(".author-box .author-name").get_text() == "Ren\u00e9 [31mRot"
    body = html.select_one(".article .body")
    assert body.get_text(" ", strip=True) == "Erster Absatz. Zweiter."
    assert [tag.name for tag in body.find_all(True)] == ["p"]
    about = soup(client.get(f"/autoren/{writer.slug}"))
    assert about.find("h1").get_text() == "Ren\u00e9 [31mRot"
    assert about.select_one(".body").get_text().split() == ["Schreibt", "über", "Klima.", "[0m"]
    assert about.select_one(".body em").get_text() == "Klima"


def test_an_article_without_a_title_is_skipped_with_its_comments(app, runner, client, tmp_path):
    path = export_file(
        tmp_path,
        authors=[author(1)],
        articles=[
            article(1, title=" \u200b\u2060\u00a0 "),  # only invisible characters
            article(2, title="\x00\x1b"),  # only control characters
            article(3, title="Bleibt"),
        ],
        comments=[comment(1, 1), comment(2, 2), comment(3, 3)],
    )

    result = import_json(runner, path)

    assert result.exit_code == 0, result.output
    assert "Note: articles[0] has no title; skipped, and its comments with it." in result.output
    assert "Note: articles[1] has no title; skipped, and its comments with it." in result.output
    assert "Articles: 1 created, 0 unchanged." in result.output
    assert "Articles without a title (skipped, see the notes): 2, with 2 comments." in (
        result.output
    )
    assert "Comments: 1 created" in result.output
    [kept] = db.session.scalars(select(Article)).all()
    assert kept.title == "Bleibt" and kept.comment_count == 1
    assert [c.article_id for c in db.session.scalars(select(Comment))] == [kept.id]
    assert client.get("/artikel/artikel-1").status_code == 404
    assert client.get("/artikel/artikel-3").status_code == 200


def test_slugs_and_keys_are_made_valid_and_a_second_run_changes_nothing(app, runner, tmp_path):
    path = export_file(
        tmp_path,
        authors=[
            author(1, slug="Miriam\x00 Koch", import_key="wordpress:x:author:\x00"),
            author(2, name="\u200b", slug=""),
        ],
        articles=[
            article(1, slug="Jubiläum\x1b 2014", old_slugs=["Alter Slug!", "\x00", "alt-ok"]),
            article(2, slug="", title="Ohne Adresse", author=2),
            article(3, slug="Jubilaeum 2014", import_key="k" * 301),  # made the same slug
        ],
        comments=[comment(1, 1) | {"import_key": "wordpress:x:comment:\x00"}],
    )

    result = import_json(runner, path)

    assert result.exit_code == 0, result.output
    for note in (
        "Note: authors[0]: the import_key is not valid; left out.",
        "Note: authors[0]: the slug 'Miriam\\x00 Koch' is not valid; 'miriam-koch' instead.",
        "Note: authors[1]: the slug '' is not valid; 'autor' instead.",
        "Note: authors[1]: the name is empty or invisible; 'Anonym'.",
        "Note: articles[0]: the slug 'Jubiläum\\x1b 2014' is not valid; 'jubilaeum-2014' instead.",
        "Note: articles[0]: the old slug 'Alter Slug!' is not valid; 'alter-slug' instead.",
        "Note: articles[0]: the old slug '\\x00' is not valid; skipped.",
        "Note: articles[1]: the slug '' is not valid; 'ohne-adresse' instead.",
        "Note: articles[2]: the import_key is not valid; left out.",
        "Note: comments[0]: the import_key is not valid; left out.",
    ):
        assert note in result.output
    assert "Authors: 2 created, 0 unchanged." in result.output
    assert "Articles: 3 created, 0 unchanged." in result.output
    slugs = db.session.scalars(select(Article.slug).order_by(Article.id)).all()
    assert slugs == ["jubilaeum-2014", "ohne-adresse", "jubilaeum-2014-2"]
    assert sorted(db.session.scalars(select(ArticleSlug.slug))) == ["alt-ok", "alter-slug"]
    authors = db.session.scalars(select(Author).order_by(Author.id)).all()
    assert [(a.name, a.slug, a.import_key) for a in authors] == [
        ("Autorin 1", "miriam-koch", None),
        ("Anonym", "autor", None),
    ]
    assert db.session.scalar(select(Comment.import_key)) is None

    again = import_json(runner, path)

    assert again.exit_code == 0, again.output
    assert "Authors: 0 created, 2 unchanged." in again.output
    assert "Comments: 0 created (0 visible, 0 pending, 0 spam, 0 deleted), 1 unchanged." in (
        again.output
    )
    assert db.session.scalars(select(Article.slug).order_by(Article.id)).all()[:2] == slugs[:2]


def test_the_limits_are_the_forms_and_the_columns(app):
    """What the import shortens to is what the columns hold (and the forms allow)."""
    columns = {
        common.TITLE_MAX: Article.__table__.c.title,
        common.PHOTO_ALT_MAX: Article.__table__.c.photo_alt,
        common.PHOTO_CAPTION_MAX: Article.__table__.c.photo_caption,
        common.PHOTO_CREDIT_MAX: Article.__table__.c.photo_credit,
        common.AUTHOR_NAME_MAX: Author.__table__.c.name,
        common.SLUG_MAX: Article.__table__.c.slug,
        common.KEY_MAX: Article.__table__.c.import_key,
    }
    for limit, column in columns.items():
        assert column.type.length == limit, column


# --- flask import-wordpress ----------------------------------------------------------------


def post(post_id: int, **fields) -> str:
    """A post with a name and a minute of its own."""
    minute = f"{post_id:02d}:00"
    return wxr_post(
        post_id,
        name=f"beitrag-{post_id}",
        date=f"2024-03-01 10:{minute}",
        date_gmt=f"2024-03-01 09:{minute}",
        **fields,
    )


def test_wordpress_import_cleans_and_reports_titles_names_and_texts(app, runner, client, tmp_path):
    path = tmp_path / "export.xml"
    # XML 1.0 has no room for C0 controls but DEL and the C1 ones (NEL …).
    path.write_text(
        wxr(
            post(
                1,
                title="Radwege &lt;b&gt;\x7f &amp;amp; Busse\x85",
                content="<p>Erster\x9f Absatz.</p><script>alert(1)</script>",
                excerpt="Anri\x7fss.",
                creator="miriam",
            ),
            post(2, title="\u200b\u2060", creator="leer"),
            post(3, title="Lang " * 100, excerpt="Wort " * 120, creator="leer"),
            authors=wp_author("miriam", "Miriam\x85 Koch") + wp_author("leer", "\u200b"),
        ),
        encoding="utf-8",
    )

    result = runner.invoke(args=["import-wordpress", str(path)])

    assert result.exit_code == 0, result.output
    for note in (
        "Hinweis: Autor „miriam“: Steuerzeichen aus dem Feld „Name“ entfernt.",
        "Hinweis: Autor „leer“: Der Name hat nur unsichtbare Zeichen; „leer“.",
        "Hinweis: Beitrag 1: Steuerzeichen aus dem Feld „Titel“ entfernt.",
        "Hinweis: Beitrag 1: Steuerzeichen aus dem Feld „Text“ entfernt.",
        "Hinweis: Beitrag 1: Steuerzeichen aus dem Feld „Auszug“ entfernt.",
        "Hinweis: Beitrag 2 hat keinen Titel; er heißt „Ohne Titel“.",
        "Hinweis: Beitrag 3: „Titel“ auf 300 Zeichen gekürzt.",
        "Hinweis: Beitrag 3: „Anreißer“ hat 599 Zeichen, mehr als das Formular erlaubt (500); "
        "ganz übernommen.",
    ):
        assert note in result.output
    first, second, third = db.session.scalars(select(Article).order_by(Article.id)).all()
    assert first.title == "Radwege <b> &amp; Busse"
    assert first.teaser == "Anriss."
    assert "\x9f" not in first.body and "Erster Absatz." in first.body
    assert "<script>" not in first.body_html
    assert first.author.name == "Miriam Koch"
    assert second.title == "Ohne Titel" and second.author.name == "leer"
    assert len(third.title) == 300 and third.title.endswith("…")
    assert third.teaser == ("Wort " * 120).strip()

    html = soup(client.get(f"/artikel/{first.slug}"))
    heading = html.find("h1")
    assert heading.get_text() == "Radwege <b> &amp; Busse"
    assert not any(isinstance(child, Tag) for child in heading.children)

    again = runner.invoke(args=["import-wordpress", str(path)])
    assert again.exit_code == 0, again.output
    assert "Artikel: 0 angelegt" in again.output
