"""`flask import-wordpress`: a real WordPress 6 export in, articles and comments out."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, func, select

from factories import make_article, photo_bytes
from helpers import soup
from webapp.extensions import db
from webapp.models import (
    Article,
    ArticleSlug,
    Author,
    Comment,
    CommentStatus,
    Photo,
    Topic,
    article_topic,
)
from webapp.pages import Page
from webapp.text import dropped_markup, render_markdown
from webapp.transfer.html_markdown import html_to_markdown
from webapp.transfer.wordpress import clean_body, read_export
from wxr import attachment, img, page, post, wp_comment, wxr

EXPORT = Path(__file__).parent / "data" / "wordpress-export.xml"
SITE = "https://blog.example.org"
SUMMARY = [
    "Autoren: 3 angelegt, 0 unverändert.",
    "Artikel: 9 angelegt (6 veröffentlicht, 0 geplant, 3 Entwürfe), 0 unverändert, "
    "1 übersprungen (im Papierkorb).",
    "Alte Slugs: 1 angelegt, 0 unverändert, 0 übersprungen (vergeben).",
    "Kommentare: 37 angelegt (27 sichtbar, 5 wartend, 4 Spam, 1 gelöscht), 0 unverändert, "
    "2 Pingbacks/Trackbacks übersprungen, 1 mit ihrem Beitrag übersprungen.",
    "Themen: 7 aus Kategorien angelegt, 6 aus Schlagwörtern, 0 einem gleichnamigen Thema "
    "zugeordnet, 0 unverändert; 9 Artikel darunter eingeordnet.",
    "Seiten: 1 angelegt, 0 unverändert, 0 übersprungen (siehe die Hinweise).",
    "Nicht importiert (nur Beiträge und Seiten werden es): attachment 2, nav_menu_item 1.",
]
MODELS = (Author, Article, ArticleSlug, Comment, Topic)


def import_wordpress(runner, path: Path = EXPORT, *options: str):
    return runner.invoke(args=["import-wordpress", *options, str(path)])


@pytest.fixture
def imported(runner):
    """The fixture export, imported."""
    result = import_wordpress(runner)
    assert result.exit_code == 0, result.output
    return result


def article(wordpress_id: int) -> Article:
    key = f"wordpress:{SITE}:post:{wordpress_id}"
    return db.session.scalar(select(Article).where(Article.import_key == key))


def comment(wordpress_id: int) -> Comment:
    key = f"wordpress:{SITE}:comment:{wordpress_id}"
    return db.session.scalar(select(Comment).where(Comment.import_key == key))


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_import_reports_what_it_did_in_german(imported):
    lines = imported.output.splitlines()
    for line in SUMMARY:
        assert line in lines
    assert (
        "Bilder: nicht importiert (3 in Beitragstexten, 4 Beitragsbilder). Um sie zu übernehmen, "
        "den Ordner wp-content/uploads der alten Website hierher kopieren und mit --media-folder "
        "ORDNER importieren (vor dem ersten Import: ein zweiter Lauf ergänzt nur Beitragsbilder)."
    ) in lines
    assert (
        "Text: 2 Artikel behalten Teile als HTML, die Markdown nicht ausdrücken kann (siehe die "
        "Hinweise); alles andere ist Markdown."
    ) in lines
    assert (
        "Hinweis: Beitrag 47 „Haushalt 2024: Radwege & Busse – Investitionen < 1 % des Et…“: "
        "als HTML behalten, weil Markdown es nicht ausdrücken kann: <figure>, <figcaption>, "
        "<table>."
    ) in lines
    assert (
        "Hinweis: Beitrag 58 „Jubiläum: Zehn Jahre Kommunalblog“: als HTML behalten, weil "
        "Markdown es nicht ausdrücken kann: <figure>, <figcaption>, <cite>."
    ) in lines
    assert lines[-1] != "Probelauf: Nichts wurde gespeichert."


def test_categories_and_tags_become_topics_that_list_their_posts(imported, client):
    names = db.session.scalars(select(Topic.name).order_by(Topic.name)).all()
    assert "Integration & Teilhabe" in names and "ÖPNV" in names and len(names) == 13
    assert "Hauptmenü" not in names, "a menu is no topic"
    assert {t.slug for t in article(47).topics} == {
        "haushalt",
        "oepnv",
        "radverkehr",
        "stadtrat",
        "verkehr",
    }
    topic = db.session.scalar(select(Topic).where(Topic.slug == "integration-teilhabe"))
    assert topic.description == "Integrationsbeirat, Ehrenamt, Mehrsprachigkeit"

    page = soup(client.get("/thema/integration-teilhabe"))
    assert page.find("h1").get_text() == "Integration & Teilhabe"
    assert [a.get_text() for a in page.select(".card-title a")] == [article(34).title]


def test_a_tag_named_like_a_category_joins_it(runner, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(
        wxr(
            post(
                1,
                categories='<category domain="category" nicename="klima">Klima</category>'
                '<category domain="post_tag" nicename="klima-2">klima</category>',
            )
        ),
        encoding="utf-8",
    )
    result = import_wordpress(runner, path)
    assert result.exit_code == 0, result.output
    assert "Themen: 1 aus Kategorien angelegt, 0 aus Schlagwörtern, 1 einem gleichnamigen" in (
        result.output
    )
    assert [t.name for t in db.session.scalar(select(Article)).topics] == ["Klima"]


def test_replies_are_threaded_under_the_comment_they_answer(imported, client):
    """WordPress keeps whom a comment answers; Zirkel shows it nested."""
    replies = db.session.scalars(select(Comment).where(Comment.parent_id.is_not(None))).all()
    assert replies
    for reply in replies:
        parent = db.session.get(Comment, reply.parent_id)
        assert (reply.thread_id, reply.thread_at) == (parent.thread_id, parent.thread_at)
    article_id = db.session.scalar(
        select(Article.id).where(Article.slug == "buergerhaushalt-2015-jetzt-mitreden")
    )
    shown = {
        f"kommentar-{r.id}" for r in replies if (r.article_id, r.status) == (article_id, "visible")
    }
    page = soup(client.get("/artikel/buergerhaushalt-2015-jetzt-mitreden"))
    nested = {li["id"] for li in page.select("#kommentar-liste ol.replies > li")}
    assert shown and nested == shown


def test_a_published_post_shows_its_visible_comments_in_order(imported, client):
    page = soup(client.get("/artikel/buergerhaushalt-2015-jetzt-mitreden"))

    assert page.find("h1").get_text() == "Bürgerhaushalt 2015: Jetzt mitreden!"
    assert page.find(id="kommentar-anzahl").get_text() == "8 Kommentare"
    authors = [a.get_text() for a in page.select(".comment-author")]
    assert authors == [
        "Heike Brandt",
        "Jürgen Weiß",
        "Heike Brandt",
        "Tobias Krüger",
        "Detlef",
        "Heike Brandt",
        "Miriam Koch",
        "Jonas Albers",
    ]
    texts = [t.get_text() for t in page.select(".comment-text")]
    assert texts[1] == (
        "Hallo Frau Brandt,\ndie Verwaltung hat zugesagt, zu jedem Vorschlag mit mehr als "
        "50 Stimmen eine schriftliche Stellungnahme zu veröffentlichen. Wir bleiben dran."
    )
    # Tags gone, the link's address kept after its text, paragraphs kept.
    assert texts[3] == (
        "Wer die Zahlen selbst nachlesen will: Haushaltsentwurf 2015 (PDF) "
        "(https://www.musterstadt.example/haushalt/2015/entwurf.pdf). Besonders Seite 214 "
        "ist spannend – da steht der Sanierungsstau bei den Schulen."
    )
    paragraphs = [p.get_text() for p in page.select(".comment-text")[4].find_all("p")]
    assert paragraphs[0].endswith("macht, was er will.")
    assert paragraphs[1].startswith("Ich lasse mich gern")
    # Two CDATA sections in the file, one text here.
    assert "„// ]]>“" in texts[7]
    html = page.decode()
    for hidden in ("Querungshilfe", "cheap pills", "Stadtteilnetz Nord", "Radentscheid"):
        assert hidden not in html  # pending, spam, pingback, trackback


def test_replies_keep_their_thread(imported):
    assert comment(3).parent_id == comment(2).id
    assert comment(4).parent_id == comment(3).id
    assert comment(9).parent_id == comment(8).id
    assert comment(14).parent_id == comment(13).id
    assert comment(2).parent_id is None


def test_bodies_are_cleaned_of_wordpress_markup(imported, client):
    classic = article(5)
    assert "<!--" not in classic.body and "[caption" not in classic.body
    assert "[/caption]" not in classic.body
    # The caption's text stays; the image (not downloaded) and its empty link go.
    assert "Hier wird im Herbst entschieden: das Rathaus am Marktplatz." in classic.body_html
    assert "<img" not in classic.body_html and "rathaus-marktplatz.jpg" not in classic.body_html
    assert "<script" not in classic.body_html and "Beteiligungskarte" not in classic.body_html
    # Blank lines make paragraphs, single newlines line breaks, as on the WordPress site.
    assert "<p>Bürgerbüro Mitte<br>\nMarktplatz 1<br>\nMo–Fr 8–16 Uhr</p>" in classic.body_html
    assert "<p>Wer keinen Internetzugang hat, kann Vorschläge auch persönlich abgeben:</p>" in (
        classic.body_html
    )
    page = soup(client.get("/artikel/buergerhaushalt-2015-jetzt-mitreden"))
    assert len(page.select(".article .body ol li")) == 3

    blocks = article(34)
    assert "wp:" not in blocks.body
    assert [h.get_text() for h in soup_of(blocks).select("h2")] == [
        "Wer darf wählen?",
        "Was macht der Beirat?",
    ]
    quote = soup_of(article(58)).find("blockquote")
    assert quote.find("cite").get_text() == "Aus unserem ersten Beitrag, März 2014"


def soup_of(article: Article) -> BeautifulSoup:
    return BeautifulSoup(article.body_html, "html.parser")


def test_titles_are_unescaped_once(imported, client):
    response = client.get("/artikel/haushalt-2024-radwege-busse")
    title = "Haushalt 2024: Radwege & Busse – Investitionen < 1 % des Etats"

    assert article(47).title == title
    assert soup(response).find("h1").get_text() == title
    assert "Radwege &amp;amp; Busse" not in response.get_data(as_text=True)


def test_slugs_are_decoded_and_old_slugs_kept(imported, client):
    jubilee = article(58)

    assert jubilee.slug == "jubilaeum-2024"
    assert client.get("/artikel/jubilaeum-2024").status_code == 200
    old = db.session.scalar(
        select(ArticleSlug).where(ArticleSlug.slug == "zehn-jahre-kommunalblog")
    )
    assert old.article_id == jubilee.id
    # Drafts without a slug get one from their title.
    assert article(70).slug == "verkehrsversuch-lindenstrasse-erste-zwischenbilanz"
    assert article(72).slug == "sprechstunde-im-stadtteilzentrum"


def test_dates_and_states(imported):
    assert article(5).published_at == datetime(2014, 3, 24, 9, 30)
    assert article(75).published_at == datetime(2024, 6, 15, 7, 0)  # "future"
    for draft in (63, 70, 72):  # private, draft, pending
        assert article(draft).published_at is None
    assert article(1) is None  # in the trash
    assert comment(1) is None  # on the trashed post
    assert comment(2).created_at == datetime(2014, 3, 24, 10, 2, 37)


def test_drafts_the_trash_and_pages_are_not_readable(imported, client):
    for slug in (
        "klimaschutzkonzept-entwurf",
        "verkehrsversuch-lindenstrasse-erste-zwischenbilanz",
        "sprechstunde-im-stadtteilzentrum",
        "hallo-welt__trashed",
        "hallo-welt",
        "ueber-uns",  # a page: at /seite/ueber-uns
        "rathaus-marktplatz",
    ):
        assert client.get(f"/artikel/{slug}").status_code == 404, slug


def test_comment_statuses_and_counts(imported):
    statuses = dict(
        db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all()
    )
    assert statuses == {"visible": 27, "pending": 5, "spam": 4, "deleted": 1}
    assert comment(10).status == CommentStatus.PENDING
    assert comment(11).status == CommentStatus.SPAM
    assert comment(30).status == CommentStatus.DELETED
    assert comment(6) is None and comment(12) is None  # pingback, trackback
    for imported_article in db.session.scalars(select(Article)):
        visible = db.session.scalar(
            select(func.count()).where(
                Comment.article_id == imported_article.id, Comment.status == "visible"
            )
        )
        assert imported_article.comment_count == visible
        has_comments = rows_of(imported_article) > 0
        assert (imported_article.comment_version > 0) == has_comments
        assert (imported_article.comments_changed_at is not None) == has_comments


def rows_of(article: Article) -> int:
    return db.session.scalar(select(func.count()).where(Comment.article_id == article.id))


def test_teasers_come_from_the_excerpt_or_the_body(imported):
    assert article(21).teaser == (
        "Ab dem 1. April hat die Stadtbibliothek länger geöffnet – auch samstags."
    )
    teaser = article(5).teaser
    assert teaser.startswith("Der Haushalt unserer Stadt umfasst rund 480 Millionen Euro.")
    assert teaser.endswith("…") and len(teaser) <= 201
    assert "<" not in teaser


def test_the_script_in_a_spam_comment_never_reaches_a_page(imported, client):
    assert "<script" not in comment(28).text
    urls = ["/", "/autoren/miriam-koch", "/autoren/juergen-weiss"]
    urls += [f"/artikel/{a.slug}" for a in db.session.scalars(select(Article))]
    for url in urls:
        assert "<script>alert" not in client.get(url).get_data(as_text=True), url


def test_authors_are_imported_with_their_display_names(imported, client):
    authors = db.session.scalars(select(Author).order_by(Author.id)).all()

    assert [(a.name, a.slug) for a in authors] == [
        ("Miriam Koch", "miriam-koch"),
        ("Jürgen Weiß", "juergen-weiss"),
        ("Ayşe Yılmaz", "ayse-yilmaz"),
    ]
    assert authors[1].import_key == f"wordpress:{SITE}:author:jweiss"
    assert authors[0].bio == ""
    assert article(47).author == authors[1]
    assert client.get("/autoren/ayse-yilmaz").status_code == 200


def test_a_second_run_changes_nothing(imported, runner):
    before = snapshot()
    result = import_wordpress(runner)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Autoren: 0 angelegt, 3 unverändert." in lines
    assert "Artikel: 0 angelegt (0 veröffentlicht, 0 geplant, 0 Entwürfe), 9 unverändert, " in (
        result.output
    )
    assert "Alte Slugs: 0 angelegt, 1 unverändert, 0 übersprungen (vergeben)." in lines
    assert "Kommentare: 0 angelegt (0 sichtbar, 0 wartend, 0 Spam, 0 gelöscht), 37 unverändert" in (
        result.output
    )
    assert (
        "Themen: 0 aus Kategorien angelegt, 0 aus Schlagwörtern, 0 einem gleichnamigen Thema "
        "zugeordnet, 13 unverändert; 0 Artikel darunter eingeordnet."
    ) in lines
    assert "Seiten: 0 angelegt, 1 unverändert, 0 übersprungen (siehe die Hinweise)." in lines
    db.session.expire_all()
    assert snapshot() == before


def snapshot() -> list:
    return [
        db.session.execute(select(Article.__table__).order_by(Article.id)).all(),
        db.session.execute(select(Comment.__table__).order_by(Comment.id)).all(),
        db.session.execute(select(Author.__table__).order_by(Author.id)).all(),
        db.session.execute(select(ArticleSlug.__table__).order_by(ArticleSlug.id)).all(),
        db.session.execute(select(Topic.__table__).order_by(Topic.id)).all(),
        db.session.execute(select(article_topic).order_by(*article_topic.c)).all(),
        db.session.execute(select(Page.__table__).order_by(Page.id)).all(),
    ]


def test_a_dry_run_reports_and_writes_nothing(runner):
    result = import_wordpress(runner, EXPORT, "--dry-run")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for line in SUMMARY:
        assert line in lines
    assert lines[-1] == "Probelauf: Nichts wurde gespeichert."
    assert [rows(model) for model in MODELS] == [0, 0, 0, 0, 0]
    assert stored_pages() == ["datenschutz", "impressum"]  # the site's own, from the start


def test_a_taken_slug_gets_a_number(runner):
    make_article(slug="neue-oeffnungszeiten-stadtbibliothek")
    import_wordpress(runner)

    assert article(21).slug == "neue-oeffnungszeiten-stadtbibliothek-2"


# --- Files written by the tests ----------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_overlong_names_are_shortened_and_overlong_texts_kept(runner, tmp_path):
    name = "Sehr lange Namen " * 10  # 170 characters, as WordPress allows
    text = "Wort " * 1200  # 6,000 characters, more than the form allows
    path = write(tmp_path, wxr(post(1, wp_comment(7, text, author=name))))
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    stored = db.session.scalar(select(Comment))
    assert len(stored.name) == 100 and stored.name.endswith("…")
    assert stored.name.startswith("Sehr lange Namen Sehr lange Namen")
    assert stored.text == text.strip()
    assert "Hinweis: Kommentar 7: Name auf 100 Zeichen gekürzt." in result.output
    assert "Hinweis: Kommentar 7 hat 5.999 Zeichen, mehr als das Formular erlaubt (5.000)" in (
        result.output
    )


def test_replies_before_their_parents_control_characters_and_entities(runner, tmp_path):
    path = write(
        tmp_path,
        wxr(
            post(
                1,
                wp_comment(3, "Antwort", parent=2, date_gmt="2024-03-02 11:00:00"),
                wp_comment(2, "Frage\x7f\u0085 &amp; mehr<br />zweite Zeile", author="A &amp; B"),
            )
        ),
    )
    assert import_wordpress(runner, path).exit_code == 0
    question, answer = db.session.scalars(select(Comment).order_by(Comment.created_at)).all()

    assert answer.parent_id == question.id
    assert question.text == "Frage & mehr\nzweite Zeile"
    assert question.name == "A & B"
    assert question.email == ""  # WordPress allows comments without an address


def test_unicode_is_normalised_and_local_dates_converted(runner, tmp_path):
    decomposed = "Jubila\u0308um"
    summer = post(
        1,
        title=decomposed,
        date="2024-07-01 12:00:00",
        date_gmt="0000-00-00 00:00:00",
    )
    winter = post(2, title="Winter", date="2024-01-15 12:00:00", date_gmt="0000-00-00 00:00:00")
    untitled = post(3, title="", name="")
    path = write(tmp_path, wxr(summer, winter, untitled))
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    first, second, third = db.session.scalars(select(Article).order_by(Article.id)).all()
    assert first.title == "Jubiläum" and first.slug == "jubilaeum"
    # Berlin: summer time is UTC+2, winter time UTC+1.
    assert first.published_at == datetime(2024, 7, 1, 10, 0)
    assert second.published_at == datetime(2024, 1, 15, 11, 0)
    assert (third.title, third.slug) == ("Ohne Titel", "ohne-titel")
    # A post whose author is not in the export's author list gets one from the login.
    assert first.author.name == "redaktion"
    assert first.author.import_key == "wordpress:https://test.example:author:redaktion"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (EXPORT.read_text(encoding="utf-8")[:5000], "is not well-formed XML"),
        ("", "is not well-formed XML"),
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
            "<item><title>Hallo</title></item></channel></rss>",
            "is not a WordPress export (WXR)",
        ),
        ('<?xml version="1.0"?><html><body>Hallo</body></html>', "is not a WordPress export"),
    ],
    ids=["truncated", "empty", "plain-rss", "html"],
)
def test_files_that_are_no_export_are_refused(runner, tmp_path, content, message):
    result = import_wordpress(runner, write(tmp_path, content))

    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert [rows(model) for model in MODELS] == [0, 0, 0, 0, 0]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
"""


@pytest.mark.parametrize(
    ("prologue", "title"),
    [(BILLION_LAUGHS, "&lol9;"), (EXTERNAL_ENTITY, "&secret;")],
    ids=["billion-laughs", "external-entity"],
)
def test_xml_attacks_are_refused(runner, tmp_path, prologue, title):
    # The rest is a valid export: only the DTD makes it dangerous.
    body = wxr(post(1, title="placeholder")).split("\n", 1)[1]
    body = body.replace("<![CDATA[placeholder]]>", title)
    result = import_wordpress(runner, write(tmp_path, prologue + body, "attack.xml"))

    assert result.exit_code == 1
    assert "attack.xml was refused" in result.output
    assert "document type declaration" in result.output
    assert [rows(model) for model in MODELS] == [0, 0, 0, 0, 0]


def test_an_unknown_time_zone_is_a_usage_error(runner):
    result = import_wordpress(runner, EXPORT, "--timezone", "Europe/Atlantis")

    assert result.exit_code == 2
    assert "unknown time zone" in result.output


# --- Bodies as Markdown ------------------------------------------------------------------


def test_bodies_become_markdown_where_it_says_the_same(imported):
    classic = article(5).body
    assert "**500.000 Euro**" in classic and "*Fragen gern in die Kommentare!*" in classic
    assert "## So funktioniert es" in classic  # <h3>: the page's h3 again
    assert (
        "1. Vorschlag auf [www.musterstadt.example/buergerhaushalt]"
        "(https://www.musterstadt.example/buergerhaushalt) eintragen." in classic
    )
    assert "Bürgerbüro Mitte\\\nMarktplatz 1\\\nMo–Fr 8–16 Uhr" in classic
    assert "<" not in classic

    blocks = article(34).body
    assert "# Wer darf wählen?" in blocks and "<" not in blocks

    budget = article(47).body
    assert "# Die wichtigsten Posten" in budget and "- Lückenschluss Radweg" in budget
    assert "<table>" in budget and 'class="' not in budget, "kept HTML is kept clean"
    for stored in db.session.scalars(select(Article)):
        assert dropped_markup(stored.body) == [], "the editor is not warned about an import"


def test_imported_markdown_shows_the_text_of_the_original(imported):
    """The round trip: the Markdown, rendered, has every letter of the WordPress HTML."""
    export = read_export(EXPORT)
    for wxr_post in export.posts:
        if (stored := article(int(wxr_post.id))) is None:
            continue  # in the trash
        original = BeautifulSoup(clean_body(wxr_post.content), "html.parser").get_text()
        shown = BeautifulSoup(stored.body_html, "html.parser").get_text()
        assert "".join(shown.split()) == "".join(original.split()), wxr_post.id


TRICKY = [
    "<p>1. Januar ist kein Listenpunkt, # kein Titel und - kein Strich</p>",
    "<p>- nein<br>\n+ auch nicht<br>\n2) nein<br>\n===<br>\n---<br>\n&gt; kein Zitat</p>",
    "<p>*Sternchen* und _Unterstriche_, `Backticks`, [eckig](rund) und ![Bild](x)</p>",
    "<p>&amp;copy; bleibt so, &lt;b&gt;fett?&lt;/b&gt;, a\\*b, C:\\Pfad, ~~nicht durch~~</p>",
    "<p>| a | b |<br>\n|---|---|</p>",
    '<p><a href="https://de.wikipedia.org/wiki/Bonn_(Begriffskl%C3%A4rung)">Bonn</a> und '
    '<a href="https://example.org/a b" title="Ein &quot;Titel&quot;">Leer</a></p>',
    "<ul><li>eins<ul><li>zwei</li></ul></li><li><strong>drei</strong></li></ul>",
    '<ol start="3"><li>drei</li><li>vier</li></ol>',
    "<blockquote><p>Zitat</p><p>mit <em>zwei</em> Absätzen</p></blockquote>",
    "<h2>Zwei</h2><h3>Drei</h3><h4>Vier</h4><h5>Fünf</h5><h6>Sechs</h6><h1>Eins</h1>",
    "<pre>code\n\n  *eingerückt*</pre>",
    "<p>Hoch<sup>2</sup> und <span style='color:red'>rot</span></p>",
    "<p><b>fett</b><i>kursiv</i> <del>weg</del> <code>a`b</code></p>",
]


@pytest.mark.parametrize("html", TRICKY)
def test_the_conversion_never_changes_what_readers_see(app, html):
    conversion = html_to_markdown(html)
    shown = BeautifulSoup(render_markdown(conversion.markdown), "html.parser")
    original = BeautifulSoup(html, "html.parser")
    assert "".join(shown.get_text().split()) == "".join(original.get_text().split())


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>1. Januar</p>", "1\\. Januar"),
        ("<p>a<br>\nb</p>", "a\\\nb"),
        ("<h2>Titel</h2>", "# Titel"),
        ("<h1>Eins</h1>", "# Eins"),
        ("<h6>Sechs</h6>", "##### Sechs"),
        ("<p>Klima &amp; Umwelt, 5 &lt; 6</p>", "Klima & Umwelt, 5 < 6"),
        ("<p><a href='javascript:alert(1)'>Klick</a></p>", "Klick"),
        ("<p>Hoch<sup>2</sup></p>", "<p>Hoch<sup>2</sup></p>"),
    ],
)
def test_markdown_is_written_to_be_read(app, html, markdown):
    assert html_to_markdown(html).markdown == markdown


def test_lists_in_a_row_stay_apart(app):
    """In Markdown two lists in a row are one, unless their markers differ."""
    html = "<ul><li>a</li></ul><ul><li>b</li></ul><ol><li>c</li></ol><ol><li>d</li></ol>"
    markdown = html_to_markdown(html).markdown
    assert markdown == "- a\n\n* b\n\n1. c\n\n1) d"
    shown = BeautifulSoup(render_markdown(markdown), "html.parser")
    assert [e.name for e in shown.find_all(["ul", "ol", "p"])] == ["ul", "ul", "ol", "ol"]


def test_what_markdown_cannot_say_is_kept_as_html_and_named(runner, tmp_path):
    content = (
        "<p>Davor.</p><table><tr><td>a</td></tr></table>"
        '<p>Mit <span style="font-size:200%">Stil</span>.</p>'
        "[gallery ids=\"1,2\"]<iframe src='https://video.example/1'></iframe>"
        "<script>alert(1)</script>"
    )
    path = write(tmp_path, wxr(post(1, title="Tabelle", content=content)))
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    assert (
        "Hinweis: Beitrag 1 „Tabelle“: als HTML behalten, weil Markdown es nicht ausdrücken "
        "kann: <table>."
    ) in result.output
    assert (
        "Hinweis: Beitrag 1 „Tabelle“: Formatierung durch style-Attribute weggelassen, wie bei "
        "jedem Artikel."
    ) in result.output
    assert (
        "Hinweis: Beitrag 1 „Tabelle“: entfernt, weil kein Artikel es enthalten darf: <script>, "
        "<iframe>."
    ) in result.output
    assert (
        "Hinweis: Beitrag 1 „Tabelle“: WordPress-Shortcodes entfernt, ihr Text behalten: [gallery]."
    ) in result.output
    stored = db.session.scalar(select(Article))
    assert stored.body.startswith("Davor.\n\n<table>")
    assert "Mit Stil." in stored.body and "iframe" not in stored.body_html
    assert dropped_markup(stored.body) == []


@pytest.mark.parametrize(
    "content",
    [
        '<p><img src="x" onerror="alert(1)">Text</p>',
        '<p><a href="javascript:alert(1)">Klick</a></p>',
        '<p onclick="alert(1)">Text</p>',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<svg onload=alert(1)></svg><p>Text</p>",
        '<table><tr><td onmouseover="alert(1)"><a href="javascript:x()">a</a></td></tr></table>',
    ],
)
def test_no_script_in_a_post_reaches_the_page(runner, tmp_path, client, content):
    path = write(tmp_path, wxr(post(1, name="angriff", content=content)))
    assert import_wordpress(runner, path).exit_code == 0
    page = soup(client.get("/artikel/angriff")).select_one(".article .body")
    for element in page.find_all(True):
        assert element.name not in {"script", "svg", "img"}
        assert not any(name.startswith("on") for name in element.attrs)
        assert "javascript:" not in str(element.get("href", ""))


# --- Pages ------------------------------------------------------------------------------


def stored_pages() -> list[str]:
    return db.session.scalars(select(Page.slug).order_by(Page.slug)).all()


def stored_page(slug: str) -> Page | None:
    return db.session.scalar(select(Page).where(Page.slug == slug))


def test_a_published_page_becomes_a_page_of_the_site(imported, client):
    about = stored_page("ueber-uns")
    assert about.title == "Über uns"
    # Markdown, as the page editor shows it; the block editor's comments are gone.
    assert about.body.startswith("Der Kommunalblog ist ein ehrenamtliches Projekt.")
    assert "# Redaktion" in about.body and "- Miriam Koch (Klima, Stadtentwicklung)" in about.body
    assert "wp:" not in about.body

    response = client.get("/seite/ueber-uns")
    assert response.status_code == 200
    shown = soup(response)
    assert shown.find("h1").get_text(strip=True) == "Über uns"
    assert shown.find("h2", string="Redaktion")
    assert "Miriam Koch (Klima, Stadtentwicklung)" in [li.get_text() for li in shown.find_all("li")]
    link = shown.find("a", string="redaktion@blog.example.org")
    assert link["href"] == "mailto:redaktion@blog.example.org"


def test_pages_that_are_not_public_are_skipped_and_named(runner, tmp_path, client):
    path = write(
        tmp_path,
        wxr(
            page(1, title="Entwurf", name="entwurf", status="draft"),
            page(2, title="Intern", name="intern", status="private"),
            page(3, title="Alt", name="alt__trashed", status="trash"),
            page(4, title="Bald", name="bald", status="future"),
            page(5, title="Geheim", name="geheim", password="sesam"),
            page(6, title="", name="", status="auto-draft"),
            page(7, title="Öffentlich", name="oeffentlich", content="Für alle."),
        ),
    )
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Seiten: 1 angelegt, 0 unverändert, 5 übersprungen (siehe die Hinweise)." in lines
    for named, state in (
        ("Seite 1 „Entwurf“", "draft"),
        ("Seite 2 „Intern“", "private"),
        ("Seite 3 „Alt“", "trash"),
        ("Seite 4 „Bald“", "future"),
        ("Seite 5 „Geheim“", "mit Passwort geschützt"),
    ):
        assert (
            f"Hinweis: {named} ist in WordPress nicht öffentlich ({state}); nicht importiert."
        ) in lines
    assert stored_pages() == ["datenschutz", "impressum", "oeffentlich"]
    for slug in ("entwurf", "intern", "alt-trashed", "alt__trashed", "bald", "geheim"):
        assert client.get(f"/seite/{slug}").status_code == 404
    assert "Für alle." in client.get("/seite/oeffentlich").get_data(as_text=True)


def test_a_page_never_replaces_the_impressum_or_another_page(runner, tmp_path, client):
    imprint = stored_page("impressum")
    before = (imprint.title, imprint.body, imprint.version)
    db.session.add(Page(title="Über uns", slug="ueber-uns", body="Von der Redaktion geschrieben."))
    db.session.commit()
    path = write(
        tmp_path,
        wxr(
            page(1, title="Impressum", name="impressum", content="Altes Impressum."),
            page(2, title="Über uns", name="ueber-uns", content="Aus WordPress."),
        ),
    )
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Seiten: 0 angelegt, 0 unverändert, 2 übersprungen (siehe die Hinweise)." in lines
    assert (
        "Hinweis: Seite 1 „Impressum“: /impressum ist die eigene Seite dieser Website, von jeder "
        "Seite verlinkt; nicht überschrieben. Den Text bei Bedarf von Hand übernehmen."
    ) in lines
    assert (
        "Hinweis: Seite 2 „Über uns“: Unter /seite/ueber-uns steht schon eine andere Seite (oder "
        "sie wurde seit dem letzten Import geändert); nicht überschrieben."
    ) in lines
    db.session.expire_all()
    imprint = stored_page("impressum")
    assert (imprint.title, imprint.body, imprint.version) == before
    assert stored_page("ueber-uns").body == "Von der Redaktion geschrieben."
    assert "Altes Impressum" not in client.get("/impressum").get_data(as_text=True)


def test_a_page_an_editor_changed_after_the_import_stays_as_they_left_it(imported, runner):
    about = stored_page("ueber-uns")
    about.body = about.body + "\n\nNeu seit dem Umzug."
    db.session.commit()
    result = import_wordpress(runner)

    assert "Seiten: 0 angelegt, 0 unverändert, 1 übersprungen (siehe die Hinweise)." in (
        result.output.splitlines()
    )
    db.session.expire_all()
    assert stored_page("ueber-uns").body.endswith("Neu seit dem Umzug.")


def test_a_pages_images_come_from_the_media_folder_and_later_runs_keep_it(runner, tmp_path, client):
    uploads = tmp_path / "uploads"
    (uploads / "2024" / "03").mkdir(parents=True)
    (uploads / "2024" / "03" / "team.jpg").write_bytes(photo_bytes(1200, 800))
    content = (
        "<p>Wir sind ein kleines Team.</p>\n\n"
        + img("2024/03/team.jpg", alt="Die Redaktion im Rathaus", attachment_id=10)
        + "\n\n<p>Schreiben Sie uns.</p>"
    )
    path = write(
        tmp_path,
        wxr(
            page(1, wp_comment(5), title="Über uns", name="ueber-uns", content=content),
            attachment(10, "2024/03/team.jpg"),
        ),
    )
    result = import_wordpress(runner, path, "--media-folder", str(uploads))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Seiten: 1 angelegt, 0 unverändert, 0 übersprungen (siehe die Hinweise)." in lines
    assert "Kommentare zu Seiten (nicht importiert, Seiten haben keine): 1." in lines
    shown = soup(client.get("/seite/ueber-uns")).find("img", alt="Die Redaktion im Rathaus")
    assert shown["src"].startswith("/medien/")
    with client.get(shown["src"]) as photo:
        assert photo.status_code == 200
    before = snapshot()
    photos = rows(Photo)

    # Again with the folder, and without it: the same page, unchanged.
    for options in (("--media-folder", str(uploads)), ()):
        again = import_wordpress(runner, path, *options)
        assert "Seiten: 0 angelegt, 1 unverändert, 0 übersprungen (siehe die Hinweise)." in (
            again.output.splitlines()
        )
    db.session.expire_all()
    assert snapshot() == before and rows(Photo) == photos


def test_without_the_media_folder_a_page_comes_without_its_images(runner, tmp_path):
    content = "<p>Text.</p>" + img("2024/03/team.jpg", alt="Team") + "<p>Mehr.</p>"
    path = write(tmp_path, wxr(page(1, name="team", content=content)))
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    assert stored_page("team").body == "Text.\n\nMehr."
    assert "--media-folder" in result.output  # the summary says how to bring them


def test_the_cli_imports_pages_as_the_readme_says(tmp_path):
    """The README's command, run as an operator runs it: a `flask` process of its own."""
    database = f"sqlite:///{tmp_path / 'zirkel.sqlite3'}"
    env = {
        **os.environ,
        "ZIRKEL_INSTANCE_PATH": str(tmp_path / "instance"),
        "ZIRKEL_DATABASE_URL": database,
    }
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
    root = Path(__file__).resolve().parent.parent
    subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, check=True, capture_output=True)
    path = write(tmp_path, wxr(page(2, title="Über uns", name="ueber-uns", content="Wir.")))

    outputs = []
    for _ in range(2):
        run = subprocess.run(
            [*flask, "import-wordpress", str(path)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout.splitlines())
    assert "Seiten: 1 angelegt, 0 unverändert, 0 übersprungen (siehe die Hinweise)." in outputs[0]
    assert "Seiten: 0 angelegt, 1 unverändert, 0 übersprungen (siehe die Hinweise)." in outputs[1]
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(Page.title, Page.body_html).where(Page.slug == "ueber-uns")
            ).all()
    finally:
        engine.dispose()
    assert [(title, html.strip()) for title, html in stored] == [("Über uns", "<p>Wir.</p>")]


def test_a_password_protected_post_is_imported_as_a_draft_nobody_reads(runner, client, tmp_path):
    path = write(
        tmp_path, wxr(post(1, title="Nur für Mitglieder", name="intern", password="sesam"))
    )
    result = import_wordpress(runner, path)

    assert result.exit_code == 0, result.output
    assert "Beitrag 1 ist in WordPress passwortgeschützt; als Entwurf importiert." in (
        result.output
    )
    article = db.session.scalar(select(Article))
    assert article.title == "Nur für Mitglieder" and article.published_at is None
    assert client.get("/artikel/intern").status_code == 404
