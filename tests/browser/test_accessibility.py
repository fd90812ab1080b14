"""Accessibility, measured in Chromium in German and in English: axe-core on every public
page type and every editorial page (the editorial list is test_editorial_layout's, which
keeps it complete); reflow at 200 % zoom (a 640 CSS px wide viewport, as a 1280 px window
shows it zoomed) and at 320 px, with long names, words and addresses; a visible focus on
everything the keyboard reaches; no motion for readers who asked for none."""

from __future__ import annotations

import pytest
from accessibility import serious_violations
from layout import LONG_ADDRESS, LONG_NAME, LONG_WORD, sticking_out, widest
from playwright.sync_api import Page, expect

# Every editorial GET page, with long things in it: the layout test's list, kept complete there.
from test_editorial_layout import editorial_pages  # noqa: F401 (a fixture)

from apps import make_app
from editorial_helpers import PASSWORD
from factories import make_article, make_author, make_comment, make_topic
from webapp.extensions import db
from webapp.pages import Page as SitePage

pytestmark = pytest.mark.browser

# 200 % zoom of a 1280 px window, and the narrowest width content must reflow to (WCAG 1.4.10).
ZOOMED, NARROWEST = 640, 320
# What each language says when the comment form is sent empty: proof the page is in it.
FILL_IN = {"de": "Bitte füllen Sie alle Felder aus", "en": "Please fill in all fields"}
LANGUAGES = pytest.mark.parametrize("language", ["de", "en"])


@pytest.fixture(scope="module")
def server(run_gunicorn, tmp_path_factory):
    with run_gunicorn(tmp_path_factory.mktemp("accessibility")) as live:
        yield live


@pytest.fixture(scope="module")
def site(server, tmp_path_factory):
    """An app on the live server's database, with its secret (for the links it signs)."""
    app = make_app(tmp_path_factory.mktemp("accessibility-app"), DATABASE_URL=server.database_url)
    app.config["SECRET_KEY"] = (server.instance / "secret_key").read_text().strip()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def public_pages(site) -> dict[str, str]:
    """Every page type a reader sees, each with long things in it; by name."""
    with site.app_context():
        author = make_author(name=LONG_NAME, slug="barrierefrei", bio=LONG_WORD)
        topic = make_topic(
            ("Barrierefrei" + LONG_WORD)[:100], slug="barrierefreies-thema", description=LONG_WORD
        )
        article = make_article(
            author=author,
            title=LONG_WORD,
            teaser=LONG_WORD,
            body=f"{LONG_WORD}\n\n{LONG_ADDRESS}",
            topics=[topic],
        )
        first = make_comment(article, name=LONG_NAME, text=f"{LONG_WORD} {LONG_ADDRESS}")
        reply = make_comment(article, parent=first, name=LONG_NAME, text=LONG_WORD)
        make_comment(article, parent=reply, text=f"> {LONG_WORD}\n\n*Ja*, `{LONG_ADDRESS}`")
        make_comment(article, text="Ein zweiter Faden")
        db.session.add(
            SitePage(title=LONG_WORD, slug="ueber-uns", body=f"{LONG_WORD} {LONG_ADDRESS}")
        )
        db.session.commit()
        slug, first_id = article.slug, first.id
        db.session.remove()
    return {
        "front page": "/",
        "article with comments and replies": f"/artikel/{slug}",
        "author": "/autoren/barrierefrei",
        "topic": "/thema/barrierefreies-thema",
        "topics": "/themen",
        "authors": "/autoren",
        "search results": f"/suche?q={LONG_WORD[:40]}",
        "no search results": "/suche?q=xyzzy",
        "legal notice": "/impressum",
        "privacy": "/datenschutz",
        "another page": "/seite/ueber-uns",
        "my data": "/meine-daten",
        "comment permalink": f"/kommentare/{first_id}",
        "reply page": f"/kommentare/{first_id}/antworten",
        "not found": "/gibt-es-nicht",
    }


def in_language(new_page, base: str, language: str, **options) -> Page:
    """A page in `language`: German by default; English as a reader chooses it, by the
    button in the footer (kept in a cookie for every page that follows)."""
    page = new_page(**options)
    if language != "de":
        page.goto(base + "/")
        page.locator(f".language-switch button[value={language}]").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    return page


def send_comment_form_empty(page: Page, language: str) -> None:
    """The comment form's error state: sent empty, in place (htmx answers 422)."""
    form = page.locator("#kommentar-formular")
    form.locator("#kommentar-abschicken").click()
    expect(form.locator(".error-summary")).to_contain_text(FILL_IN[language])
    expect(form.locator("#name")).to_be_focused()  # the first field to correct


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/verwaltung/anmelden")
    page.locator("#email").fill("lang@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(base + "/verwaltung/")


# --- axe-core: no serious or critical violation --------------------------------------------


@LANGUAGES
def test_axe_finds_nothing_serious_on_any_public_page(new_page, server, public_pages, language):
    page = in_language(new_page, server.url, language)
    found = {}
    for name, path in public_pages.items():
        response = page.goto(server.url + path)
        assert response is not None
        assert response.status == (404 if name == "not found" else 200), path
        expect(page.locator("html")).to_have_attribute("lang", language)
        found[name] = serious_violations(page)
        if name == "article with comments and replies":
            send_comment_form_empty(page, language)
            found["comment form with its errors"] = serious_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


@LANGUAGES
def test_axe_finds_nothing_serious_on_any_editorial_page(
    new_page,
    server,
    editorial_pages,  # noqa: F811 (the fixture imported above)
    language,
):
    page = in_language(new_page, server.url, language)
    log_in(page, server.url)
    found = {}
    for endpoint, path in editorial_pages.items():
        response = page.goto(server.url + path)
        assert response is not None and response.status < 400, (endpoint, response.status)
        found[endpoint] = serious_violations(page)
    page.goto(server.url + editorial_pages["editorial.new_article"])
    page.locator("main form button[name=aktion][value=speichern]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    found["article form with its errors"] = serious_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


# --- reflow: 200 % zoom and 320 px, nothing scrolls sideways ---------------------------------


@LANGUAGES
def test_public_pages_reflow_at_200_percent_zoom_and_at_320_px(
    new_page, server, public_pages, language
):
    too_wide = {}
    for width in (ZOOMED, NARROWEST):
        page = in_language(new_page, server.url, language, viewport={"width": width, "height": 800})
        for name, path in public_pages.items():
            page.goto(server.url + path)
            if name == "article with comments and replies":
                send_comment_form_empty(page, language)
            if widest(page) > width:
                too_wide[f"{name} at {width} px"] = (widest(page), sticking_out(page))
    assert too_wide == {}, "\n".join(f"{k}: {v}" for k, v in too_wide.items())


# --- focus: whatever the keyboard reaches shows it ------------------------------------------

# The focused element (null once the focus is back on the page or where it was before) and
# whether it shows its focus: an outline or a box shadow at least 2 px wide, whose colour
# stands out 3:1 from what is behind the element (WCAG 1.4.11, 2.4.7).
FOCUS_INDICATOR = """() => {
    const e = document.activeElement;
    if (e === document.body || e.dataset.tabbed) return [null, false];
    e.dataset.tabbed = "1";
    const rgb = colour => (colour.match(/[\\d.]+/g) || []).map(Number);
    const linear = v => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    const luminance = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    const contrast = (a, b) => {
        const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (light + 0.05) / (dark + 0.05);
    };
    let behind = [255, 255, 255];
    for (let p = e.parentElement; p; p = p.parentElement) {
        const colour = rgb(getComputedStyle(p).backgroundColor);
        if (colour.length === 3 || colour[3] > 0) { behind = colour; break; }
    }
    const style = getComputedStyle(e);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
        && contrast(rgb(style.outlineColor), behind) >= 3;
    const rings = style.boxShadow === "none" ? [] : style.boxShadow.split(/,(?![^(]*\\))/);
    const shadow = rings.some(ring => {
        const colour = ring.match(/rgba?\\([^)]*\\)/);
        const spread = ring.match(/(-?[\\d.]+)px(?!.*px)/);
        return colour && spread && parseFloat(spread[1]) >= 2
            && contrast(rgb(colour[0]), behind) >= 3;
    });
    const text = (e.textContent || e.name || "").trim().slice(0, 30);
    return [`${e.tagName.toLowerCase()}#${e.id}.${e.className} ${text}`, outline || shadow];
}"""


def tab_through(page: Page) -> tuple[list[str], list[str]]:
    """Tab on to the page's end: what got the focus, and what showed no sign of it."""
    page.evaluate(
        "document.querySelectorAll('[data-tabbed]').forEach(e => delete e.dataset.tabbed)"
    )
    reached, unmarked = [], []
    for _ in range(300):
        page.keyboard.press("Tab")
        name, marked = page.evaluate(FOCUS_INDICATOR)
        if name is None:
            break
        reached.append(name)
        if not marked:
            unmarked.append(name)
    return reached, unmarked


def test_every_element_the_keyboard_reaches_shows_its_focus(page, server, public_pages):
    for path in ("/", public_pages["article with comments and replies"]):
        page.goto(server.url + path)
        reached, unmarked = tab_through(page)
        assert len(reached) > 10, reached
        assert unmarked == [], path
    # The comment form, with its errors, and the reply form the keyboard opens.
    send_comment_form_empty(page, "de")
    # Tab on from the first field once htmx has settled every swap of the answer (on a
    # busy machine a late swap took the focus away from under the keyboard).
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    page.locator("#kommentar-formular #name").focus()
    reached, unmarked = tab_through(page)
    assert any("kommentar-abschicken" in name for name in reached), reached
    assert unmarked == []
    page.locator("a.reply-link").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".reply-form h3")).to_be_focused()
    reached, unmarked = tab_through(page)
    assert any(".cancel" in name for name in reached), reached
    assert unmarked == []


# --- motion: none for readers who asked for none ---------------------------------------------

# Every scroll a script asks for, with its options (smooth would move the page on its own).
RECORD_SCROLLS = """
window.scrolls = [];
for (const [owner, method] of [[Element.prototype, "scrollIntoView"], [window, "scrollTo"],
                               [window, "scrollBy"], [Element.prototype, "scrollTo"]]) {
  const original = owner[method];
  owner[method] = function (...args) {
    window.scrolls.push(JSON.stringify(args));
    return original.apply(this, args);
  };
}
"""
# What moves on the page: every element's running animations and transitions, the scrolling.
MOTION = """() => {
    const moving = [];
    for (const e of [document.documentElement, ...document.querySelectorAll("body, body *")]) {
        const s = getComputedStyle(e);
        const seconds = value => Math.max(...value.split(",").map(parseFloat));
        if (s.animationName !== "none" && seconds(s.animationDuration) > 0.01)
            moving.push(`${e.tagName}.${e.className}: animation ${s.animationName}`);
        if (seconds(s.transitionDuration) > 0.01)
            moving.push(`${e.tagName}.${e.className}: transition ${s.transitionProperty}`);
        if (s.scrollBehavior === "smooth")
            moving.push(`${e.tagName}.${e.className}: smooth scrolling`);
    }
    return moving;
}"""


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_nothing_moves_for_a_reader_who_asked_for_reduced_motion(
    new_page, server, public_pages, motion
):
    page = new_page(reduced_motion=motion)
    page.add_init_script(RECORD_SCROLLS)
    page.goto(server.url + public_pages["article with comments and replies"])
    # A new comment is marked in place (htmx-added, for as long as htmx settles it).
    page.locator(".comment").first.evaluate("element => element.classList.add('htmx-added')")
    moving = page.evaluate(MOTION)
    # The reply form opened in place, the form's errors, a comment posted: all in place.
    page.locator("a.reply-link").first.click()
    expect(page.locator(".reply-form")).to_be_visible()
    send_comment_form_empty(page, "de")
    form = page.locator("#kommentar-formular")
    form.locator("#name").fill("Ruhig")
    form.locator("#email").fill("ruhig@example.org")
    form.locator("#text").fill("Ohne Bewegung")
    form.locator("#kommentar-abschicken").click()
    expect(page.locator(".comment-text", has_text="Ohne Bewegung")).to_be_visible()
    moving += page.evaluate(MOTION)
    smooth = [call for call in page.evaluate("window.scrolls") if "smooth" in call]
    if motion == "reduce":
        assert moving == [] and smooth == []
    else:  # the check sees motion where there is some: the new comment's highlight
        assert any("animation appear" in what for what in moving), moving
