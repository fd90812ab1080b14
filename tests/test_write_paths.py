"""The public form's rules on every other path a comment is written by: the moderator's
edit, `flask import-json` and `flask import-wordpress`.

The rules (webapp/comments/forms.py): Unicode as NFC, once; CR LF as LF; outer white
space off; control characters other than tab and line breaks refused; a field of only
invisible characters is empty; name 100, e-mail 254, text 5,000 characters; an e-mail
address must be one; markup is text and shown escaped. The editor refuses what breaks
them, as the form does; an import cleans or skips and reports, and never stops for one
comment (see webapp/transfer/common.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from editorial_helpers import login, make_user
from export_files import article, author, comment, export_file, import_json
from factories import make_article, make_comment
from helpers import HTMX, assert_shown_as_typed, post_comment, soup
from webapp.extensions import db
from webapp.models import Article, AuditEntry, Comment, Role
from wxr import post, wxr
from wxr import wp_comment as wxr_comment

QUEUE = "/verwaltung/kommentare"
CONTROLS = "Das Feld enthält Steuerzeichen, die nicht gespeichert werden können."


def comments() -> list[Comment]:
    db.session.remove()
    return db.session.scalars(select(Comment).order_by(Comment.id)).all()


def assert_shown_as_text(client, article: Article, comment: Comment) -> None:
    """On the article page the comment is shown as typed (helpers.assert_shown_as_typed)."""
    assert_shown_as_typed(soup(client.get(f"/artikel/{article.slug}")), comment)


# --- the moderator's edit ------------------------------------------------------------------


@pytest.fixture
def moderated(app, client):
    """A logged-in moderator and a comment to edit."""
    make_user("moderation@example.org", role=Role.MODERATOR)
    assert login(client, "moderation@example.org").status_code == 303
    article = make_article()
    return article, make_comment(article, name="Erika", text="Vorher")


def edit(client, comment: Comment, htmx: bool = False, **fields):
    """Post the edit form with its session token, the other fields as they are."""
    url = f"{QUEUE}/{comment.id}/bearbeiten"
    token = soup(client.get(url)).find("input", {"name": "csrf_token"})["value"]
    data = {"name": comment.name, "email": comment.email, "text": comment.text, **fields}
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    return client.post(url, data={**data, "csrf_token": token}, headers=headers)


def test_the_edit_normalises_as_the_public_form_does(client, moderated):
    _article, comment = moderated

    response = edit(
        client,
        comment,
        name="  Rene\u0301 ",
        email=" erika@example.org\t",
        text="\u200b\r\nCafe\u0301\r\nzweite Zeile \n",
    )

    assert response.status_code == 303
    [stored] = comments()
    assert (stored.name, stored.email) == ("Ren\u00e9", "erika@example.org")
    # Outer white space is off; a zero-width space is not white space, and stays.
    assert stored.text == "\u200b\nCaf\u00e9\nzweite Zeile"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Eri\x00ka", CONTROLS),
        ("email", "erika\x00@example.org", CONTROLS),
        ("text", "Rot: \x1b[31m", CONTROLS),
        ("text", "Seite\x0cumbruch", CONTROLS),
        ("name", "\u200b\u202e\u2060", "Bitte geben Sie Ihren Namen ein."),
        ("text", " \u00a0\u200d ", "Bitte schreiben Sie einen Kommentar."),
        ("name", "n" * 101, "Der Name darf höchstens 100 Zeichen lang sein (Ihrer hat 101)."),
        (
            "email",
            "a" * 243 + "@example.org",
            "Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein (Ihre hat 255).",
        ),
        ("email", "erika@", "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ],
    ids=[
        "NUL in name",
        "NUL in e-mail",
        "escape in text",
        "form feed in text",
        "invisible name",
        "invisible text",
        "long name",
        "long e-mail",
        "no e-mail",
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_edit_refuses_what_the_public_form_refuses(
    client, moderated, field, value, message, htmx
):
    _article, comment = moderated

    response = edit(client, comment, htmx=htmx, **{field: value})

    assert response.status_code == 422
    assert message in soup(response).find(id=f"{field}-fehler").get_text()
    [stored] = comments()
    assert (stored.name, stored.email, stored.text) == ("Erika", comment.email, "Vorher")
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_an_imported_comment_without_an_address_can_be_edited_and_keep_none(client, moderated):
    """WordPress comments may have no e-mail address; the edit must not demand one."""
    article, _comment = moderated
    imported = make_comment(article, name="Aus WordPress", email="", text="Tippfeler")
    page = soup(client.get(f"{QUEUE}/{imported.id}/bearbeiten"))
    assert not page.find("input", {"name": "email"}).has_attr("required")

    response = edit(client, imported, text="Tippfehler")

    assert response.status_code == 303
    stored = comments()[1]
    assert (stored.email, stored.text) == ("", "Tippfehler")
    # Whoever gives an address gets it checked; one that had an address must keep one.
    assert edit(client, stored, email="kaputt@").status_code == 422
    with_address = comments()[0]
    assert with_address.email
    assert edit(client, with_address, email="").status_code == 422


def test_after_an_edit_the_duplicate_check_compares_with_the_new_text(client, moderated):
    article, _comment = moderated
    assert post_comment(client, article, name="Otto", text="Erste Fassung").status_code == 200
    posted = next(c for c in comments() if c.text == "Erste Fassung")

    assert edit(client, posted, text="Zweite Fassung").status_code == 303

    assert post_comment(client, article, name="Otto", text="Zweite Fassung").status_code == 409
    assert post_comment(client, article, name="Otto", text="Erste Fassung").status_code == 200


def test_markup_a_moderator_types_is_text_everywhere(client, moderated):
    article, comment = moderated
    name = "<script>alert('n')</script>"
    text = '<img src=x onerror="alert(1)"> & <b>fett</b> &amp;'

    assert edit(client, comment, name=name, text=text).status_code == 303

    [stored] = comments()
    assert (stored.name, stored.text) == (name, text)
    assert_shown_as_text(client, article, stored)
    for url in (
        QUEUE + "?status=sichtbar",
        "/verwaltung/protokoll",
        f"{QUEUE}/{comment.id}/bearbeiten",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert soup(client.get(url)).select("main script, main img, main b") == [], url


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"name": 5, "email": "erika@example.org", "text": "Neu"}', "application/json"),
        (
            b'--g\r\nContent-Disposition: form-data; name="text"; filename="t.txt"\r\n\r\nNeu\r\n'
            b"--g--\r\n",
            "multipart/form-data; boundary=g",
        ),
    ],
    ids=["json", "file"],
)
def test_the_edit_takes_only_a_forms_fields(client, moderated, body, content_type):
    """A number or a file where text belongs is a missing field, not a server error;
    a field the edit does not get keeps what the comment says."""
    _article, comment = moderated
    url = f"{QUEUE}/{comment.id}/bearbeiten"
    token = soup(client.get(url)).find("input", {"name": "csrf_token"})["value"]

    response = client.post(
        url, data=body, headers={"Content-Type": content_type, "X-CSRFToken": token}
    )

    assert response.status_code == 303
    [stored] = comments()
    assert (stored.name, stored.email, stored.text) == ("Erika", comment.email, "Vorher")
    assert db.session.scalars(select(AuditEntry)).all() == []


# --- flask import-json ---------------------------------------------------------------------

ARTICLE_SLUG = "ein-artikel"


def zirkel_export(tmp_path: Path, *comments: dict) -> Path:
    """A file as `flask export` writes it: one author, one article, these comments."""
    return export_file(
        tmp_path,
        authors=[author(1, name="Redaktion", slug="redaktion", bio="")],
        articles=[article(1, slug=ARTICLE_SLUG, title="Ein Artikel")],
        comments=[comment(n, 1, **fields) for n, fields in enumerate(comments, start=1)],
    )


def test_json_import_cleans_and_reports_what_the_form_would_refuse(app, runner, tmp_path):
    path = zirkel_export(
        tmp_path,
        {"name": " Rene\u0301 ", "text": "Cafe\u0301\r\nzweite Zeile\r\n"},  # 1: NFC, LF, strip
        {"name": "Nul\x00l", "text": "Ro\x1bt\x00 und \x7fweg"},  # 2: control characters
        {"name": "N" * 150},  # 3: too long a name
        {"email": "keine-adresse"},  # 4: no e-mail address
        {"email": "a" * 250 + "@example.org"},  # 5: too long an address
        {"name": "\u200b\u202e"},  # 6: an invisible name
        {"text": " \u200b\u2060\u00a0 "},  # 7: no text to show
        {"text": "Wort " * 1100},  # 8: longer than the form allows
        {"email": ""},  # 9: no address at all (WordPress has such comments)
    )

    result = import_json(runner, path)

    assert result.exit_code == 0, result.output
    for note in (
        "Note: comments[1]: control characters removed.",
        "Note: comments[2]: name shortened to 100 characters.",
        "Note: comments[3]: the e-mail address is not valid; left out.",
        "Note: comments[4]: the e-mail address is not valid; left out.",
        "Note: comments[5]: the name has only invisible characters; 'Anonym'.",
        "Note: comments[6] has no text; skipped.",
        "Note: comments[7] has 5,499 characters, more than the form allows (5,000); kept whole.",
    ):
        assert note in result.output
    assert "comments[0]" not in result.output and "comments[8]" not in result.output
    assert "Comments: 8 created (8 visible, 0 pending, 0 spam, 0 deleted), 0 unchanged." in (
        result.output
    )
    assert "Comments without text (skipped, see the notes): 1." in result.output
    stored = {c.created_at.minute: c for c in comments()}
    assert 7 not in stored
    assert (stored[1].name, stored[1].text) == ("Ren\u00e9", "Caf\u00e9\nzweite Zeile")
    assert (stored[2].name, stored[2].text) == ("Null", "Rot und weg")
    assert len(stored[3].name) == 100 and stored[3].name.endswith("N…")
    assert stored[4].email == stored[5].email == stored[9].email == ""
    assert stored[6].name == "Anonym"
    assert stored[8].text == ("Wort " * 1100).strip()
    article = db.session.scalar(select(Article))
    assert article.comment_count == 8

    # Cleaned values are what a second run compares with: it changes nothing.
    again = import_json(runner, path)
    assert "Comments: 0 created (0 visible, 0 pending, 0 spam, 0 deleted), 8 unchanged." in (
        again.output
    )
    assert len(comments()) == 8


def test_json_import_keeps_markup_as_text(app, runner, client, tmp_path):
    text = '<script>alert(1)</script> <a href="javascript:alert(2)">klick</a> &amp; &lt;'
    path = zirkel_export(tmp_path, {"name": "<b>Fett</b>", "text": text})

    assert import_json(runner, path).exit_code == 0

    [stored] = comments()
    assert (stored.name, stored.text) == ("<b>Fett</b>", text)
    assert_shown_as_text(client, db.session.scalar(select(Article)), stored)


def test_json_import_of_the_forms_own_comments_changes_nothing(app, runner, client, tmp_path):
    """What the form stored passes the import's rules unchanged (round trip)."""
    article = make_article()
    values = {
        "name": "Zeile\nund \u202eNamen",
        "email": "jürgen@bücher.de",
        "text": "Absatz\n\n\tmit Tab \u200b\U0001f469\u200d\U0001f467 <b>",
    }
    make_comment(article, **values)
    assert runner.invoke(args=["export", str(tmp_path / "site.json")]).exit_code == 0

    result = import_json(runner, tmp_path / "site.json")

    assert result.exit_code == 0, result.output
    assert "Note:" not in result.output
    assert "Comments: 0 created (0 visible, 0 pending, 0 spam, 0 deleted), 1 unchanged." in (
        result.output
    )


# --- flask import-wordpress ----------------------------------------------------------------


def wp_comment(comment_id: int, text: str = "Ein Kommentar.", **fields) -> str:
    """A comment with an address and a minute of its own (see by_minute)."""
    fields.setdefault("email", "leserin@example.org")
    return wxr_comment(comment_id, text, date_gmt=f"2024-03-02 10:{comment_id:02d}:00", **fields)


def import_wordpress(runner, tmp_path: Path, *comments: str):
    """Import one published post with these comments."""
    path = tmp_path / "export.xml"
    path.write_text(wxr(post(1, *comments, name="ein-beitrag")), encoding="utf-8")
    return runner.invoke(args=["import-wordpress", str(path)])


def by_minute() -> dict[int, Comment]:
    return {c.created_at.minute: c for c in comments()}


def test_wordpress_import_cleans_and_reports_what_the_form_would_refuse(app, runner, tmp_path):
    result = import_wordpress(
        runner,
        tmp_path,
        wp_comment(1, "Cafe\u0301<br />zweite Zeile", author="Rene\u0301"),
        # XML 1.0 has no room for C0 controls but DEL and the C1 ones (NEL …).
        wp_comment(2, "Ro\x7ft und \x85weg", author="Nul\x9fl"),
        wp_comment(3, email="keine-adresse"),
        wp_comment(4, email="a" * 250 + "@example.org"),
        wp_comment(5, author="\u200b\u202e"),
        wp_comment(6, '<img src="x.jpg"><p>\u200b</p>'),
        wp_comment(7, "Wort " * 1100),
        wp_comment(8, email=""),
        wp_comment(9, "Danach geht es weiter."),
    )

    assert result.exit_code == 0, result.output
    for note in (
        "Hinweis: Kommentar 2: Steuerzeichen entfernt.",
        "Hinweis: Kommentar 3: Die E-Mail-Adresse ist ungültig; weggelassen.",
        "Hinweis: Kommentar 4: Die E-Mail-Adresse ist ungültig; weggelassen.",
        "Hinweis: Kommentar 5: Der Name hat nur unsichtbare Zeichen; „Anonym“.",
        "Hinweis: Kommentar 6 hat keinen Text; übersprungen.",
        "Hinweis: Kommentar 7 hat 5.499 Zeichen, mehr als das Formular erlaubt (5.000); "
        "ganz übernommen.",
    ):
        assert note in result.output
    for fine in (1, 8, 9):
        assert f"Kommentar {fine}" not in result.output
    assert "Kommentare: 8 angelegt (8 sichtbar, 0 wartend, 0 Spam, 0 gelöscht)" in result.output
    assert "Kommentare ohne Text (übersprungen, siehe die Hinweise): 1." in result.output
    stored = by_minute()
    assert 6 not in stored
    assert (stored[1].name, stored[1].text) == ("Ren\u00e9", "Caf\u00e9\nzweite Zeile")
    assert (stored[2].name, stored[2].text) == ("Null", "Rot und weg")
    assert stored[3].email == stored[4].email == stored[8].email == ""
    assert stored[5].name == "Anonym"
    assert stored[9].text == "Danach geht es weiter."
    assert db.session.scalar(select(Article)).comment_count == 8

    again = import_wordpress(runner, tmp_path)
    assert again.exit_code == 0


def test_wordpress_import_keeps_markup_as_text_and_links_only_to_the_web(
    app, runner, client, tmp_path
):
    result = import_wordpress(
        runner,
        tmp_path,
        wp_comment(
            1,
            '&lt;script&gt;alert(1)&lt;/script&gt; <a href="javascript:alert(2)">klick</a> '
            '<a href="https://example.org/x">hier</a> <a href="data:text/html,x">da</a>',
            author="&lt;b&gt;Fett&lt;/b&gt;",
            url="javascript:alert(3)",
        ),
    )

    assert result.exit_code == 0, result.output
    [stored] = comments()
    assert stored.name == "<b>Fett</b>"
    assert stored.text == "<script>alert(1)</script> klick hier (https://example.org/x) da"
    assert "javascript" not in stored.name + stored.email + stored.text
    assert_shown_as_text(client, db.session.scalar(select(Article)), stored)
    slug = db.session.scalar(select(Article)).slug
    page = soup(client.get(f"/artikel/{slug}"))
    links = [a["href"] for a in page.select("#kommentar-liste a")]
    # Its permalink, and the one web address (javascript: and data: are text).
    permalink = f"/kommentare/{stored.id}#kommentar-{stored.id}"
    answer = f"/kommentare/{stored.id}/antworten"
    assert links == [permalink, answer, "https://example.org/x"]
