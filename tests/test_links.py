"""Links that travel: robots.txt and sitemap.xml, the tags other sites read of an article,
and a WordPress site's old addresses after its import."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from factories import make_article, make_author, make_comment, make_topic
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, utcnow

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EXPORT = Path(__file__).parent / "data" / "wordpress-export.xml"
BREAKOUT = 'Ende</script><script>alert("x")</script> & "Zitat" <b>'


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_editorial_area(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "Disallow: /verwaltung/" in lines


def test_the_sitemap_lists_articles_topics_and_authors_with_their_dates(client, app):
    author = make_author(slug="erika")
    topic = make_topic("Integration")
    article = make_article(author=author, topics=[topic], slug="oeffentlich")
    make_comment(article)
    make_article(author=author, slug="entwurf", published_at=None)
    make_author(slug="ohne-artikel")

    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    urls = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in ElementTree.fromstring(response.get_data()).iter(f"{SITEMAP}url")
    }
    assert set(urls) == {
        "http://localhost/",
        "http://localhost/artikel/oeffentlich",
        "http://localhost/thema/integration",
        "http://localhost/autoren/erika",
        "http://localhost/impressum",
        "http://localhost/datenschutz",
    }
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m) for m in urls.values())


def test_the_sitemap_costs_the_same_queries_for_any_size(client, app, count_queries):
    counts = []
    for n in range(2):
        for _ in range(1 + 10 * n):
            make_article(topics=[make_topic(f"T{utcnow().timestamp()}")])
        with count_queries() as queries:
            client.get("/sitemap.xml")
        counts.append(len(queries))
    assert counts == [4, 4]


def head_tags(page) -> dict[str, str]:
    return {
        (tag.get("property") or tag.get("name")): tag["content"]
        for tag in page.find("head").find_all("meta")
        if tag.get("property") or tag.get("name", "").startswith("twitter:")
    }


def test_an_article_tells_other_sites_its_title_teaser_and_photo(client, app):
    author = make_author(name="Erika Muster", slug="erika")
    article = make_article(
        author=author, slug="jubilaeum", title="Jubiläum", teaser="Fünf Jahre Zirkel."
    )
    make_comment(article)
    make_comment(article)
    page = soup(client.get("/artikel/jubilaeum"))

    assert page.find("link", rel="canonical")["href"] == "http://localhost/artikel/jubilaeum"
    tags = head_tags(page)
    assert tags["og:title"] == "Jubiläum"
    assert tags["og:description"] == "Fünf Jahre Zirkel."
    assert tags["og:url"] == "http://localhost/artikel/jubilaeum"
    assert tags["og:type"] == "article"
    assert tags["og:image"].startswith("http://localhost/medien/")
    assert int(tags["og:image:width"]) > 0 and int(tags["og:image:height"]) > 0
    assert tags["og:image:alt"] == article.photo_alt
    assert tags["twitter:card"] == "summary_large_image"

    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Jubiläum"
    assert data["author"] == {
        "@type": "Person",
        "name": "Erika Muster",
        "url": "http://localhost/autoren/erika",
    }
    assert data["datePublished"].endswith("Z") and data["dateModified"].endswith("Z")
    assert data["image"]["url"] == tags["og:image"]
    assert data["commentCount"] == 2


def test_nothing_typed_breaks_out_of_the_tags(client, app):
    article = make_article(
        title=BREAKOUT, teaser=BREAKOUT, photo_alt=BREAKOUT, topics=[make_topic(BREAKOUT)]
    )
    response = client.get(f"/artikel/{article.slug}")
    assert '<script>alert("x")' not in response.get_data(as_text=True)
    page = soup(response)
    assert head_tags(page)["og:title"] == BREAKOUT
    assert head_tags(page)["og:image:alt"] == BREAKOUT
    scripts = page.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["headline"] == BREAKOUT and data["keywords"] == [BREAKOUT]


def test_a_forged_host_never_reaches_another_readers_copy(client, app):
    article = make_article(slug="geteilt")
    forged = client.get("/artikel/geteilt", headers={"Host": "boese.example"})
    assert "boese.example" in forged.get_data(as_text=True)  # its own answer names its host
    honest = soup(client.get("/artikel/geteilt"))
    assert honest.find("link", rel="canonical")["href"] == "http://localhost/artikel/geteilt"
    assert "boese.example" not in str(honest)
    app.config["SITE_URL"] = "https://zirkel.example"
    configured = soup(client.get(f"/artikel/{article.slug}", headers={"Host": "boese.example"}))
    assert (
        configured.find("link", rel="canonical")["href"] == "https://zirkel.example/artikel/geteilt"
    )


# --- a WordPress site's addresses ---------------------------------------------------------------


@pytest.fixture
def imported(runner):
    result = runner.invoke(args=["import-wordpress", str(EXPORT)])
    assert result.exit_code == 0, result.output


def wordpress_post(post_id: int) -> Article:
    return db.session.scalar(select(Article).where(Article.import_key.endswith(f":post:{post_id}")))


def published_links() -> list[tuple[str, int]]:
    """(old path, WordPress id) of every published post in the fixture export."""
    text = EXPORT.read_text(encoding="utf-8")
    found = []
    for item in re.findall(r"<item>(.*?)</item>", text, re.S):
        status = re.search(r"<wp:status><!\[CDATA\[(\w+)\]\]>", item)[1]
        kind = re.search(r"<wp:post_type><!\[CDATA\[(\w+)\]\]>", item)[1]
        if kind == "post" and status == "publish":
            link = re.search(r"<link>(.*?)</link>", item)[1]
            post_id = int(re.search(r"<wp:post_id>(\d+)</wp:post_id>", item)[1])
            found.append((urlsplit(link).path, post_id))
    return found


def test_every_published_posts_old_address_answers_with_its_article(imported, client):
    links = published_links()
    assert len(links) == 5
    for path, post_id in links:
        article = wordpress_post(post_id)
        for old in (path, path.rstrip("/"), f"/?p={post_id}", f"/archives/{post_id}/"):
            response = client.get(old)
            assert response.status_code == 301, old
            assert response.headers["Location"] == f"/artikel/{article.slug}", old
        feed = client.get(path + "feed/")
        assert feed.headers["Location"] == f"/artikel/{article.slug}/kommentare/feed"
    # The other common permalink shapes find it too.
    article = wordpress_post(34)
    for old in (
        "/2019/11/21/integrationsbeirat-neuwahl/",
        "/2019/integrationsbeirat-neuwahl/",
        "/integrationsbeirat-neuwahl/",
        "/index.php/2019/11/integrationsbeirat-neuwahl/",
    ):
        assert client.get(old).headers["Location"] == f"/artikel/{article.slug}", old


def test_categories_tags_authors_feeds_and_search_move_along(imported, client):
    moved = {
        "/category/integration-teilhabe/": "/thema/integration-teilhabe",
        "/category/kultur/bibliotheken/": "/thema/bibliotheken",
        "/category/stadtrat/feed/": "/thema/stadtrat/feed",
        "/tag/oepnv/": "/thema/oepnv",
        "/?tag=radverkehr": "/thema/radverkehr",
        "/feed/": "/feed",
        "/feed/atom/": "/feed",
        "/?feed=rss2": "/feed",
        "/comments/feed/": "/kommentare/feed",
        "/?s=Haushalt+Radwege": "/suche?q=Haushalt+Radwege",
    }
    for old, new in moved.items():
        response = client.get(old)
        assert (response.status_code, response.headers.get("Location")) == (301, new), old
    author = client.get("/author/a.yilmaz/")
    assert author.status_code == 301 and author.headers["Location"].startswith("/autoren/")
    # A page's WordPress address, also under a parent page, and without the slash.
    for old in ("/ueber-uns/", "/ueber-uns", "/verein/ueber-uns/", "/impressum/"):
        response = client.get(old)
        new = "/impressum" if old == "/impressum/" else "/seite/ueber-uns"
        assert (response.status_code, response.headers.get("Location")) == (301, new), old


def test_what_is_not_published_or_not_there_stays_not_found(imported, client):
    for old in (
        "/?p=70",  # a draft
        "/?p=1",  # in the trash
        "/?p=99999",
        "/2014/03/gibt-es-nicht/",
        "/category/gibt-es-nicht/",
        "/category/%25/",  # LIKE's wildcard, as an address
        "/tag/_/",
        "/author/niemand/",
        "/keine-seite/",
        "/artikel/ueber-uns",  # a page's slug under Zirkel's own addresses
    ):
        assert client.get(old).status_code == 404, old
