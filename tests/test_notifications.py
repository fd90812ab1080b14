"""Mail to moderators through the outbox and a real SMTP server on loopback, and the
one-time links in it."""

from __future__ import annotations

import base64
import email
import json
import logging
import re
import threading
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from test_moderation import audit_entries, make_user

from factories import make_article
from helpers import HTMX, csrf_token, post_comment, soup
from servers import free_port
from webapp import mail, notifications
from webapp.extensions import db
from webapp.models import Article, Comment, CommentStatus, Role, UsedLink
from webapp.site_settings import set_setting


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage, bytes]]:
        """(recipients, parsed message, raw bytes) of every mail, once the outbox is sent.

        The outbox is sent here as `flask mail-send` sends it: the background sender's
        thread is tested in tests/test_mail_outbox.py.
        """
        mail.send_due()
        with self.lock:
            return [
                (e.rcpt_tos, email.message_from_bytes(e.content, policy=policy.default), e.content)
                for e in self.envelopes
            ]


@pytest.fixture(scope="module")
def smtp_server():
    """A real SMTP server on a free loopback port, for the whole module."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def inbox(app, smtp_server):
    inbox, port = smtp_server
    with inbox.lock:
        inbox.envelopes.clear()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=3)
    return inbox


@pytest.fixture
def article(app):
    return make_article(title="Über Zirkel")


@pytest.fixture
def moderator(app):
    return make_user("anna@example.org", Role.MODERATOR)


def site_settings(**values) -> None:
    for key, value in values.items():
        set_setting(key, value)
    db.session.commit()


@pytest.fixture
def held(app, inbox, moderator):
    """The site holds every comment and mails the moderators."""
    site_settings(moderation="all", notify_moderators=True)


def body(message) -> str:
    # SMTP carries CRLF line ends; the text itself has plain line breaks.
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def links(message) -> dict[str, str]:
    """The approve and delete links of a mail, as paths on this site."""
    found = re.findall(r"^(Freigeben|Löschen) \(.*\n(http://localhost(/\S+))$", body(message), re.M)
    return {label: path for label, _url, path in found}


def the_comment() -> Comment:
    db.session.expire_all()
    return db.session.scalars(select(Comment)).one()


def count(article: Article) -> int:
    db.session.expire_all()
    return db.session.get(Article, article.id).comment_count


# --- the mail -----------------------------------------------------------------------------


def test_held_comment_mails_each_moderator_with_links(client, article, held, inbox):
    """German plain text: title, name, text quoted; approve and delete links."""
    make_user("admin@example.org", Role.ADMIN)
    make_user("redaktion@example.org", Role.EDITOR)  # no mail for editors
    make_user("alt@example.org", Role.MODERATOR).active = False
    db.session.commit()

    response = post_comment(client, article, name="Erika Muster", text="Erste Zeile\nZweite")

    assert response.status_code == 200
    assert the_comment().status == CommentStatus.PENDING
    mails = inbox.messages()
    assert sorted(rcpt for rcpt, _message, _raw in mails) == [
        ["admin@example.org"],
        ["anna@example.org"],
    ]
    [message] = [m for rcpt, m, _raw in mails if rcpt == ["anna@example.org"]]
    assert message["Subject"] == "[Zirkel] Kommentar wartet auf Freigabe: „Über Zirkel“"
    assert message["To"] == "anna@example.org"
    assert message["From"] == "zirkel@localhost"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    text = body(message)
    assert "Ein Kommentar wartet auf Ihre Freigabe." in text
    assert "Artikel: Über Zirkel" in text
    assert f"http://localhost/artikel/{article.slug}\n" in text
    assert "Name: Erika Muster" in text
    assert "E-Mail: erika@example.org" in text
    assert "> Erste Zeile\n> Zweite\n" in text
    assert set(links(message)) == {"Freigeben", "Löschen"}
    assert "http://localhost/verwaltung/kommentare\n" in text
    # Each moderator gets links of their own.
    [other] = [m for rcpt, m, _raw in mails if rcpt == ["admin@example.org"]]
    assert links(other)["Freigeben"] != links(message)["Freigeben"]


def test_visible_comment_mail_has_no_links(client, article, inbox, moderator):
    site_settings(notify_moderators=True)

    response = post_comment(client, article, htmx=False)

    assert response.status_code == 303
    [(_rcpt, message, _raw)] = inbox.messages()
    assert message["Subject"] == "[Zirkel] Neuer Kommentar zu „Über Zirkel“"
    text = body(message)
    assert "Ein neuer Kommentar wurde veröffentlicht." in text
    comment = the_comment()
    assert f"http://localhost/artikel/{article.slug}#kommentar-{comment.id}" in text
    assert "/e-mail-link/" not in text


def test_no_mail_unless_the_site_setting_is_on(client, article, inbox, moderator):
    """Off by default; and without ZIRKEL_SMTP_HOST nothing is sent even when it is on."""
    post_comment(client, article)
    assert inbox.messages() == []

    site_settings(notify_moderators=True)
    client.application.config["SMTP_HOST"] = None
    post_comment(client, article, text="Noch einer")
    assert inbox.messages() == []


def test_configured_addresses_replace_the_accounts(client, app, article, held, inbox):
    app.config["MODERATOR_EMAILS"] = "eins@example.org, zwei@example.org,,"

    post_comment(client, article)

    assert sorted(rcpt for rcpt, _m, _raw in inbox.messages()) == [
        ["eins@example.org"],
        ["zwei@example.org"],
    ]


def test_header_injection_through_the_name_adds_no_header(client, article, held, inbox):
    """A name with CR/LF and 'Bcc:' stays one line of the body; no Bcc, no extra recipient."""
    response = post_comment(client, article, name="Erika\r\nBcc: evil@example.org")

    assert response.status_code == 200
    [(rcpt, message, raw)] = inbox.messages()
    assert rcpt == ["anna@example.org"]
    assert message["Bcc"] is None
    headers = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "evil" not in headers
    assert "Name: Erika Bcc: evil@example.org\n" in body(message)


def test_site_url_keeps_a_forged_host_out_of_the_links(client, app, article, held, inbox):
    """With ZIRKEL_SITE_URL set, a post with a forged Host header cannot redirect the links."""
    app.config["SITE_URL"] = "https://zirkel.example/"
    token = csrf_token(client, article)

    response = client.post(
        f"/artikel/{article.slug}/kommentare",
        data={"name": "Erika", "email": "e@example.org", "text": "Hallo", "csrf_token": token},
        headers={"Host": "evil.example"},
    )

    assert response.status_code == 303
    [(_rcpt, message, _raw)] = inbox.messages()
    urls = re.findall(r"https?://\S+", body(message))
    assert len(urls) == 4
    assert all(url.startswith("https://zirkel.example/") for url in urls), urls


def test_html_in_a_comment_stays_plain_text_in_the_mail(client, article, held, inbox):
    post_comment(client, article, name="<b>Erika</b>", text='<a href="x">klick</a> & mehr')

    [(_rcpt, message, _raw)] = inbox.messages()
    text = body(message)
    assert "Name: <b>Erika</b>" in text
    assert '> <a href="x">klick</a> & mehr' in text
    assert "&lt;" not in text and "&amp;" not in text


def test_a_mail_server_that_is_down_does_not_break_posting(client, app, article, held, caplog):
    """The comment and its mail are stored and the reader thanked; the mail waits, with the
    error, for another attempt."""
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    caplog.set_level(logging.WARNING, logger="webapp.mail")

    started = time.monotonic()
    response = post_comment(client, article)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet." in (
        soup(response).find(id="kommentar-status").get_text()
    )
    assert the_comment().text == "Guter Artikel!"
    assert elapsed < 2
    assert mail.send_due().retrying == 1
    [waiting] = db.session.scalars(select(mail.OutboxMail)).all()
    assert (waiting.status, waiting.attempts) == ("waiting", 1)
    assert "Connection refused" in waiting.last_error
    assert any("will be retried" in record.getMessage() for record in caplog.records)


def test_the_mail_is_stored_with_the_comment_or_not_at_all(client, app, article, held, inbox):
    """A post refused inside the write transaction (a duplicate) leaves no mail behind."""
    post_comment(client, article, text="Einmal")
    refused = post_comment(client, article, text="Einmal")

    assert refused.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(mail.OutboxMail)) == 1
    assert len(inbox.messages()) == 1


def test_a_mail_that_cannot_be_stored_does_not_cost_the_comment(
    client, app, article, held, inbox, monkeypatch, caplog
):
    """notify_moderators never raises: the comment is stored even if its mail is not."""

    def broken(**_mail):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(notifications, "enqueue", broken)
    caplog.set_level(logging.ERROR, logger="webapp.notifications")

    response = post_comment(client, article)

    assert response.status_code == 200
    assert the_comment().status == CommentStatus.PENDING
    assert inbox.messages() == []
    assert any("Could not put" in record.getMessage() for record in caplog.records)


# --- the links ----------------------------------------------------------------------------


def test_approve_link_asks_first_then_approves_once(client, article, held, inbox):
    """GET only asks (a mail scanner changes nothing); POST approves; a second POST is refused."""
    post_comment(client, article, name="Erika")
    [(_rcpt, message, _raw)] = inbox.messages()
    link = links(message)["Freigeben"]

    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    confirm = soup(page)
    assert "Den Kommentar von Erika zu „Über Zirkel“ freigeben?" in confirm.get_text()
    form = confirm.find("form", action=link)
    assert form["method"] == "post" and form["hx-post"] == link
    assert form.find("button").get_text(strip=True) == "Kommentar freigeben"
    assert the_comment().status == CommentStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(UsedLink)) == 0

    done = client.post(link)  # no session, no CSRF token: the link's token authorizes
    assert done.status_code == 303
    assert (
        "Der Kommentar von Erika ist freigegeben."
        in soup(client.get(done.headers["Location"])).get_text()
    )
    assert the_comment().status == CommentStatus.VISIBLE
    assert count(article) == 1
    assert (
        "1 Kommentar"
        in soup(client.get(f"/artikel/{article.slug}")).find(id="kommentar-anzahl").get_text()
    )
    [entry] = audit_entries()
    assert (entry.action, entry.user_email) == ("link_approve", "anna@example.org")
    assert entry.user_id is not None
    assert json.loads(entry.after)["status"] == "visible"

    again = client.post(link)
    assert again.status_code == 410
    assert "Dieser Link wurde bereits verwendet." in soup(again).get_text()
    assert "bereits verwendet" in soup(client.get(link)).get_text()
    assert count(article) == 1
    assert len(audit_entries()) == 1


def test_delete_link_deletes_and_the_other_link_then_changes_nothing(client, article, held, inbox):
    post_comment(client, article)
    [(_rcpt, message, _raw)] = inbox.messages()

    response = client.post(links(message)["Löschen"], headers=HTMX)
    assert response.status_code == 200
    result = soup(response).find(id="link-bestaetigung")
    assert "ist gelöscht" in result.get_text()
    assert the_comment().status == CommentStatus.DELETED

    refused = client.post(links(message)["Freigeben"])
    assert refused.status_code == 409
    assert "wartet nicht mehr auf Freigabe" in soup(refused).get_text()
    assert the_comment().status == CommentStatus.DELETED
    assert count(article) == 0


def tampered(path: str) -> str:
    prefix, token = path.rsplit("/", 1)
    payload, timestamp, signature = token.rsplit(".", 2)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return f"{prefix}/{payload}.{timestamp}.{flipped}"


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_link_is_refused(client, article, held, inbox, method):
    post_comment(client, article)
    [(_rcpt, message, _raw)] = inbox.messages()

    response = getattr(client, method)(tampered(links(message)["Freigeben"]))

    assert response.status_code == 400
    assert "Dieser Link ist ungültig." in soup(response).get_text()
    assert the_comment().status == CommentStatus.PENDING


def test_a_link_for_another_comment_cannot_be_made_from_one(client, article, held, inbox):
    """Changing the payload (another comment's id) breaks the signature."""
    post_comment(client, article)
    [(_rcpt, message, _raw)] = inbox.messages()
    prefix, token = links(message)["Freigeben"].rsplit("/", 1)
    _payload, timestamp, signature = token.rsplit(".", 2)
    forged = json.dumps({"id": "x", "c": 2, "a": "freigeben", "to": "anna@example.org"})
    payload = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")

    response = client.post(f"{prefix}/{payload}.{timestamp}.{signature}")

    assert response.status_code == 400


def test_expired_link_is_refused(client, article, held, inbox, monkeypatch):
    """A link signed eight days ago says so and changes nothing."""
    eight_days_ago = int(time.time()) - 8 * 24 * 60 * 60
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
        post_comment(client, article)
    [(_rcpt, message, _raw)] = inbox.messages()
    link = links(message)["Freigeben"]

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert "Dieser Link ist abgelaufen." in soup(response).get_text()
    assert the_comment().status == CommentStatus.PENDING
    assert audit_entries() == []


def test_a_six_day_old_link_still_works(client, article, held, inbox, monkeypatch):
    six_days_ago = int(time.time()) - 6 * 24 * 60 * 60
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: six_days_ago)
        post_comment(client, article)
    [(_rcpt, message, _raw)] = inbox.messages()

    assert client.post(links(message)["Freigeben"]).status_code == 303
    assert the_comment().status == CommentStatus.VISIBLE


def test_a_link_to_a_comment_that_is_gone_says_so(client, app, article, held, inbox):
    with app.test_request_context():
        token = notifications.make_link_token(999, "freigeben", "anna@example.org")

    response = client.get(f"/verwaltung/e-mail-link/{token}")

    assert response.status_code == 404
    assert "Diesen Kommentar gibt es nicht mehr." in soup(response).get_text()
