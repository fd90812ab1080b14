"""A reader's data, the whole way in Chromium as the issue's "done when" goes: Datenschutz
from the footer, /meine-daten, the mailed link (a real SMTP server on loopback), the JSON
download, the erasure, and „Gelöscht“ on the article. With and without JavaScript."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from mailserver import MailServer

pytestmark = pytest.mark.browser


def wait_for_mails(smtp: MailServer, count: int) -> list:
    deadline = time.monotonic() + 20
    while len(smtp.messages()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return smtp.messages()


@pytest.mark.parametrize("javascript", [True, False], ids=["JavaScript", "no JavaScript"])
def test_a_reader_reads_what_is_stored_downloads_it_and_erases_it(
    new_page, run_gunicorn, tmp_path, javascript
):
    smtp = MailServer()
    smtp.start()
    try:
        with run_gunicorn(
            tmp_path, ZIRKEL_SMTP_HOST="127.0.0.1", ZIRKEL_SMTP_PORT=str(smtp.port)
        ) as live:
            page = new_page(java_script_enabled=javascript, accept_downloads=True)
            page.goto(live.url + "/")
            page.locator(".card-title a").first.click()
            article = page.url
            form = page.locator("#kommentar-formular")
            form.get_by_label("Name", exact=True).fill("Erika Muster")
            form.get_by_label("E-Mail", exact=True).fill("erika@example.org")
            form.get_by_label("Kommentar", exact=True).fill("Meine Meinung dazu.")
            form.get_by_role("button", name="Kommentar abschicken").click()
            expect(page.locator(".comment-author", has_text="Erika Muster")).to_be_visible()

            page.get_by_role("contentinfo").get_by_role("link", name="Datenschutz").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Datenschutz")
            stored = page.locator("main").inner_text()
            assert "Netz und Fingerabdruck werden nach 30 Tagen automatisch gelöscht" in stored
            assert "zirkel_sprache" in stored

            page.get_by_role("contentinfo").get_by_role("link", name="Meine Daten").click()
            page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
            page.get_by_role("button", name="Link senden").click()
            expect(page.get_by_role("status").first).to_contain_text("unterwegs")
            [mail] = wait_for_mails(smtp, 1)
            [link] = re.findall(r"http\S+/meine-daten/\S+", mail.get_body(("plain",)).get_content())
            page.goto(live.url + "/" + link.split("/", 3)[3])
            expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Daten")

            with page.expect_download() as download:
                page.get_by_role("button", name="Als JSON herunterladen").click()
            data = json.loads(download.value.path().read_text(encoding="utf-8"))
            [comment] = data["comments"]
            assert (comment["name"], comment["text"]) == ("Erika Muster", "Meine Meinung dazu.")

            page.get_by_role("button", name="Löschen", exact=True).click()
            expect(page.locator("main")).to_contain_text("Erledigt")
            page.goto(article)
            mine = page.locator(".comment", has_text="Meine Meinung dazu.")
            expect(mine.locator(".comment-author")).to_have_text("Gelöscht")
            expect(page.locator("main")).not_to_contain_text("Erika Muster")
    finally:
        smtp.stop()
