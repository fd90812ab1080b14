"""The comment section as readers use it: in place with htmx, and without JavaScript."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ARTICLE_PATH = (
    "/artikel/jubilaeumsveranstaltung-des-kommunalen-qualitaetszirkels-zur-integrationspolitik"
)
LABELS = ("Name", "E-Mail", "Kommentar")
FIELD_ERRORS = {
    "Name": "Bitte geben Sie Ihren Namen ein.",
    "E-Mail": "Bitte geben Sie Ihre E-Mail-Adresse ein.",
    "Kommentar": "Bitte schreiben Sie einen Kommentar.",
}
FILL_ALL = "Bitte füllen Sie alle Felder aus."
THANKS = "Vielen Dank"
RENEWED = "Das Formular war abgelaufen. Es wurde erneuert: Bitte schicken Sie es noch einmal ab."
EMPTY_NOTICE = "Noch keine Kommentare. Schreiben Sie den ersten!"
# Tab presses allowed to reach the form from the top of the page.
MAX_TABS = 40


@pytest.fixture(scope="module")
def server(run_gunicorn, tmp_path_factory):
    """A gunicorn of its own, so these posts do not change what other modules see."""
    with run_gunicorn(tmp_path_factory.mktemp("browser-instance")) as live:
        yield live


# --- helpers -------------------------------------------------------------------------------


def count_text(n: int) -> str:
    """The heading as German readers expect it: '0 Kommentare', '1 Kommentar', '2 Kommentare'."""
    number = f"{n:,}".replace(",", ".")
    return f"{number} Kommentar" if n == 1 else f"{number} Kommentare"


def open_article(page: Page, base_url: str) -> None:
    response = page.goto(base_url + ARTICLE_PATH)
    assert response is not None and response.status == 200


def heading(page: Page):
    return page.locator("#kommentare-titel")


def comment_items(page: Page):
    return page.locator("#kommentar-liste > li")


def current_count(page: Page) -> int:
    """The count the heading shows, checked to be worded correctly."""
    text = heading(page).inner_text().strip()
    n = int(text.split()[0].replace(".", ""))
    assert text == count_text(n)
    return n


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def fill_comment(page: Page, name: str = "", email: str = "", text: str = "") -> None:
    for label, value in zip(LABELS, (name, email, text), strict=True):
        field(page, label).fill(value)


def submit(page: Page) -> None:
    page.get_by_role("button", name="Kommentar abschicken").click()


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


@contextmanager
def same_document(page: Page) -> Iterator[None]:
    """Assert that what happens inside neither reloads the page nor navigates it."""
    navigations: list[str] = []

    def record(frame) -> None:
        if frame == page.main_frame:
            navigations.append(frame.url)

    page.evaluate("window.__marker = 42")
    page.on("framenavigated", record)
    try:
        yield
    finally:
        page.remove_listener("framenavigated", record)
    assert page.evaluate("window.__marker") == 42, "the page was reloaded"
    assert navigations == [], f"the page navigated to {navigations}"


# --- in place, with JavaScript -------------------------------------------------------------


def test_posting_updates_list_and_count_without_reload(page, run_gunicorn, tmp_path):
    """A posted comment appears in place, the count turns singular and the form empties."""
    with run_gunicorn(tmp_path, workers=1) as fresh:
        open_article(page, fresh.url)
        expect(heading(page)).to_have_text("0 Kommentare")
        expect(page.get_by_text(EMPTY_NOTICE)).to_be_visible()

        with same_document(page):
            fill_comment(page, "Erika Mustermann", "erika@example.org", "Schöne Feier!")
            submit(page)

            expect(comment_items(page)).to_have_count(1)
            comment = comment_items(page).first
            expect(comment.locator(".comment-author")).to_have_text("Erika Mustermann")
            expect(comment.locator(".comment-text")).to_have_text("Schöne Feier!")
            expect(heading(page)).to_have_text("1 Kommentar")
            expect(page.get_by_role("status")).to_contain_text(THANKS)
            expect(page.get_by_text(EMPTY_NOTICE)).to_have_count(0)
            for label in LABELS:
                expect(field(page, label)).to_have_value("")
        expect(comment).not_to_contain_text("erika@example.org")


def test_empty_form_shows_errors_in_place(page, server):
    """An empty post marks every field and names the problem, without reload or new comment."""
    open_article(page, server.url)
    before = current_count(page)
    items_before = comment_items(page).count()

    with same_document(page):
        submit(page)

        form = page.locator("#kommentar-formular")
        expect(form.get_by_text(FILL_ALL, exact=True)).to_be_visible()
        for label, message in FIELD_ERRORS.items():
            expect(field(page, label)).to_have_attribute("aria-invalid", "true")
            expect(field(page, label)).to_have_accessible_description(
                re.compile(re.escape(message))
            )
            expect(form.locator(".field-error", has_text=message)).to_be_visible()
    expect(heading(page)).to_have_text(count_text(before))
    expect(comment_items(page)).to_have_count(items_before)


def test_in_place_error_keeps_what_was_typed(page, server):
    """With only the name filled in, the error comes back with the name still there."""
    open_article(page, server.url)
    before = current_count(page)

    with same_document(page):
        fill_comment(page, name="Max Mustermann")
        submit(page)

        expect(
            page.locator("#kommentar-formular").get_by_text(FILL_ALL, exact=True)
        ).to_be_visible()
        expect(field(page, "Name")).to_have_value("Max Mustermann")
        expect(field(page, "Name")).to_have_attribute("aria-invalid", "false")
        expect(field(page, "E-Mail")).to_have_attribute("aria-invalid", "true")
        expect(field(page, "Kommentar")).to_have_attribute("aria-invalid", "true")
        # The first field to correct has the focus.
        expect(field(page, "E-Mail")).to_be_focused()
    expect(heading(page)).to_have_text(count_text(before))


def test_markup_in_comments_is_shown_as_text(page, server):
    """Markup in name and comment shows literally, in place and after a reload, and never runs."""
    name = "<script>window.__xss=1</script>"
    text = '<img src=x onerror="window.__xss=2">'
    open_article(page, server.url)

    def assert_shown_as_text() -> None:
        comment = comment_items(page).filter(has_text=text)
        expect(comment).to_have_count(1)
        expect(comment.locator(".comment-author")).to_have_text(name)
        expect(comment.locator(".comment-text")).to_have_text(text)
        assert name in comment.inner_text() and text in comment.inner_text()
        expect(page.locator(".comment-text img")).to_have_count(0)
        expect(page.locator("#kommentar-liste script")).to_have_count(0)
        assert page.evaluate("typeof window.__xss") == "undefined"

    fill_comment(page, name, "markup@example.org", text)
    submit(page)
    expect(page.get_by_role("status")).to_contain_text(THANKS)
    assert_shown_as_text()

    page.reload()
    assert_shown_as_text()


def test_load_new_comments_shows_comments_posted_elsewhere(page, new_page, server):
    """'Neue Kommentare laden' brings in another reader's comment and count, without reload."""
    open_article(page, server.url)
    before = current_count(page)
    text = unique("Von nebenan")

    other = new_page()
    open_article(other, server.url)
    fill_comment(other, "Nachbarin", "nachbarin@example.org", text)
    submit(other)
    expect(comment_items(other).filter(has_text=text)).to_have_count(1)

    expect(comment_items(page).filter(has_text=text)).to_have_count(0)
    with same_document(page):
        page.get_by_role("link", name="Neue Kommentare laden").click()
        expect(comment_items(page).filter(has_text=text)).to_have_count(1)
        expect(heading(page)).to_have_text(count_text(before + 1))


def test_expired_form_is_renewed_with_the_text_kept(page, server):
    """A post refused for its token says so above the form, keeps what was typed and
    renews the form, so sending it again works."""
    open_article(page, server.url)
    before = current_count(page)
    text = unique("Zu spät")
    page.evaluate(
        """() => {
            const form = document.querySelector("#kommentar-formular");
            form.setAttribute("hx-headers", JSON.stringify({"X-Form-Token": "x"}));
            form.querySelector("input[name=csrf_token]").value = "x";
        }"""
    )

    with same_document(page):
        fill_comment(page, "Abgelaufen", "alt@example.org", text)
        submit(page)

        expect(page.locator("#kommentar-status")).to_contain_text(RENEWED)
        expect(page.locator("#kommentar-status .meldung")).to_be_focused()
        expect(field(page, "Kommentar")).to_have_value(text)
        expect(heading(page)).to_have_text(count_text(before))
        submit(page)
        expect(comment_items(page).filter(has_text=text)).to_have_count(1)
    expect(heading(page)).to_have_text(count_text(before + 1))


def test_form_can_be_filled_and_sent_with_the_keyboard_only(page, server):
    """Tab reaches the fields in order, and Enter on the button posts the comment."""
    open_article(page, server.url)
    before = current_count(page)
    text = unique("Nur Tastatur")

    name = field(page, "Name")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if name.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail(f"{MAX_TABS} presses of Tab did not reach the name field")

    page.keyboard.type("Tastatur Nutzerin")
    page.keyboard.press("Tab")
    expect(field(page, "E-Mail")).to_be_focused()
    page.keyboard.type("tastatur@example.org")
    page.keyboard.press("Tab")
    expect(field(page, "Kommentar")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name und E-Mail für den nächsten Kommentar merken")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Kommentar abschicken")).to_be_focused()
    page.keyboard.press("Enter")

    expect(comment_items(page).filter(has_text=text)).to_have_count(1)
    expect(heading(page)).to_have_text(count_text(before + 1))
    expect(page.get_by_role("status")).to_contain_text(THANKS)


def test_article_page_loads_nothing_from_other_hosts(page, server):
    """Every request the article page makes goes to the site itself."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    open_article(page, server.url)
    page.wait_for_load_state("networkidle")

    assert server.url + ARTICLE_PATH in urls
    assert [url for url in urls if not url.startswith(server.url + "/")] == []


# --- without JavaScript --------------------------------------------------------------------


def test_without_javascript_posting_lands_on_the_new_comment(new_page, server):
    """A plain form post redirects to the article at the new comment, with the thanks shown."""
    page = new_page(java_script_enabled=False)
    open_article(page, server.url)
    before = current_count(page)
    text = unique("Ohne Skript")

    fill_comment(page, "Klassisch", "klassisch@example.org", text)
    with page.expect_navigation() as navigation:
        submit(page)

    response = navigation.value
    assert response is not None and response.status == 200
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.method == "POST"
    expect(page).to_have_url(re.compile(re.escape(server.url + ARTICLE_PATH) + r"#kommentar-\d+$"))
    comment = page.locator("#" + page.url.rpartition("#")[2])
    expect(comment.locator(".comment-text")).to_have_text(text)
    expect(comment.locator(".comment-author")).to_have_text("Klassisch")
    expect(comment).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text(THANKS)
    expect(heading(page)).to_have_text(count_text(before + 1))


def test_without_javascript_an_empty_post_gets_the_error_page(new_page, server):
    """A plain empty post answers 422 with the page, its messages and no new comment."""
    page = new_page(java_script_enabled=False)
    open_article(page, server.url)
    before = current_count(page)

    with page.expect_navigation() as navigation:
        submit(page)

    response = navigation.value
    assert response is not None and response.status == 422
    expect(page).to_have_url(server.url + ARTICLE_PATH + "/kommentare")
    expect(page.locator("#kommentar-formular").get_by_text(FILL_ALL, exact=True)).to_be_visible()
    for label, message in FIELD_ERRORS.items():
        expect(field(page, label)).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field-error", has_text=message)).to_be_visible()
    expect(heading(page)).to_have_text(count_text(before))
