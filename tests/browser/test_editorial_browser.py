"""The editorial area in a real browser: write and publish, then moderate what readers say."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from factories import photo_bytes
from servers import PROJECT_ROOT

pytestmark = pytest.mark.browser

PASSWORD = "ein-sicheres-passwort"


@pytest.fixture(scope="module")
def site(run_gunicorn, tmp_path_factory):
    """A server of its own with an admin account, made as the README says (create-user)."""
    instance = tmp_path_factory.mktemp("editorial-instance")
    with run_gunicorn(instance) as server:
        password_file = instance / "password"
        password_file.write_text(PASSWORD + "\n")
        server.flask(
            "create-user",
            "--email",
            "chefin@example.org",
            "--role",
            "admin",
            "--password-file",
            str(password_file),
        )
        yield server


def log_in(page: Page, url: str) -> None:
    page.goto(url + "/verwaltung/")
    expect(page).to_have_url(re.compile(r"/verwaltung/anmelden"))
    page.get_by_label("E-Mail", exact=True).fill("chefin@example.org")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Verwaltung")).to_be_visible()


def test_write_and_publish_an_article_with_a_photo(page, site, tmp_path):
    """Log in, write an article with a photo, publish it, find it on the front page."""
    photo = tmp_path / "rathaus.jpg"
    photo.write_bytes(photo_bytes())
    log_in(page, site.url)

    page.get_by_role("link", name="Artikel schreiben").first.click()
    page.get_by_label("Titel", exact=True).fill("Neues aus dem Rathaus")
    page.get_by_label("Anreißer", exact=True).fill("Was der Rat beschlossen hat.")
    page.get_by_label("Text", exact=True).fill("Der Rat hat **einstimmig** beschlossen.")
    page.get_by_label("Foto", exact=True).set_input_files(str(photo))
    page.get_by_label("Alternativtext", exact=True).fill("Das Rathaus im Sonnenlicht")
    page.get_by_role("button", name="Jetzt veröffentlichen").click()
    expect(page.get_by_text("Der Artikel wurde gespeichert.")).to_be_visible()

    page.goto(site.url + "/")
    page.get_by_role("link", name="Neues aus dem Rathaus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neues aus dem Rathaus")
    expect(page.locator(".article .body strong")).to_have_text("einstimmig")
    photo_element = page.get_by_role("img", name="Das Rathaus im Sonnenlicht")
    expect(photo_element).to_be_visible()
    assert photo_element.evaluate("img => img.naturalWidth") > 0


def test_held_comments_tell_their_author(page, new_page, site):
    """Moderation "every comment is held": the reader sees the notice, nobody the comment."""
    log_in(page, site.url)
    page.get_by_role("link", name="Einstellungen").click()
    page.get_by_label("Moderation", exact=True).select_option("all")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Die Einstellungen wurden gespeichert.")).to_be_visible()

    reader = new_page()
    reader.goto(site.url + "/")
    reader.locator(".card-title a").last.click()
    before = reader.locator("#kommentar-anzahl").inner_text()
    reader.get_by_label("Name", exact=True).fill("Leserin")
    reader.get_by_label("E-Mail", exact=True).fill("leserin@example.org")
    reader.get_by_label("Kommentar", exact=True).fill("Bitte freischalten")
    reader.get_by_role("button", name="Kommentar abschicken").click()
    expect(reader.get_by_role("status")).to_contain_text(
        "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet."
    )
    expect(reader.locator("#kommentar-anzahl")).to_have_text(before)
    # Its author sees it in place, marked as waiting, and still after a reload; nobody else.
    waiting = reader.locator(".comment-waiting", has_text="Bitte freischalten")
    expect(waiting).to_contain_text("Ihr Kommentar wartet auf Freigabe.")
    reader.reload()
    expect(waiting).to_contain_text("Ihr Kommentar wartet auf Freigabe.")
    other = new_page()
    other.goto(reader.url)
    expect(other.locator("#kommentar-liste")).not_to_contain_text("Bitte freischalten")

    # The moderator approves it in the queue, in place; the reader then sees it counted.
    page.get_by_role("link", name="Kommentare", exact=True).click()
    row = page.locator(".moderation-item", has_text="Bitte freischalten")
    row.get_by_role("button", name=re.compile(r"^Freigeben")).click()
    expect(page.locator(".moderation-item", has_text="Bitte freischalten")).to_contain_text(
        "Freigegeben"
    )
    reader.reload()
    expect(reader.locator("#kommentar-liste")).to_contain_text("Bitte freischalten")
    expect(reader.locator(".comment-waiting")).to_have_count(0)
    expect(reader.locator("#kommentar-anzahl")).not_to_have_text(before)


def test_an_imported_wordpress_site_can_be_read(page, site):
    """import-wordpress on the live site's database, then read a post and its comments."""
    site.flask("import-wordpress", str(PROJECT_ROOT / "tests" / "data" / "wordpress-export.xml"))
    page.goto(site.url + "/artikel/buergerhaushalt-2015-jetzt-mitreden")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bürgerhaushalt 2015: Jetzt mitreden!"
    )
    expect(page.locator("#kommentar-anzahl")).to_have_text("8 Kommentare")
    expect(page.locator("#kommentar-liste li.comment")).to_have_count(8)
    # WordPress's replies are threaded: nested under the comment they answer.
    assert page.locator("#kommentar-liste > li").count() < 8
    expect(page.locator("#kommentar-liste ol.replies > li").first).to_be_visible()
    expect(page.locator("#kommentar-liste script")).to_have_count(0)


def test_two_people_editing_one_article_lose_no_word(new_page, site):
    """Two browsers open one article; the later save sees the other's version and keeps
    its own text; every version stays in the article's list of versions."""
    password_file = site.instance / "password"
    site.flask(
        "create-user",
        "--email",
        "redaktion@example.org",
        "--role",
        "redaktion",
        "--password-file",
        str(password_file),
    )
    chefin, redaktion = new_page(), new_page()
    log_in(chefin, site.url)
    chefin.get_by_role("link", name="Artikel schreiben").first.click()
    chefin.get_by_label("Titel", exact=True).fill("Gemeinsam geschrieben")
    chefin.get_by_label("Anreißer", exact=True).fill("Der erste Anreißer.")
    chefin.get_by_label("Text", exact=True).fill("Erster Absatz.")
    chefin.get_by_role("button", name="Speichern", exact=True).click()
    expect(chefin.get_by_text("Der Artikel wurde gespeichert.")).to_be_visible()
    address = chefin.url

    redaktion.goto(address)
    expect(redaktion).to_have_url(re.compile(r"/verwaltung/anmelden"))
    redaktion.get_by_label("E-Mail", exact=True).fill("redaktion@example.org")
    redaktion.get_by_label("Passwort", exact=True).fill(PASSWORD)
    redaktion.get_by_role("button", name="Anmelden").click()
    expect(redaktion.get_by_label("Titel", exact=True)).to_have_value("Gemeinsam geschrieben")

    # Both have the form open. The editor saves first.
    redaktion.get_by_label("Titel", exact=True).fill("Gemeinsam geschrieben, besser")
    redaktion.get_by_label("Anreißer", exact=True).fill("Der bessere Anreißer.")
    redaktion.get_by_role("button", name="Speichern", exact=True).click()
    expect(redaktion.get_by_text("Der Artikel wurde gespeichert.")).to_be_visible()

    # The admin adds a paragraph to the form she opened before: not saved over it.
    body = chefin.get_by_label("Text", exact=True)
    body.fill("Erster Absatz.\n\nEin Absatz der Chefin.")
    chefin.get_by_role("button", name="Speichern", exact=True).click()
    conflict = chefin.locator(".conflict")
    expect(conflict).to_contain_text("Jemand anderes hat diesen Artikel gespeichert")
    expect(conflict).to_contain_text("Gemeinsam geschrieben, besser")
    expect(conflict).to_contain_text("Der bessere Anreißer.")
    expect(body).to_have_value("Erster Absatz.\n\nEin Absatz der Chefin.")

    # She takes the other's title and teaser over and saves knowingly.
    chefin.get_by_label("Titel", exact=True).fill("Gemeinsam geschrieben, besser")
    chefin.get_by_label("Anreißer", exact=True).fill("Der bessere Anreißer.")
    chefin.get_by_role("button", name="Speichern", exact=True).click()
    expect(chefin.get_by_text("Der Artikel wurde gespeichert.")).to_be_visible()
    expect(chefin.get_by_label("Text", exact=True)).to_have_value(
        "Erster Absatz.\n\nEin Absatz der Chefin."
    )

    # Every version is kept: hers, the editor's, the first.
    chefin.get_by_role("link", name="Versionen").click()
    rows = chefin.locator("table.revisions tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("redaktion@example.org")
    chefin.get_by_role("link", name="Änderungen gegenüber Version 2").click()
    expect(chefin.locator("section.diff ins")).to_contain_text(["Ein Absatz der Chefin."])
