"""Commands for people who run Zirkel."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import make_article
from helpers import soup
from webapp import demo
from webapp.extensions import db
from webapp.models import Article


def test_seed_demo_loads_the_seed_article_into_an_empty_database(runner, client):
    result = runner.invoke(args=["seed-demo"])

    assert "Loaded the demo article." in result.output
    page = soup(client.get(f"/artikel/{demo.SLUG}"))
    assert page.find("h1").get_text() == demo.TITLE
    assert "24. März 2014" in page.select_one(".article .meta").get_text()
    assert page.select_one(".article .meta a").get_text() == "Redaktion"
    paragraphs = page.select(".article .body p")
    assert len(paragraphs) == 5
    assert paragraphs[0].get_text().startswith("„Deutschland ist auf dem Weg")
    assert (
        page.select_one(".author-box")
        .get_text(" ", strip=True)
        .startswith("Über den Autor Redaktion Betreut das Portal „Wegweiser-Kommune.de“")
    )
    assert page.select_one("figure.photo img")["alt"]
    assert page.find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    with client.get(page.select_one("figure.photo img")["src"]) as photo:
        assert (photo.status_code, photo.mimetype) == (200, "image/jpeg")


def test_seed_demo_loads_nothing_when_there_are_articles(runner, app):
    make_article()
    result = runner.invoke(args=["seed-demo"])

    assert "loaded nothing" in result.output
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1
    runner.invoke(args=["seed-demo"])
    assert db.session.scalar(select(Article).where(Article.slug == demo.SLUG)) is None
