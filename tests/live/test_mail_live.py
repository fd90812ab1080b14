"""The outbox under gunicorn as `make run` starts it: a sender in each forked worker."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from test_concurrency import Client

from mailserver import MailServer

pytestmark = pytest.mark.live

POSTS = 8


def outbox_rows(database_url: str) -> list[tuple[str, int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            return [
                tuple(row) for row in db.execute(sql("SELECT status, attempts FROM mail_outbox"))
            ]
    finally:
        engine.dispose()


def notify_moderators(database_url: str) -> None:
    """Switch the site setting on, as the settings page would."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as db:
            db.execute(
                sql("INSERT INTO site_setting (key, value) VALUES ('notify_moderators', 'true')")
            )
    finally:
        engine.dispose()


def test_gunicorn_workers_send_each_mail_once_right_after_the_post(run_gunicorn, tmp_path):
    """No cron, no thread from the master: each worker starts its sender on its first
    request, a post's commit wakes it, and the reader never waits for the mail server."""
    smtp = MailServer()
    smtp.delay = 0.3  # a slow mail server
    smtp.start()
    try:
        with run_gunicorn(
            tmp_path,
            workers=3,
            ZIRKEL_SMTP_HOST="127.0.0.1",
            ZIRKEL_SMTP_PORT=str(smtp.port),
            ZIRKEL_MODERATOR_EMAILS="anna@example.org",
        ) as server:
            notify_moderators(server.database_url)
            readers = [Client(server.url) for _ in range(POSTS)]

            def post(number: int) -> tuple[int, float]:
                started = time.monotonic()
                status, _body = readers[number].post_comment(f"Kommentar Nummer {number}")
                return status, time.monotonic() - started

            started = time.monotonic()
            with ThreadPoolExecutor(POSTS) as pool:
                answers = list(pool.map(post, range(POSTS)))
            deadline = started + 20
            while len(smtp.accepted) < POSTS and time.monotonic() < deadline:
                time.sleep(0.05)
            took = time.monotonic() - started
            time.sleep(0.5)  # nothing more follows
            rows = outbox_rows(server.database_url)
    finally:
        smtp.stop()

    assert [status for status, _seconds in answers] == [200] * POSTS
    # Eight mails at 0.3 s each would hold up a post that waited for them.
    assert max(seconds for _status, seconds in answers) < 2
    assert len(smtp.accepted) == POSTS
    assert took < 15  # long before the senders' minute of polling
    texts = Counter(
        line
        for message in smtp.messages()
        for line in message.get_body(("plain",)).get_content().splitlines()
        if line.startswith("> Kommentar Nummer")
    )
    assert texts == Counter(f"> Kommentar Nummer {number}" for number in range(POSTS))
    assert rows == [("sent", 1)] * POSTS
