"""gunicorn while another program holds the database: pages answer, posts 503, nobody dies."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_concurrency import ARTICLE_PATH, Client, stored_comments

from databases import database_locked

pytestmark = pytest.mark.live


def test_a_locked_database_slows_writes_but_never_takes_the_server_down(run_gunicorn, tmp_path):
    with run_gunicorn(tmp_path, workers=4, ZIRKEL_LOCK_TIMEOUT="1") as server:
        clients = [Client(server.url) for _ in range(8)]
        with database_locked(server.database_url, seconds=5) as holder:
            with ThreadPoolExecutor(max_workers=8) as pool:
                posts = list(
                    pool.map(lambda c: c[1].post_comment(f"Gesperrt {c[0]}"), enumerate(clients))
                )
            with urllib.request.urlopen(server.url + ARTICLE_PATH, timeout=5) as page:
                read_status = page.status
            still_locked = holder.poll() is None
        after = clients[0].post_comment("Danach")
        texts, count = stored_comments(server)
        server_alive = server.process.poll() is None

    assert still_locked, "the lock outlasted every request"
    assert read_status == 200
    assert [status for status, _ in posts] == [503] * 8
    assert all("Der Server ist gerade ausgelastet." in body for _, body in posts)
    assert after[0] == 200
    assert (texts, count) == (["Danach"], 1)
    assert server_alive
