"""The discussion stays true in every state: two tabs, older pages, permalinks, held
comments, refusals, messages and layout, in Chromium with JavaScript on and off."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from accessibility import serious_violations
from layout import (
    DESKTOP,
    LONG_ADDRESS,
    LONG_NAME,
    LONG_WORD,
    PHONE,
    sticking_out,
    widest,
)
from playwright.sync_api import Page, expect
from sqlalchemy import select

from apps import make_app
from editorial_helpers import PASSWORD, make_user
from factories import make_article, make_author, make_comment, make_topic
from mailserver import MailServer
from webapp.extensions import db
from webapp.models import Article, Comment, Role, utcnow
from webapp.site_settings import set_setting

pytestmark = pytest.mark.browser

PER_PAGE = 5
THANKS = "Vielen Dank! Ihr Kommentar ist veröffentlicht."
HELD = "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet."
WAITING = "Ihr Kommentar wartet auf Freigabe."
DUPLICATE = "Diesen Kommentar haben Sie bereits abgeschickt."
EMPTY_NOTICE = "Noch keine Kommentare. Schreiben Sie den ersten!"


@pytest.fixture(scope="module")
def server(run_gunicorn, tmp_path_factory):
    """A gunicorn of its own with small pages of comments, so pages are quick to fill, and
    avatars shown (so every state of the discussion is seen with them too)."""
    instance = tmp_path_factory.mktemp("discussion-instance")
    with run_gunicorn(
        instance, ZIRKEL_COMMENTS_PER_PAGE=str(PER_PAGE), ZIRKEL_AVATARS="true"
    ) as live:
        yield live


class Site:
    """The live server's database, written as the tests need it (the server reads the
    versions on every request, so it shows every change at once)."""

    def __init__(self, app) -> None:
        self.app = app

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self.app.app_context():
            yield
            db.session.remove()

    def article(self, comments: int = 0, **fields) -> str:
        """A new article with `comments` comments ("Nr. 1" is the oldest); its path."""
        with self.writing():
            article = make_article(photo=None, **fields)
            start = utcnow() - timedelta(days=1)
            for n in range(1, comments + 1):
                make_comment(article, text=f"Nr. {n}", created_at=start + timedelta(minutes=n))
            return f"/artikel/{article.slug}"

    def comment(self, path: str, reply_to: int | None = None, **fields) -> int:
        with self.writing():
            article = db.session.scalar(select(Article).where(Article.slug == slug_of(path)))
            if reply_to is not None:
                fields["parent"] = db.session.get(Comment, reply_to)
            return make_comment(article, **fields).id

    def comment_ids(self, path: str) -> list[int]:
        with self.writing():
            return list(
                db.session.scalars(
                    select(Comment.id)
                    .join(Article)
                    .where(Article.slug == slug_of(path))
                    .order_by(Comment.created_at)
                )
            )

    def setting(self, key: str, value) -> None:
        with self.writing():
            set_setting(key, value)
            db.session.commit()


def slug_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


@pytest.fixture
def site(server, tmp_path) -> Iterator[Site]:
    app = make_app(tmp_path, DATABASE_URL=server.database_url)
    yield Site(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def phone_page(new_page):
    def open_page(**options) -> Page:
        return new_page(viewport={"width": PHONE, "height": 800}, **options)

    return open_page


def items(page: Page):
    return page.locator("#kommentar-liste > li")


def texts(page: Page) -> list[str]:
    return items(page).locator(".comment-text").all_inner_texts()


def write(page: Page, name: str, text: str, email: str = "leserin@example.org") -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-Mail", exact=True).fill(email)
    page.get_by_label("Kommentar", exact=True).fill(text)
    page.get_by_role("button", name="Kommentar abschicken").click()


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement.id")


# --- the list never contradicts itself ----------------------------------------------------


def test_a_post_in_the_second_tab_shows_what_the_first_tab_posted(new_page, server, site):
    path = site.article()
    first, second = new_page(), new_page()
    for tab in (first, second):
        tab.goto(server.url + path)
        expect(tab.get_by_text(EMPTY_NOTICE)).to_be_visible()

    write(first, "Tab eins", "Aus dem ersten Tab")
    expect(items(first)).to_have_count(1)
    write(second, "Tab zwei", "Aus dem zweiten Tab")

    expect(items(second)).to_have_count(2)
    assert texts(second) == ["Aus dem ersten Tab", "Aus dem zweiten Tab"]
    expect(second.locator("#kommentar-anzahl")).to_have_text("2 Kommentare")
    expect(second.get_by_text(EMPTY_NOTICE)).to_have_count(0)
    # The focus is on the comment just posted.
    expect(items(second).last).to_be_focused()


def test_older_comments_stay_open_when_new_ones_are_loaded(page, server, site):
    path = site.article(comments=8)
    page.goto(server.url + path)
    assert texts(page) == [f"Nr. {n}" for n in range(4, 9)]

    page.get_by_role("link", name="Ältere Kommentare anzeigen").click()
    expect(items(page)).to_have_count(8)
    expect(items(page).first).to_be_focused()
    expect(page.locator("#kommentar-status")).to_have_text("3 ältere Kommentare werden angezeigt.")

    site.comment(path, text="Nr. 9")
    page.get_by_role("link", name="Neue Kommentare laden").click()
    expect(items(page)).to_have_count(9)
    assert texts(page) == [f"Nr. {n}" for n in range(1, 10)]
    expect(page.locator("#kommentar-status")).to_have_text("1 neuer Kommentar.")
    expect(page.locator("#kommentar-anzahl")).to_have_text("9 Kommentare")

    page.get_by_role("link", name="Neue Kommentare laden").click()
    expect(page.locator("#kommentar-status")).to_have_text("Keine neuen Kommentare.")
    expect(items(page)).to_have_count(9)

    # A post keeps them open too.
    write(page, "Nummer zehn", "Nr. 10")
    expect(items(page)).to_have_count(10)


@pytest.mark.parametrize("javascript", [True, False], ids=["JavaScript", "no JavaScript"])
def test_an_old_comments_date_links_to_where_it_is_shown_and_marked(
    new_page, server, site, javascript
):
    path = site.article(comments=3 * PER_PAGE)
    second = site.comment_ids(path)[1]
    page = new_page(java_script_enabled=javascript)
    page.goto(server.url + path)
    # It is long off the article page; its permalink still finds it.
    expect(page.locator(f"#kommentar-{second}")).to_have_count(0)
    page.goto(f"{server.url}/kommentare/{second}#kommentar-{second}")

    comment = page.locator(f"#kommentar-{second}")
    expect(comment.locator(".comment-text")).to_have_text("Nr. 2")
    expect(comment).to_be_in_viewport()
    assert comment.evaluate("element => element.matches(':target')")
    body = comment.locator(":scope > .comment-body")
    assert body.evaluate("element => getComputedStyle(element).outlineStyle") != "none"

    # Its date is the same address, and a recent comment's leads to the article page.
    newest = site.comment_ids(path)[-1]
    page.goto(server.url + path)
    page.locator(f"#kommentar-{newest} a.comment-date").click()
    expect(page).to_have_url(re.compile(rf"/kommentare/{newest}#kommentar-{newest}$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator(f"#kommentar-{newest}").evaluate("element => element.matches(':target')")


def test_a_comment_that_is_not_visible_gets_a_clear_page(page, server, site):
    path = site.article()
    held = site.comment(path, status="pending", text="Wartet")
    response = page.goto(f"{server.url}/kommentare/{held}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommentar nicht sichtbar")
    page.get_by_role("link", name=re.compile("^Zu den Kommentaren zu")).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}#kommentare$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["JavaScript", "no JavaScript"])
def test_a_held_comment_is_shown_to_its_author_and_nobody_else(new_page, server, site, javascript):
    path = site.article()
    site.setting("moderation", "all")
    try:
        author = new_page(java_script_enabled=javascript)
        author.goto(server.url + path)
        write(author, "Geduldig", "Bitte freischalten")

        expect(author.locator("#kommentar-status")).to_contain_text(HELD)
        waiting = author.locator(".comment-waiting", has_text="Bitte freischalten")
        expect(waiting).to_contain_text(WAITING)
        author.reload()
        expect(waiting).to_contain_text(WAITING)

        other = new_page(java_script_enabled=javascript)
        other.goto(server.url + path)
        expect(other.locator("#kommentar-liste")).not_to_contain_text("Bitte freischalten")
        expect(other.locator("#kommentar-anzahl")).to_have_text("0 Kommentare")
    finally:
        site.setting("moderation", "off")


def test_a_closed_article_does_not_invite_comments(page, server, site):
    path = site.article(comments_open=False)
    page.goto(server.url + path)
    section = page.locator("#kommentare")
    expect(section).to_contain_text("Die Kommentare zu diesem Artikel sind geschlossen.")
    expect(section).not_to_contain_text("Schreiben Sie den ersten")
    expect(section.get_by_role("link", name="Neue Kommentare laden")).to_have_count(0)
    expect(section.get_by_role("button", name="Kommentar abschicken")).to_have_count(0)


# --- replies -----------------------------------------------------------------------------------


def reply_form(page: Page, comment_id: int):
    return page.locator(f"#antwort-formular-{comment_id}")


def test_a_reply_in_place_nests_under_its_comment(page, server, site):
    path = site.article(comments=2)
    first = site.comment_ids(path)[0]
    page.goto(server.url + path)
    with_link = page.locator(f"#kommentar-{first}")

    with_link.get_by_role("link", name="Antworten").click()
    form = reply_form(page, first)
    expect(form.get_by_role("heading")).to_be_focused()
    expect(form.get_by_role("heading")).to_have_text(re.compile("^Antwort an "))
    # "Antworten" again goes to the open form instead of opening a second one.
    with_link.get_by_role("link", name="Antworten").first.click()
    expect(page.locator(".reply-form")).to_have_count(1)

    form.get_by_label("Name", exact=True).fill("Antwortende")
    form.get_by_label("E-Mail", exact=True).fill("antwort@example.org")
    form.get_by_label("Kommentar", exact=True).fill("Eine Antwort darauf")
    form.get_by_role("button", name="Antwort abschicken").click()

    nested = page.locator(f"#kommentar-{first} > ol.replies > li")
    expect(nested).to_have_count(1)
    expect(nested.locator(".comment-text")).to_have_text("Eine Antwort darauf")
    expect(nested).to_be_focused()
    expect(page.locator(".reply-form")).to_have_count(0)
    expect(page.locator("#kommentar-anzahl")).to_have_text("3 Kommentare")
    # The main form is untouched.
    expect(page.locator("#kommentar-formular").get_by_label("Name", exact=True)).to_have_value("")


def test_a_reply_form_can_be_put_away_and_its_errors_stay_in_it(page, server, site):
    path = site.article(comments=1)
    first = site.comment_ids(path)[0]
    page.goto(server.url + path)
    page.locator(f"#kommentar-{first}").get_by_role("link", name="Antworten").click()
    form = reply_form(page, first)
    form.get_by_role("button", name="Antwort abschicken").click()

    expect(form.locator(".error-summary")).to_contain_text("Bitte füllen Sie alle Felder aus.")
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    expect(page.locator("#kommentar-status")).to_be_empty()

    form.get_by_role("link", name="Abbrechen").click()
    expect(page.locator(".reply-form")).to_have_count(0)
    expect(
        page.locator(f"#kommentar-{first}").get_by_role("link", name="Antworten")
    ).to_be_focused()


def test_without_javascript_a_reply_is_a_page_and_lands_nested(new_page, server, site):
    path = site.article(comments=1)
    first = site.comment_ids(path)[0]
    page = new_page(java_script_enabled=False)
    page.goto(server.url + path)
    page.locator(f"#kommentar-{first}").get_by_role("link", name="Antworten").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Antwort an "))
    page.get_by_label("Name", exact=True).fill("Ohne Skript")
    page.get_by_label("E-Mail", exact=True).fill("ohne@example.org")
    page.get_by_label("Kommentar", exact=True).fill("Klassisch geantwortet")
    page.get_by_role("button", name="Antwort abschicken").click()

    nested = page.locator(f"#kommentar-{first} > ol.replies > li")
    expect(nested.locator(".comment-text")).to_have_text("Klassisch geantwortet")
    expect(nested).to_be_focused()
    expect(page.locator("#kommentar-status")).to_contain_text(THANKS)


# --- mail about replies ----------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["JavaScript", "no JavaScript"])
def test_a_reader_opts_in_confirms_and_gets_one_mail_per_reply_even_after_a_mail_outage(
    new_page, run_gunicorn, tmp_path, javascript
):
    """The whole way, as a reader goes it: tick the box, confirm from the mail, get exactly
    one mail when someone replies, also when the mail server was down at the time."""
    smtp = MailServer()
    smtp.start()
    try:
        with run_gunicorn(
            tmp_path,
            ZIRKEL_SMTP_HOST="127.0.0.1",
            ZIRKEL_SMTP_PORT=str(smtp.port),
            ZIRKEL_MAIL_RETRY_SECONDS="1",
        ) as live:
            reader = new_page(java_script_enabled=javascript)
            reader.goto(live.url + "/")
            reader.locator(".card-title a").first.click()
            article = reader.url
            reader.get_by_label("Bei Antworten per E-Mail benachrichtigen").check()
            write(reader, "Abonnentin", "Sagt mir Bescheid!", email="abo@example.org")
            [confirmation] = wait_for_mails(smtp, 1)
            [link] = re.findall(
                r"http\S+/benachrichtigungen/bestaetigen/\S+", body_of(confirmation)
            )
            reader.goto(live.url + "/" + link.split("/", 3)[3])
            if javascript:  # axe needs JavaScript to run
                assert serious_violations(reader) == []
            reader.get_by_role("button", name="Ja, bei Antworten eine E-Mail schicken").click()
            expect(reader.get_by_role("status")).to_contain_text("Bestätigt")
            if javascript:
                assert serious_violations(reader) == []

            smtp.stop()  # the mail server is down when the reply comes
            other = new_page(java_script_enabled=javascript)
            other.goto(article)
            mine = other.locator(".comment", has_text="Sagt mir Bescheid!")
            mine.get_by_role("link", name="Antworten").click()
            form = other.locator(".reply-form")
            form.get_by_label("Name", exact=True).fill("Antwortender")
            form.get_by_label("E-Mail", exact=True).fill("antwort@example.org")
            form.get_by_label("Kommentar", exact=True).fill("Hier ist Bescheid.")
            form.get_by_role("button", name="Antwort abschicken").click()
            expect(other.locator(".comment-text", has_text="Hier ist Bescheid.")).to_be_visible()
            time.sleep(1.5)  # at least one attempt fails meanwhile
            smtp.start()

            mails = wait_for_mails(smtp, 2)
            time.sleep(2)  # and nothing comes twice
            assert len(smtp.messages()) == 2
            assert "Hier ist Bescheid." in body_of(mails[1])
    finally:
        smtp.stop()


def wait_for_mails(smtp: MailServer, count: int) -> list:
    deadline = time.monotonic() + 20
    while len(smtp.messages()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return smtp.messages()


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


# --- changing one's mind -------------------------------------------------------------------------


def test_an_author_edits_in_place_and_deletes_their_comment(page, new_page, server, site):
    path = site.article()
    page.goto(server.url + path)
    write(page, "Erika", "Erster Entwurf")
    mine = items(page).last
    actions = mine.locator(".own-actions")
    expect(actions).to_contain_text("Bis ")
    # Another reader sees no buttons.
    other = new_page()
    other.goto(server.url + path)
    expect(other.locator(".own-actions")).to_have_count(0)

    actions.get_by_role("link", name="Bearbeiten").click()
    form = mine.locator(".edit-form")
    expect(form.get_by_role("heading")).to_be_focused()
    expect(mine.locator(":scope > .comment-body")).to_be_hidden()
    form.get_by_label("Kommentar", exact=True).fill("Zweiter Gedanke")
    form.get_by_role("button", name="Änderungen speichern").click()

    expect(items(page).last.locator(".comment-text")).to_have_text("Zweiter Gedanke")
    expect(items(page).last.locator(".comment-edited")).to_have_text("bearbeitet")
    expect(page.locator("#kommentar-status")).to_contain_text("Ihre Änderungen wurden gespeichert.")

    page.once("dialog", lambda dialog: dialog.accept())
    items(page).last.get_by_role("link", name="Löschen").click()
    expect(page.locator("#kommentar-status")).to_contain_text("Ihr Kommentar wurde gelöscht.")
    expect(items(page)).to_have_count(0)
    expect(page.locator("#kommentar-anzahl")).to_have_text("0 Kommentare")


def test_without_javascript_an_author_edits_and_deletes_on_pages(new_page, server, site):
    path = site.article()
    page = new_page(java_script_enabled=False)
    page.goto(server.url + path)
    write(page, "Klassisch", "Erster Entwurf")
    page.locator(".own-actions").get_by_role("link", name="Bearbeiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihren Kommentar bearbeiten")
    page.get_by_label("Kommentar", exact=True).fill("Ohne Skript geändert")
    page.get_by_role("button", name="Änderungen speichern").click()
    expect(page.locator(".comment-text", has_text="Ohne Skript geändert")).to_be_visible()

    page.locator(".own-actions").get_by_role("link", name="Löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihren Kommentar löschen?")
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator("#kommentar-status")).to_contain_text("Ihr Kommentar wurde gelöscht.")
    expect(page.locator("#kommentar-anzahl")).to_have_text("0 Kommentare")


# --- new comments while reading -------------------------------------------------------------


def test_new_comments_are_offered_not_pushed_under_the_readers_eyes(page, server, site):
    path = site.article(comments=2)
    answers = []
    page.on("response", lambda r: answers.append(r) if "/kommentare/neu" in r.url else None)
    page.clock.install()
    page.goto(server.url + path)
    for _minute in range(3):
        page.clock.fast_forward("01:01")
        page.wait_for_timeout(300)
    # Asked once a minute, then conditionally (the server's 304, which Chromium reports as
    # its cached 200, is tested in test_comment_pages); a worker that gave that 304 gives
    # it again without the app (webapp/revalidation.py) …
    assert len(answers) == 3
    for answer in answers[1:]:
        assert answer.request.header_value("if-none-match") == answers[0].header_value("etag")
    expect(page.locator("#neue-kommentare")).to_be_empty()
    # … until someone writes.
    site.comment(path, text="Kam beim Lesen")

    page.clock.fast_forward("01:05")
    offer = page.get_by_role("button", name="1 neuen Kommentar anzeigen")
    expect(offer).to_be_visible()
    expect(items(page)).to_have_count(2)  # nothing moved by itself

    offer.click()
    expect(items(page)).to_have_count(3)
    expect(page.locator("#neue-kommentare")).to_be_empty()


def test_a_hidden_tab_never_asks(new_page, server, site):
    path = site.article(comments=1)
    page = new_page()
    page.add_init_script(
        "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'})"
    )
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/kommentare/neu" in r.url else None)
    page.clock.install()
    page.goto(server.url + path)
    site.comment(path, text="Ungelesen")
    page.clock.fast_forward("05:00")
    page.wait_for_timeout(200)
    assert asked == []


# --- formatting, preview, counter ---------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["JavaScript", "no JavaScript"])
def test_preview_shows_the_formatted_comment_and_stores_nothing(new_page, server, site, javascript):
    path = site.article()
    page = new_page(java_script_enabled=javascript)
    page.goto(server.url + path)
    page.get_by_label("Name", exact=True).fill("Vorsichtig")
    page.get_by_label("E-Mail", exact=True).fill("vorsicht@example.org")
    page.get_by_label("Kommentar", exact=True).fill("Das ist *wichtig*:\n\n- eins\n- zwei")
    page.get_by_role("button", name="Vorschau").click()

    preview = page.locator(".preview-box")
    expect(preview.locator("em")).to_have_text("wichtig")
    expect(preview.locator("li")).to_have_text(["eins", "zwei"])
    expect(preview.get_by_role("heading")).to_be_focused()
    expect(page.get_by_label("Kommentar", exact=True)).to_have_value(
        "Das ist *wichtig*:\n\n- eins\n- zwei"
    )
    expect(items(page)).to_have_count(0)

    page.get_by_role("button", name="Kommentar abschicken").click()
    expect(items(page).locator("em")).to_have_text("wichtig")


def test_a_counter_says_how_many_characters_are_left(page, server, site):
    path = site.article()
    page.goto(server.url + path)
    field = page.get_by_label("Kommentar", exact=True)
    counter = page.locator("#text-zaehler")
    expect(counter).to_have_text("Noch 5.000 Zeichen")
    field.fill("ä" * 4990)
    expect(counter).to_have_text("Noch 10 Zeichen")
    expect(counter).to_have_attribute("aria-live", "polite")
    field.fill("x" * 5003)
    expect(counter).to_have_text("3 Zeichen zu viel")
    # The server's message stays the truth.
    page.get_by_label("Name", exact=True).fill("Lang")
    page.get_by_label("E-Mail", exact=True).fill("lang@example.org")
    page.get_by_role("button", name="Kommentar abschicken").click()
    expect(page.locator(".field-error")).to_contain_text("höchstens 5.000 Zeichen")


# --- messages help, and never get in the way ----------------------------------------------


def test_a_refusal_without_javascript_keeps_the_text_beside_the_form(new_page, server, site):
    path = site.article()
    page = new_page(java_script_enabled=False, viewport={"width": PHONE, "height": 800})
    page.goto(server.url + path)
    write(page, "Doppelt", "Zweimal geschrieben")
    page.goto(server.url + path)
    write(page, "Doppelt", "Zweimal geschrieben")

    status = page.locator("#kommentar-status")
    expect(status).to_contain_text(DUPLICATE)
    expect(status.locator(".meldung")).to_be_focused()
    expect(status).to_be_in_viewport()
    expect(page.get_by_label("Kommentar", exact=True)).to_have_value("Zweimal geschrieben")
    expect(page.get_by_role("link", name="Zur Startseite")).to_have_count(0)


def test_messages_stand_by_the_form_replace_each_other_and_can_be_dismissed(
    phone_page, server, site
):
    path = site.article()
    page = phone_page()
    page.goto(server.url + path)
    write(page, "Einmal", "Einmal gesagt")
    status = page.locator("#kommentar-status")
    expect(status).to_have_text(re.compile(THANKS))

    # Nothing pinned over the form: the message is in the flow, above the fields.
    message = status.locator(".meldung")
    assert message.evaluate("element => getComputedStyle(element).position") == "static"
    assert (
        message.bounding_box()["y"] + message.bounding_box()["height"]
        <= (page.get_by_label("Name", exact=True).bounding_box()["y"])
    )

    write(page, "Einmal", "Einmal gesagt")
    expect(status).to_contain_text(DUPLICATE)
    expect(status).not_to_contain_text(THANKS)
    expect(status.locator(".meldung")).to_have_count(1)

    page.get_by_role("button", name="Meldung schließen").click()
    expect(status.locator(".meldung")).to_have_count(0)
    expect(page.get_by_role("button", name="Meldung schließen")).to_be_hidden()
    expect(status).to_be_focused()


@pytest.mark.parametrize("failure", ["offline", "proxy error"])
def test_a_request_the_server_cannot_answer_is_reported_by_the_form(page, server, site, failure):
    """No connection, or a proxy's 502 page: the message stands in the comment section's
    region, the text stays in the form, nothing is swapped in."""
    path = site.article()
    page.goto(server.url + path)

    def fail(route) -> None:
        if failure == "offline":
            route.abort("internetdisconnected")
        else:
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad Gateway</h1>")

    page.route(f"**{path}/kommentare", fail)
    write(page, "Funkloch", "Im Tunnel geschrieben")

    status = page.locator("#kommentar-status")
    expect(status).to_contain_text("Der Server ist gerade nicht erreichbar.")
    expect(status.locator(".meldung")).to_be_focused()
    expect(page.get_by_label("Kommentar", exact=True)).to_have_value("Im Tunnel geschrieben")
    expect(page.get_by_text("Bad Gateway")).to_have_count(0)
    expect(page.locator("#meldungen")).to_be_empty()


def test_keyboard_users_reach_the_form_from_the_count(page, server, site):
    path = site.article(comments=PER_PAGE)
    page.goto(server.url + path)
    page.get_by_role("link", name="Zum Kommentarformular").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()


# --- layout holds for any input ------------------------------------------------------------


@pytest.fixture
def long_site(site, server) -> dict[str, str]:
    """Everything a reader or editor can make long, long: and the pages that show it."""
    with site.writing():
        author = make_author(name=LONG_NAME, slug="sehr-lang")
        topic = make_topic(LONG_WORD[:100], slug="sehr-langes-thema", description=LONG_WORD)
        article = make_article(
            photo=None, author=author, title=LONG_WORD, teaser=LONG_WORD, topics=[topic]
        )
        for _ in range(PER_PAGE + 1):
            comment = make_comment(article, name=LONG_NAME, text=f"{LONG_WORD} {LONG_ADDRESS}")
        make_comment(article, status="pending", name=LONG_NAME, text=LONG_WORD)
        make_user(email="lang@example.org", role=Role.ADMIN)
        slug, comment_id, article_id = article.slug, comment.id, article.id
        topic_id = topic.id
        first_id = db.session.scalar(select(Comment.id).where(Comment.article_id == article.id))
    return {
        "front page": "/",
        "article": f"/artikel/{slug}",
        "author": "/autoren/sehr-lang",
        "authors": "/autoren",
        "topic": "/thema/sehr-langes-thema",
        "topics": "/themen",
        "search": f"/suche?q={LONG_WORD[:60]}",
        "older comments": f"/artikel/{slug}/kommentare?vor={comment_id}",
        "permalink": f"/kommentare/{first_id}",
        "editorial: articles": "/verwaltung/artikel",
        "editorial: article": f"/verwaltung/artikel/{article_id}",
        "editorial: authors": "/verwaltung/autoren",
        "editorial: topics": "/verwaltung/themen",
        "editorial: topic": f"/verwaltung/themen/{topic_id}",
        "editorial: comments": "/verwaltung/kommentare?status=alle",
        "editorial: audit log": "/verwaltung/protokoll",
    }


def test_no_reader_input_widens_any_page(new_page, server, long_site):
    """Public and editorial pages, at 390 and 1280 px."""
    too_wide = {}
    for width in (PHONE, DESKTOP):
        too_wide.update(overflowing_pages(new_page, server, long_site, width))
    assert too_wide == {}, "\n".join(f"{k}: {v}" for k, v in too_wide.items())


def overflowing_pages(new_page, server, long_site, width: int) -> dict:
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(server.url + "/verwaltung/anmelden")
    page.get_by_label("E-Mail", exact=True).fill("lang@example.org")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Verwaltung")).to_be_visible()
    if width == PHONE:
        # A moderator's decision puts the long name into the audit log too.
        page.goto(server.url + "/verwaltung/kommentare")
        page.get_by_role("button", name=re.compile(r"^Freigeben")).first.click()
        expect(page.locator(".moderation-item").first).to_contain_text("Freigegeben")

    too_wide = {}
    for name, path in long_site.items():
        response = page.goto(server.url + path)
        assert response is not None and response.status == 200, path
        if widest(page) > width:
            too_wide[f"{name} at {width} px"] = (widest(page), sticking_out(page))
    return too_wide


def test_tap_targets_are_at_least_24_px(phone_page, server, site):
    """WCAG 2.2 target size: every link and button of the discussion, but links inside a
    comment's sentences (which the criterion excepts)."""
    path = site.article(comments=PER_PAGE + 1)
    page = phone_page()
    page.goto(server.url + path)
    write(page, "Tippen", "Mit dem Finger")
    expect(page.locator("#kommentar-status .meldung")).to_be_visible()
    small = page.evaluate(
        """() => [...document.querySelectorAll("#kommentare a, #kommentare button")]
            .filter(e => !e.closest(".comment-text") && e.offsetParent !== null)
            .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 24 || r.height < 24)
            .map(([text, r]) => `${text}: ${Math.round(r.width)}×${Math.round(r.height)}`)"""
    )
    assert small == []


def test_runs_of_blank_lines_show_as_one_paragraph_break(page, server, site):
    path = site.article()
    page.goto(server.url + path)
    write(page, "Absätze", "Oben\n\n\n\n\n\nUnten")
    text = items(page).locator(".comment-text")
    expect(text).to_contain_text("Unten")
    # Two paragraphs, and between them the space of one paragraph break, as a reader sees.
    assert text.locator("p").all_inner_texts() == ["Oben", "Unten"]
    line = text.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
    assert text.bounding_box()["height"] < 3.5 * line


def test_arabic_and_farsi_read_right_to_left_each_paragraph_its_own_way(page, server, site):
    """A Turkish line and an Arabic one in one comment: each paragraph takes the direction
    of its script; an Arabic name reads right to left among German dates."""
    path = site.article()
    page.goto(server.url + path)
    field = page.get_by_label("Kommentar", exact=True)
    field.fill("مرحبا")
    assert field.evaluate("element => getComputedStyle(element).direction") == "rtl"
    write(page, "ليلى", "Teşekkürler, çok faydalı.\nشكرا جزيلا على المقال")

    comment = items(page).last
    name = comment.locator(".comment-author")
    assert name.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # Where each line ends: the Arabic one at the right edge, the Turkish one at the left.
    edges = comment.locator(".comment-text p").evaluate(
        """element => {
            const box = element.getBoundingClientRect();
            const text = element.firstChild;
            const line = (start, end) => {
                const range = document.createRange();
                range.setStart(text, start);
                range.setEnd(text, end);
                return range.getBoundingClientRect();
            };
            const split = text.data.indexOf("\\n");
            const turkish = line(0, split), arabic = line(split + 1, text.data.length);
            return [turkish.left - box.left, box.right - arabic.right];
        }"""
    )
    assert edges[0] < 2 and edges[1] < 2, edges


# --- accessibility of the new states -----------------------------------------------------------


def test_axe_finds_no_serious_violation_in_the_discussions_states(page, server, site):
    path = site.article(comments=2)
    first = site.comment_ids(path)[0]
    site.comment(path, reply_to=first, text="Eine Antwort", name="Bernd")
    page.goto(server.url + path)
    found = {"threads": serious_violations(page)}

    page.locator(f"#kommentar-{first}").get_by_role("link", name="Antworten").first.click()
    form = reply_form(page, first)
    form.get_by_role("button", name="Antwort abschicken").click()
    expect(form.locator(".error-summary")).to_be_visible()
    found["reply form with errors"] = serious_violations(page)

    page.locator("#kommentar-formular").get_by_label("Name", exact=True).fill("Axe")
    page.locator("#kommentar-formular").get_by_label("E-Mail", exact=True).fill("axe@example.org")
    page.locator("#kommentar-formular").get_by_label("Kommentar", exact=True).fill("*Vorschau*")
    page.locator("#kommentar-formular").get_by_role("button", name="Vorschau").click()
    expect(page.locator(".preview-box")).to_be_visible()
    found["preview"] = serious_violations(page)

    page.locator("#kommentar-formular").get_by_role("button", name="Kommentar abschicken").click()
    expect(page.locator(".own-actions")).to_be_visible()
    found["own comment with its buttons and the thanks"] = serious_violations(page)
    page.locator(".own-actions").get_by_role("link", name="Bearbeiten").click()
    expect(page.locator(".edit-form")).to_be_visible()
    found["edit form"] = serious_violations(page)

    # The pages a reader without JavaScript gets (axe itself needs JavaScript to run).
    for name, url in (
        ("reply page", f"/kommentare/{first}/antworten"),
        ("permalink", f"/kommentare/{first}"),
    ):
        page.goto(server.url + url)
        found[name] = serious_violations(page)

    assert {state: v for state, v in found.items() if v} == {}


def test_avatars_are_drawn_beside_the_names_from_this_site_only(page, server, site):
    path = site.article()
    site.comment(path, name="Erika", email="erika@example.org", text="Erster")
    site.comment(path, name="Erika", email="ERIKA@example.org", text="Zweiter")
    site.comment(path, name="Max", email="max@example.org", text="Dritter")
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if server.url not in r.url else None)
    page.goto(server.url + path)
    pictures = page.locator(".comment-body > img")
    expect(pictures).to_have_count(3)
    pictures.last.scroll_into_view_if_needed()
    for n in range(3):  # lazy: loaded when scrolled to, and drawn
        expect(pictures.nth(n)).to_have_js_property("complete", True)
        assert pictures.nth(n).evaluate("img => img.naturalWidth") > 0
    sources = [pictures.nth(n).get_attribute("src") for n in range(3)]
    assert sources[0] == sources[1] != sources[2]
    assert elsewhere == []
