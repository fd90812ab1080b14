"""The language switch, as a reader uses it in Chromium: without JavaScript, by keyboard,
with a comment posted in English, and no cookie before the click."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEED_TITLE = "Jubiläumsveranstaltung des Kommunalen Qualitätszirkels zur Integrationspolitik"


@pytest.fixture(scope="module")
def server(run_gunicorn, tmp_path_factory):
    """`make run`'s site: the seed article."""
    with run_gunicorn(tmp_path_factory.mktemp("language-instance")) as live:
        yield live


def test_the_switch_works_without_javascript_and_is_kept(new_page, server):
    page = new_page(java_script_enabled=False)
    page.goto(server.url + "/")
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.get_by_role("heading", name="0 Kommentare")).to_be_visible()
    assert page.context.cookies() == [], "reading sets no cookie"

    page.get_by_role("button", name="English").click()
    # Back on the same page, now in English, and so on every page after it.
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    assert [c["name"] for c in page.context.cookies()] == ["zirkel_sprache"]

    form = page.locator("#kommentar-formular")
    form.get_by_role("button", name="Submit comment").click()
    expect(form.locator(".error-summary")).to_contain_text("Please fill in all fields.")
    form.get_by_label("Name", exact=True).fill("Ann")
    form.get_by_label("E-mail", exact=True).fill("ann@example.org")
    form.get_by_label("Comment", exact=True).fill("Thanks for the summary.")
    form.get_by_role("button", name="Submit comment").click()
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()

    page.get_by_role("link", name="Topics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Topics")
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Themen")
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_a_browser_asking_for_english_gets_english_and_the_switch_by_keyboard(new_page, server):
    page = new_page(locale="en-US")
    page.goto(server.url + "/themen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Topics")
    switch = page.get_by_role("button", name="Deutsch")
    expect(switch).to_have_attribute("lang", "de")
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Themen")
    expect(page).to_have_url(server.url + "/themen")
