"""Atom feeds, read by a real feed parser (feedparser), as a feed reader reads them."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest

from factories import make_article, make_author, make_comment, make_topic
from helpers import post_comment, soup
from webapp.extensions import db
from webapp.models import ArticleSlug, CommentStatus, utcnow

NASTY = 'Zitat "A" & <B> ]]> \ufffe\uffff Ende'


def read(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed, response


def test_the_site_feed_lists_published_articles_newest_first(client, app):
    author = make_author(name="Erika Muster")
    make_article(title="Älter", author=author, published_at=utcnow() - timedelta(days=2))
    make_article(
        title="Neuer",
        author=author,
        teaser="Kurz gesagt",
        body="Mit **Text** & mehr.",
        published_at=utcnow() - timedelta(hours=1),
    )
    make_article(title="Entwurf", published_at=None)
    make_article(title="Geplant", published_at=utcnow() + timedelta(days=1))

    feed, _ = read(client, "/feed")
    assert feed.feed.title == "Zirkel"
    assert [e.title for e in feed.entries] == ["Neuer", "Älter"]
    newest = feed.entries[0]
    assert newest.link.startswith("http://localhost/artikel/")
    assert newest.author == "Erika Muster"
    assert newest.summary == "Kurz gesagt"
    assert newest.content[0].value == "<p>Mit <strong>Text</strong> &amp; mehr.</p>"
    assert newest.id.startswith("tag:localhost,2026:artikel/")


def test_a_topic_has_its_own_feed(client, app):
    topic = make_topic("Integration")
    make_article(title="Im Thema", topics=[topic])
    make_article(title="Anderswo")
    feed, _ = read(client, "/thema/integration/feed")
    assert feed.feed.title == "Integration – Zirkel"
    assert [e.title for e in feed.entries] == ["Im Thema"]
    assert client.get("/thema/gibt-es-nicht/feed").status_code == 404


def test_an_articles_comment_feed_has_its_visible_comments_and_no_addresses(client, app):
    article = make_article(title="Rathaus")
    make_comment(article, name="Erika", email="erika@example.org", text="Sichtbar *schön*")
    for status in (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.DELETED):
        make_comment(article, status=status, text=f"Nicht {status}", email="x@example.org")

    feed, response = read(client, f"/artikel/{article.slug}/kommentare/feed")
    assert feed.feed.title == "Kommentare zu „Rathaus“"
    assert [e.title for e in feed.entries] == ["Erika zu „Rathaus“"]
    assert feed.entries[0].content[0].value == "<p>Sichtbar <em>schön</em></p>"
    assert "/kommentare/" in feed.entries[0].link and "#kommentar-" in feed.entries[0].link
    assert "@example.org" not in response.get_data(as_text=True)


def test_a_new_comment_appears_in_the_comment_feeds_and_the_etag_changes(client, app):
    article = make_article(title="Rathaus")
    make_comment(article, text="Erster")
    _, first = read(client, f"/artikel/{article.slug}/kommentare/feed")
    etag = first.headers["ETag"]
    again = client.get(f"/artikel/{article.slug}/kommentare/feed", headers={"If-None-Match": etag})
    assert again.status_code == 304

    post_comment(client, article, text="Ganz neu im Feed")
    feed, changed = read(
        client, f"/artikel/{article.slug}/kommentare/feed", **{"If-None-Match": etag}
    )
    assert changed.headers["ETag"] != etag
    assert [e.content[0].value for e in feed.entries] == [
        "<p>Ganz neu im Feed</p>",
        "<p>Erster</p>",
    ]
    site, _ = read(client, "/kommentare/feed")
    assert site.entries[0].content[0].value == "<p>Ganz neu im Feed</p>"


def test_the_sites_comment_feed_shows_only_visible_comments_of_published_articles(client, app):
    make_comment(make_article(title="Offen"), text="Gezeigt", email="a@example.org")
    make_comment(make_article(title="Entwurf", published_at=None), text="Verborgen")
    make_comment(make_article(title="Offen 2"), status=CommentStatus.PENDING, text="Wartet")
    feed, response = read(client, "/kommentare/feed")
    assert [e.content[0].value for e in feed.entries] == ["<p>Gezeigt</p>"]
    assert "@example.org" not in response.get_data(as_text=True)


@pytest.mark.parametrize("where", ["title", "comment", "name"])
def test_anything_typed_is_escaped_and_the_feed_stays_valid(client, app, where):
    article = make_article(title=NASTY if where == "title" else "Titel")
    make_comment(
        article,
        name=NASTY if where == "name" else "Erika",
        text=NASTY if where == "comment" else "Text",
    )
    clean = NASTY.replace("\ufffe", "").replace("\uffff", "")
    for url in ("/feed", f"/artikel/{article.slug}/kommentare/feed", "/kommentare/feed"):
        feed, response = read(client, url)
        assert "<B>" not in response.get_data(as_text=True)
        if where == "title" and url == "/feed":
            assert feed.entries[0].title == clean
        if where == "name" and url != "/feed":
            assert feed.entries[0].author == clean
        if where == "comment" and url != "/feed":
            assert feed.entries[0].content[0].value == (
                '<p>Zitat "A" &amp; &lt;B&gt; ]]&gt;  Ende</p>'
            )


def test_pages_name_their_feeds(client, app):
    topic = make_topic("Integration")
    article = make_article(topics=[topic])
    alternates = {
        url: [
            link["href"]
            for link in soup(client.get(url)).find_all(
                "link", rel="alternate", type="application/atom+xml"
            )
        ]
        for url in ("/", f"/artikel/{article.slug}", "/thema/integration")
    }
    assert alternates == {
        "/": ["/feed", "/kommentare/feed"],
        f"/artikel/{article.slug}": ["/feed", f"/artikel/{article.slug}/kommentare/feed"],
        "/thema/integration": ["/feed", "/thema/integration/feed"],
    }


def test_a_renamed_articles_comment_feed_moves_along(client, app):
    article = make_article(slug="neu")
    db.session.add(ArticleSlug(slug="alt", article=article))
    db.session.commit()
    response = client.get("/artikel/alt/kommentare/feed")
    assert response.status_code == 301
    assert response.headers["Location"] == "/artikel/neu/kommentare/feed"


def test_feed_queries_do_not_grow(client, app, count_queries):
    counts = []
    for _ in range(2):
        article = make_article()
        for _ in range(5):
            make_comment(article)
        for url in ("/feed", "/kommentare/feed", f"/artikel/{article.slug}/kommentare/feed"):
            with count_queries() as queries:
                client.get(url)
            counts.append(len(queries))
    assert counts[:3] == counts[3:]
