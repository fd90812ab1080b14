"""`flask import-wordpress`: a real WordPress 6 export in, articles and comments out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from factories import make_article
from helpers import soup
from webapp.extensions import db
from webapp.models import (
    Article,
    ArticleSlug,
    Author,
    Comment,
    CommentStatus,
    Topic,
    article_topic,
)
from wxr import post, wp_comment, wxr

EXPORT = Path(__file__).parent / "data" / "wordpress-export.xml"
SITE = "https://blog.example.org"
SUMMARY = [
    "Authors: 3 created, 0 unchanged.",
    "Articles: 9 created (6 published, 0 scheduled, 3 drafts), 0 unchanged, "
    "1 skipped (in the trash).",
    "Old slugs: 1 created, 0 unchanged, 0 skipped (taken).",
    "Comments: 37 created (27 visible, 5 pending, 4 spam, 1 deleted), 0 unchanged, "
    "2 pingbacks/trackbacks skipped, 1 skipped with their post.",
    "Topics: 7 created from categories, 6 from tags, 0 joined a topic of the same name, "
    "0 unchanged; 9 articles filed under them.",
    "Not imported (only posts are): attachment 2, nav_menu_item 1, page 1.",
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


def test_the_import_reports_what_it_did(imported):
    lines = imported.output.splitlines()
    for line in SUMMARY:
        assert line in lines
    assert "Images: 3 in post bodies left out (photos are not downloaded)." in lines
    assert lines[-1] != "Dry run: nothing was written."


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
    assert "Topics: 1 created from categories, 0 from tags, 1 joined a topic of the same name" in (
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
        "ueber-uns",
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
    assert "Authors: 0 created, 3 unchanged." in lines
    assert "Articles: 0 created (0 published, 0 scheduled, 0 drafts), 9 unchanged, " in (
        result.output
    )
    assert "Old slugs: 0 created, 1 unchanged, 0 skipped (taken)." in lines
    assert "Comments: 0 created (0 visible, 0 pending, 0 spam, 0 deleted), 37 unchanged, " in (
        result.output
    )
    assert (
        "Topics: 0 created from categories, 0 from tags, 0 joined a topic of the same name, "
        "13 unchanged; 0 articles filed under them."
    ) in lines
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
    ]


def test_a_dry_run_reports_and_writes_nothing(runner):
    result = import_wordpress(runner, EXPORT, "--dry-run")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for line in SUMMARY:
        assert line in lines
    assert lines[-1] == "Dry run: nothing was written."
    assert [rows(model) for model in MODELS] == [0, 0, 0, 0, 0]


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
    assert "Note: Comment 7: name shortened to 100 characters." in result.output
    assert "Note: Comment 7 has 5,999 characters, more than the form allows (5,000)" in (
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
