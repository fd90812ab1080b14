"""Finding things, as a reader does in Chromium: the search field on any page, with and
without JavaScript; a topic's page; the new pages checked by axe."""

from __future__ import annotations

import pytest
from accessibility import serious_violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEED_TITLE = "Jubiläumsveranstaltung des Kommunalen Qualitätszirkels zur Integrationspolitik"


@pytest.fixture(scope="module")
def server(run_gunicorn, tmp_path_factory):
    """`make run`'s site: the seed article, filed under "Integration"."""
    with run_gunicorn(tmp_path_factory.mktemp("finding-instance")) as live:
        yield live


@pytest.mark.parametrize("javascript", [True, False], ids=["JavaScript", "no JavaScript"])
@pytest.mark.parametrize("query", ["willkommenskultur", "Qualitatszirkel"])
def test_a_reader_finds_the_seed_article_from_the_search_on_any_page(
    new_page, server, javascript, query
):
    page = new_page(java_script_enabled=javascript)
    for start in ("/", "/themen"):
        page.goto(server.url + start)
        search = page.get_by_role("search")
        search.get_by_label("Suche").fill(query)
        search.get_by_label("Suche").press("Enter")
        expect(page.get_by_role("status")).to_have_text(f"1 Artikel passt zu „{query}“.")
        page.get_by_role("link", name=SEED_TITLE).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)


def test_on_the_results_page_htmx_puts_new_results_in_place(page, server):
    page.goto(server.url + "/suche?q=Fahrradstra%C3%9Fe")
    expect(page.get_by_role("status")).to_contain_text("Kein Artikel passt")
    page.evaluate("window.untouched = true")  # gone if the page were loaded anew
    field = page.locator("#suche-q")
    field.fill("Kommunen")
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_role("status")).to_have_text("1 Artikel passt zu „Kommunen“.")
    assert page.evaluate("window.untouched") is True
    expect(page).to_have_url(server.url + "/suche?q=Kommunen")
    expect(page.locator(".search-hit mark").first).to_contain_text("Kommun")


def test_a_reader_reaches_the_seed_article_from_its_topic(page, server):
    page.goto(server.url + "/")
    page.get_by_role("link", name="Themen").click()
    page.get_by_role("link", name="Integration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integration")
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)
    page.locator("article").get_by_role("link", name="Integration").click()
    expect(page).to_have_url(server.url + "/thema/integration")


def test_axe_finds_no_serious_violation_on_the_pages_to_find_things(page, server):
    found = {}
    for name, path in (
        ("front page with the search field", "/"),
        ("topics", "/themen"),
        ("topic", "/thema/integration"),
        ("authors", "/autoren"),
        ("results", "/suche?q=Integration"),
        ("no results", "/suche?q=xyzzy"),
        ("empty search", "/suche"),
    ):
        page.goto(server.url + path)
        found[name] = serious_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
