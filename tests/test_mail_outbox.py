"""The outbox (webapp/mail): in the caller's transaction, sent exactly once, retried, shown.

Against a real SMTP server on loopback (aiosmtpd) that tests stop and start again on its
port, as a mail server goes down and comes back.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from apps import make_app
from editorial_helpers import login, make_user, session_token
from factories import make_article
from helpers import post_comment, soup
from mailserver import DEADLINE
from servers import BIN, PROJECT_ROOT
from webapp import mail
from webapp.database import WriteOutsideTransaction, writing
from webapp.extensions import db
from webapp.mail import sender as mail_sender
from webapp.mail.models import OutboxMail
from webapp.models import Role, utcnow
from webapp.site_settings import set_setting


@pytest.fixture(autouse=True)
def no_sender_left_behind():
    """Every test ends with no mail thread running (the app fixture stops its sender)."""
    yield
    left = [t for t in threading.enumerate() if t.name == "zirkel-mail-sender"]
    for thread in left:
        thread.join(DEADLINE)
    assert not any(t.is_alive() for t in left), "a mail sender thread outlived its test"


def enqueue_mails(count: int, kind: str = "test", **fields) -> list[str]:
    """Put `count` mails into the outbox in one transaction; their Message-IDs."""
    with writing():
        mails = [
            mail.enqueue(
                to=fields.get("to", f"empfaenger{i}@example.org"),
                subject=fields.get("subject", f"Mail {i}"),
                body=fields.get("body", f"Text {i}\n"),
                kind=kind,
                headers=fields.get("headers"),
            )
            for i in range(count)
        ]
    return [m.message_id for m in mails]


def outbox() -> list[OutboxMail]:
    """Every row of the outbox, read in a transaction that ends at once.

    Outside requests every transaction takes the write lock; a test that held it open
    would stop the senders it watches.
    """
    try:
        db.session.expire_all()
        return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
    finally:
        db.session.commit()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> float:
    """Poll `condition` until it holds; seconds it took. Fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.02)
    return time.monotonic() - started


# --- enqueue: the caller's transaction, nothing typed in a header --------------------------


def test_a_mail_is_stored_with_its_transaction_or_not_at_all(app, smtp):
    with pytest.raises(RuntimeError), writing():
        mail.enqueue(to="a@example.org", subject="S", body="B", kind="test")
        raise RuntimeError("the caller's write fails after the mail was enqueued")
    assert outbox() == []

    enqueue_mails(1)
    assert [m.status for m in outbox()] == ["waiting"]


def test_enqueue_outside_writing_fails_at_once(app, smtp):
    """In a request, a mail enqueued outside writing() raises there, not at a later flush."""
    db.session.commit()
    with app.test_request_context(), pytest.raises(WriteOutsideTransaction):
        mail.enqueue(to="a@example.org", subject="S", body="B", kind="test")
    db.session.rollback()
    assert outbox() == []


def test_without_a_mail_server_nothing_is_stored(app):
    with writing():
        assert mail.enqueue(to="a@example.org", subject="S", body="B", kind="test") is None
    assert outbox() == []


@pytest.mark.parametrize(
    "recipient",
    [
        "a@example.org\r\nBcc: evil@example.org",
        "a@example.org\nBcc: evil@example.org",
        "a@example.org, evil@example.org",
        "a@example.org;evil@example.org",
        "Evil <evil@example.org>",
        "a b@example.org",
        "a@b@example.org",
        "kein-at",
        "",
        "ä@example.org",
    ],
)
def test_a_recipient_that_is_not_one_plain_address_is_refused(app, smtp, recipient):
    with pytest.raises(ValueError), writing():
        mail.enqueue(to=recipient, subject="S", body="B", kind="test")
    assert outbox() == []


def test_header_injection_through_subject_and_headers_adds_no_header(app, smtp):
    """Line breaks in a subject or an allowed header become spaces; other headers are refused."""
    with pytest.raises(ValueError), writing():
        mail.enqueue(to="a@example.org", subject="S", body="B", kind="test", headers={"Bcc": "x"})
    enqueue_mails(
        1,
        to="a@example.org",
        subject="Hallo\r\nBcc: evil@example.org",
        body="Zeile\r\nBcc: im Text bleibt es Text\n",
        headers={
            "List-Unsubscribe": "<https://zirkel.example/abbestellen/abc>\r\nBcc: evil@x.org",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )

    assert mail.send_due().sent == 1
    [(rcpt, raw)] = smtp.accepted
    [message] = smtp.messages()
    assert rcpt == ["a@example.org"]
    assert message["Bcc"] is None
    assert message["Subject"] == "Hallo Bcc: evil@example.org"
    assert message["List-Unsubscribe"] == (
        "<https://zirkel.example/abbestellen/abc> Bcc: evil@x.org"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"\r\nBcc:" not in raw.split(b"\r\n\r\n", 1)[0]


# --- the sender: once each, retries, failures -----------------------------------------------


def test_each_mail_is_sent_once_with_what_it_was_given(app, smtp):
    ids = enqueue_mails(3, kind="moderation")

    report = mail.send_due()
    again = mail.send_due()

    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    assert again.sent == 0
    assert smtp.message_ids() == Counter(ids)
    first = smtp.messages()[0]
    assert (first["From"], first["To"], first["Subject"]) == (
        "zirkel@localhost",
        "empfaenger0@example.org",
        "Mail 0",
    )
    assert first["Auto-Submitted"] == "auto-generated"
    assert first.get_content() == "Text 0\r\n"  # SMTP carries CRLF line ends
    rows = outbox()
    assert {(m.status, m.attempts, m.lease_id) for m in rows} == {("sent", 1, None)}
    assert all(m.sent_at is not None for m in rows)


def test_a_server_that_is_down_gets_the_mail_when_it_is_back(app, smtp):
    """Down: the mail waits, with the error and a backoff; back: it is sent, once."""
    smtp.stop()
    [message_id] = enqueue_mails(1)

    report = mail.send_due()

    assert (report.sent, report.retrying) == (0, 1)
    [row] = outbox()
    assert (row.status, row.attempts, row.lease_id) == ("waiting", 1, None)
    assert "ConnectionRefusedError" in row.last_error
    assert row.due_at - row.last_error_at == timedelta(seconds=60)
    assert mail.send_due().sent == 0  # not due before its backoff

    smtp.start()
    report = mail.send_due(now=utcnow() + timedelta(seconds=61))

    assert report.sent == 1
    assert smtp.message_ids() == Counter([message_id])
    assert [(m.status, m.attempts) for m in outbox()] == [("sent", 2)]


def test_a_server_restart_in_the_middle_of_a_batch_loses_nothing(app, smtp):
    """The connection drops at the third of six mails: the one on the wire waits for its
    retry, the others go out at once over a new connection; then the server restarts."""
    ids = enqueue_mails(6)
    smtp.drop_at = 3

    first = mail.send_due()

    assert (first.sent, first.retrying) == (5, 1)
    rows = outbox()
    assert [m.status for m in rows] == ["sent", "sent", "waiting", "sent", "sent", "sent"]
    assert "SMTPServerDisconnected" in rows[2].last_error

    smtp.stop()
    smtp.start()
    second = mail.send_due(now=utcnow() + timedelta(seconds=61))

    assert second.sent == 1
    assert smtp.message_ids() == Counter(ids)
    assert [(m.status, m.attempts) for m in outbox()] == [("sent", 1)] * 2 + [("sent", 2)] + [
        ("sent", 1)
    ] * 3


def test_temporary_refusals_are_retried_with_a_doubling_wait_then_fail(app, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    smtp.refuse["voll@example.org"] = "452 4.2.2 Mailbox full"
    enqueue_mails(1, to="voll@example.org")

    waits = []
    for _attempt in range(3):
        mail.send_due(now=utcnow() + timedelta(hours=2))
        [row] = outbox()
        waits.append((row.status, row.attempts, (row.due_at - row.last_error_at).seconds))

    assert waits[:2] == [("waiting", 1, 60), ("waiting", 2, 120)]
    assert waits[2][:2] == ("failed", 3)
    assert row.last_error == "452 4.2.2 Mailbox full"
    assert smtp.accepted == []


def test_a_permanent_refusal_fails_at_once(app, smtp):
    smtp.refuse["niemand@example.org"] = "550 5.1.1 User unknown"
    enqueue_mails(1, to="niemand@example.org")
    ok = enqueue_mails(1, to="da@example.org")

    report = mail.send_due()

    assert (report.sent, report.failed) == (1, 1)
    failed, sent = outbox()
    assert (failed.status, failed.attempts, failed.last_error) == (
        "failed",
        1,
        "550 5.1.1 User unknown",
    )
    assert sent.status == "sent"
    assert smtp.message_ids() == Counter(ok)
    assert mail.send_due(now=utcnow() + timedelta(days=1)).failed == 0  # never tried again


def test_a_worker_that_dies_mid_send_leaves_a_lease_that_expires(app, smtp):
    """Its claim keeps the mails from everyone until the lease ends, then they go out once."""
    ids = enqueue_mails(3)
    dead = mail_sender.claim()  # a worker claims, and dies before it sends or records

    assert mail.send_due().sent == 0
    assert {m.lease_id for m in outbox()} == {dead.lease_id}

    after_lease = utcnow() + timedelta(seconds=mail_sender.lease_seconds() + 1)
    assert mail.send_due(now=after_lease).sent == 3
    assert smtp.message_ids() == Counter(ids)
    rows = outbox()
    assert {(m.status, m.attempts) for m in rows} == {("sent", 2)}
    assert {m.last_error for m in rows} == {mail_sender.LEASE_EXPIRED}
    # Had it only been slow: what it records now changes nothing.
    late = mail_sender.record(dead, dead.mails[0], mail_sender.Outcome(sent=False, error="x"))
    assert late is None
    assert outbox()[0].status == "sent"


def test_a_mail_whose_sender_dies_every_time_fails_after_its_attempts(app, smtp):
    """A mail that kills its worker is not claimed forever."""
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    enqueue_mails(1)
    lease = timedelta(seconds=mail_sender.lease_seconds() + 1)

    assert mail_sender.claim() is not None  # dies
    assert mail_sender.claim(now=utcnow() + lease) is not None  # dies again
    assert mail_sender.claim(now=utcnow() + 2 * lease) is None

    [row] = outbox()
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, mail_sender.LEASE_EXPIRED)
    assert smtp.accepted == []


def test_two_senders_on_one_database_send_each_mail_once(app, smtp, database_url, tmp_path):
    """Two apps with engines of their own (as two workers, or two servers), side by side."""
    ids = enqueue_mails(40)
    smtp.delay = 0.005  # so that each holds its claim while the other claims
    other = make_app(tmp_path / "other", DATABASE_URL=database_url)
    other.config.update({k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_TIMEOUT")})
    reports: dict[str, mail_sender.Report] = {}
    start = threading.Barrier(2)

    def send(name: str, which) -> None:
        with which.app_context():
            try:
                start.wait()
                reports[name] = mail.send_due(limit=5)
            finally:
                db.session.remove()

    db.session.commit()
    threads = [
        threading.Thread(target=send, args=(name, which))
        for name, which in (("a", app), ("b", other))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    with other.app_context():
        db.engine.dispose()

    assert not any(thread.is_alive() for thread in threads)
    assert smtp.message_ids() == Counter(ids)
    assert reports["a"].sent + reports["b"].sent == 40
    assert reports["a"].sent > 0 and reports["b"].sent > 0, reports
    assert {(m.status, m.attempts) for m in outbox()} == {("sent", 1)}


def test_three_cron_processes_send_each_mail_once(app, smtp, database_url, tmp_path):
    """`flask mail-send` three times at once, each a process with its own engine."""
    ids = enqueue_mails(60)
    smtp.delay = 0.01
    db.session.commit()
    environment = {
        **os.environ,
        "ZIRKEL_INSTANCE_PATH": str(tmp_path / "cron"),
        "ZIRKEL_DATABASE_URL": database_url,
        "ZIRKEL_SECRET_KEY": "test secret",
        "ZIRKEL_SMTP_HOST": "127.0.0.1",
        "ZIRKEL_SMTP_PORT": str(smtp.port),
    }
    runs = [
        subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "mail-send"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]

    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert smtp.message_ids() == Counter(ids)
    sent = sum(int(out.split()[1].rstrip(",")) for out, _err in outputs if out)
    assert sent == 60
    assert {(m.status, m.attempts) for m in outbox()} == {("sent", 1)}


def test_mail_send_without_a_mail_server_says_so(runner):
    result = runner.invoke(args=["mail-send"])
    assert result.exit_code == 1
    assert "No mail server is configured" in result.output


def test_sent_and_failed_mails_are_forgotten_after_a_while(app, smtp, monkeypatch):
    """Sent ones after a week, failed ones after a month: they hold readers' comments."""
    smtp.refuse["niemand@example.org"] = "550 5.1.1 User unknown"
    enqueue_mails(1)
    enqueue_mails(1, to="niemand@example.org")
    mail.send_due()
    monkeypatch.setattr(mail_sender, "_next_purge", 0.0)

    mail_sender.claim(now=utcnow() + timedelta(days=8))
    assert [m.status for m in outbox()] == ["failed"]
    monkeypatch.setattr(mail_sender, "_next_purge", 0.0)
    mail_sender.claim(now=utcnow() + timedelta(days=31))
    assert outbox() == []


# --- the background sender: started per worker, woken by commits ----------------------------


@pytest.fixture
def background(app, smtp):
    """The app as gunicorn's workers run it: a sender thread, started by the first request."""
    app.config.update(MAIL_BACKGROUND=True, MAIL_RETRY_SECONDS=0.2)
    return smtp


@pytest.fixture
def notifying(app):
    """The site mails its moderator about every comment."""
    make_user("anna@example.org", Role.MODERATOR)
    set_setting("notify_moderators", True)
    db.session.commit()
    return make_article(title="Über Zirkel")


def test_a_post_wakes_the_sender_and_never_waits_for_the_mail_server(
    client, app, background, notifying
):
    """The answer comes at once although the server takes a second; the mail follows."""
    background.delay = 1.0

    started = time.monotonic()
    response = post_comment(client, notifying)
    answered = time.monotonic() - started

    assert response.status_code == 200
    assert answered < 0.8
    # Well before the sender's minute of polling: the commit woke it.
    took = wait_until(lambda: len(background.accepted) == 1, "the moderator's mail")
    assert took < 5
    [message] = background.messages()
    assert message["To"] == "anna@example.org"
    assert "Über Zirkel" in message["Subject"]


def test_a_server_down_at_the_post_gets_the_mail_when_it_is_back(
    client, app, background, notifying
):
    background.stop()

    assert post_comment(client, notifying).status_code == 200
    wait_until(lambda: any(m.attempts >= 2 for m in outbox()), "two attempts")
    [row] = outbox()
    assert row.status == "waiting" and "ConnectionRefusedError" in row.last_error

    background.start()
    wait_until(lambda: [m.status for m in outbox()] == ["sent"], "the mail sent")
    assert len(background.accepted) == 1
    time.sleep(0.5)  # and nothing more follows
    assert len(background.accepted) == 1


def test_each_worker_process_starts_its_own_sender_once(client, app, background):
    """Checked by PID: a sender another process started (the master's, seen in a forked
    worker) does not count, and a new one starts."""
    client.get("/")
    first = app.extensions[mail_sender._EXTENSION]
    client.get("/")
    assert app.extensions[mail_sender._EXTENSION] is first and first.is_alive()

    first.pid = -1  # as if it had been started before a fork
    try:
        client.get("/")
        second = app.extensions[mail_sender._EXTENSION]
        assert second is not first and second.pid == os.getpid() and second.is_alive()
    finally:
        first.stop()
    assert not first.is_alive()


def test_no_sender_without_a_mail_server_or_when_switched_off(client, app):
    client.get("/")
    app.config.update(SMTP_HOST="127.0.0.1", MAIL_BACKGROUND=False)
    client.get("/")
    assert mail_sender._EXTENSION not in app.extensions


def test_a_stopped_sender_finishes_the_mail_on_the_wire_and_hands_back_the_rest(
    client, app, background
):
    """As a worker's sender does when gunicorn stops the worker (atexit)."""
    background.delay = 0.5
    enqueue_mails(5)
    client.get("/")  # starts the sender, which finds the five at once
    assert background.receiving.wait(DEADLINE)
    sender = app.extensions[mail_sender._EXTENSION]

    mail.stop_sender(app)

    assert not sender.is_alive()
    assert len(background.accepted) == 1
    rows = outbox()
    assert [(m.status, m.attempts, m.lease_id) for m in rows] == [("sent", 1, None)] + [
        ("waiting", 0, None)
    ] * 4


# --- the settings page ----------------------------------------------------------------------


@pytest.fixture
def admin(client, app):
    make_user("chefin@example.org", Role.ADMIN)
    login(client, "chefin@example.org")
    return client


def outbox_figures(page) -> dict[str, str]:
    return {
        dd["data-zahl"]: dd.get_text(strip=True) for dd in page.select("#postausgang dd[data-zahl]")
    }


def test_the_settings_page_shows_the_outbox_and_sends_a_test_mail(admin, app, smtp):
    page = soup(admin.get("/verwaltung/einstellungen"))
    assert f"Mailserver: 127.0.0.1:{smtp.port}." in page.find(id="e-mail").get_text()
    assert outbox_figures(page) == {"wartend": "0", "gesendet": "0", "fehlgeschlagen": "0"}
    assert page.find(id="letzter-fehler").get_text(strip=True) == "keiner"
    form = page.find("form", id="test-e-mail")
    assert form["method"] == "post" and form["action"] == "/verwaltung/einstellungen/test-e-mail"
    button = form.find("button").get_text(strip=True)
    assert button == "Test-E-Mail an chefin@example.org senden"

    token = form.find("input", {"name": "csrf_token"})["value"]
    response = admin.post(form["action"], data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/verwaltung/einstellungen#e-mail")
    page = soup(admin.get("/verwaltung/einstellungen"))
    assert "Eine Test-E-Mail an chefin@example.org liegt im Postausgang." in page.get_text()
    assert outbox_figures(page)["wartend"] == "1"

    assert mail.send_due().sent == 1
    [message] = smtp.messages()
    assert (message["To"], message["Subject"]) == ("chefin@example.org", "[Zirkel] Test-E-Mail")
    assert "funktioniert der E-Mail-Versand von Zirkel" in message.get_content()
    page = soup(admin.get("/verwaltung/einstellungen"))
    assert outbox_figures(page) == {"wartend": "0", "gesendet": "1", "fehlgeschlagen": "0"}


def test_a_permanent_refusal_is_shown_with_its_error_on_the_settings_page(admin, app, smtp):
    smtp.refuse["niemand@example.org"] = "550 5.1.1 User unknown"
    enqueue_mails(1, kind="moderation", to="niemand@example.org", subject="Über Zirkel")
    mail.send_due()

    page = soup(admin.get("/verwaltung/einstellungen"))

    assert outbox_figures(page)["fehlgeschlagen"] == "1"
    last = " ".join(page.find(id="letzter-fehler").get_text().split())
    assert "550 5.1.1 User unknown" in last
    assert "Benachrichtigung an die Moderation an niemand@example.org; aufgegeben" in last
    [row] = page.select("#fehlgeschlagen tbody tr")
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    assert cells[1:] == [
        "Benachrichtigung an die Moderation",
        "niemand@example.org",
        "Über Zirkel",
        "550 5.1.1 User unknown",
    ]


def test_the_test_mail_needs_a_post_with_the_csrf_token(admin, app, smtp):
    assert admin.get("/verwaltung/einstellungen/test-e-mail").status_code == 405
    assert admin.post("/verwaltung/einstellungen/test-e-mail").status_code == 400
    refused = admin.post("/verwaltung/einstellungen/test-e-mail", data={"csrf_token": "falsch"})
    assert refused.status_code == 400
    assert outbox() == []


def test_the_settings_page_and_the_test_mail_are_for_admins_only(client, app, smtp):
    assert client.get("/verwaltung/einstellungen").status_code == 302
    assert client.post("/verwaltung/einstellungen/test-e-mail").status_code in (302, 400)
    make_user("mod@example.org", Role.MODERATOR)
    login(client, "mod@example.org")
    token = session_token(client, "/verwaltung/")

    assert client.get("/verwaltung/einstellungen").status_code == 403
    response = client.post("/verwaltung/einstellungen/test-e-mail", data={"csrf_token": token})
    assert response.status_code == 403
    assert outbox() == []


def test_notifications_without_a_mail_server_are_stored_with_a_warning(admin, app):
    """The admin's choice holds for the day a server is configured; the page says it is idle."""
    from webapp.site_settings import get_setting

    page = soup(admin.get("/verwaltung/einstellungen"))
    assert "Es ist kein Mailserver eingerichtet" in page.find(id="e-mail").get_text()
    assert page.find("form", id="test-e-mail") is None
    assert page.find(id="keine-e-mail") is None
    token = page.find("input", {"name": "csrf_token"})["value"]

    response = admin.post(
        "/verwaltung/einstellungen",
        data={
            "csrf_token": token,
            "version": page.find("input", {"name": "version"})["value"],
            "moderation": "off",
            "close_comments_after_days": "0",
            "notify_moderators": "y",
        },
    )

    assert response.status_code == 303
    assert get_setting("notify_moderators") is True
    page = soup(admin.get("/verwaltung/einstellungen"))
    flashes = [p.get_text() for p in page.select("p.flash")]
    expected = (
        "Es ist kein Mailserver eingerichtet (ZIRKEL_SMTP_HOST): Die Moderation bekommt keine "
        "E-Mails, bis einer eingerichtet ist."
    )
    assert flashes == ["Die Einstellungen wurden gespeichert.", expected]
    assert page.find(id="keine-e-mail").get_text(strip=True) == expected

    sent = admin.post("/verwaltung/einstellungen/test-e-mail", data={"csrf_token": token})
    assert sent.status_code == 303
    assert (
        "Zirkel kann keine E-Mails verschicken."
        in soup(admin.get(sent.headers["Location"])).get_text()
    )
    assert outbox() == []
