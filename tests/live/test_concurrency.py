"""gunicorn with several workers under simultaneous comment posts, and request size limits.

The clients use only the standard library: each GETs the article once for its session
cookie and CSRF token, then posts as htmx does.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from servers import LiveServer

pytestmark = pytest.mark.live

SLUG = "jubilaeumsveranstaltung-des-kommunalen-qualitaetszirkels-zur-integrationspolitik"
ARTICLE_PATH = f"/artikel/{SLUG}"
POST_PATH = f"{ARTICLE_PATH}/kommentare"
CLIENTS = 16
POSTS_PER_CLIENT = 25  # 400 posts in all
REQUEST_TIMEOUT = 30
RUN_TIMEOUT = 90
SMALL_LIMIT = 2048


@pytest.fixture(scope="module")
def small_limit_server(run_gunicorn, tmp_path_factory):
    """A gunicorn whose request bodies may be at most SMALL_LIMIT bytes."""
    instance = tmp_path_factory.mktemp("small-limit-instance")
    with run_gunicorn(instance, ZIRKEL_MAX_CONTENT_LENGTH=str(SMALL_LIMIT)) as server:
        yield server


class Client:
    """One reader: a cookie jar, and the CSRF token of the article page it loaded."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        with self.opener.open(base_url + ARTICLE_PATH, timeout=REQUEST_TIMEOUT) as response:
            page = BeautifulSoup(response.read(), "html.parser")
        self.token = page.find("input", {"name": "csrf_token"})["value"]

    def form_body(self, **fields: str) -> bytes:
        return urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()

    def headers(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.token}

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)

    def post_comment(self, text: str) -> tuple[int, str]:
        """POST a comment as htmx does; the status and body, whatever the status."""
        request = urllib.request.Request(
            self.base_url + POST_PATH,
            data=self.form_body(name="Lasttest", email="last@example.org", text=text),
            headers=self.headers(),
        )
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(errors="replace")

    def post_chunked(self, body: bytes, chunk_size: int = 256) -> tuple[int, str]:
        """POST a form body with Transfer-Encoding: chunked (no Content-Length)."""
        parsed = urllib.parse.urlsplit(self.base_url)
        chunks = (body[i : i + chunk_size] for i in range(0, len(body), chunk_size))
        connection = http.client.HTTPConnection(
            parsed.hostname, parsed.port, timeout=REQUEST_TIMEOUT
        )
        with closing(connection):
            connection.request(
                "POST",
                POST_PATH,
                body=chunks,
                headers={
                    **self.headers(),
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Transfer-Encoding": "chunked",
                    "Cookie": self.cookie_header(),
                },
                encode_chunked=True,
            )
            with connection.getresponse() as response:
                return response.status, response.read().decode(errors="replace")


def stored_comments(server: LiveServer) -> tuple[list[str], int]:
    """The article's comment texts in the server's database, and its comment_count column."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as db:
            article_id, comment_count = db.execute(
                sql("SELECT id, comment_count FROM article WHERE slug = :slug"), {"slug": SLUG}
            ).one()
            texts = list(
                db.scalars(
                    sql("SELECT text FROM comment WHERE article_id = :id ORDER BY id"),
                    {"id": article_id},
                )
            )
    finally:
        engine.dispose()
    return texts, comment_count


def test_simultaneous_posts_are_all_stored_once_and_counted(run_gunicorn, tmp_path):
    """400 posts from 16 clients to 4 workers: all 2xx, one row each, and the count matches."""
    with run_gunicorn(tmp_path, workers=4) as server:
        texts_before, _ = stored_comments(server)
        start = threading.Barrier(CLIENTS)

        def reader(number: int) -> list[tuple[str, int, str]]:
            try:
                client = Client(server.url)
                start.wait(timeout=REQUEST_TIMEOUT)
            except BaseException:
                start.abort()
                raise
            results = []
            for post in range(POSTS_PER_CLIENT):
                text = f"Kommentar {post} von Leser {number}"
                status, body = client.post_comment(text)
                results.append((text, status, body))
            return results

        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(reader, number) for number in range(CLIENTS)]
            results = [
                result
                for future in as_completed(futures, timeout=RUN_TIMEOUT)
                for result in future.result()
            ]
        elapsed = time.monotonic() - began
        texts_after, comment_count = stored_comments(server)

    failures = [
        (text, status, body[:300]) for text, status, body in results if not 200 <= status < 300
    ]
    assert failures == [], f"{len(failures)} posts failed, e.g. {failures[:3]}"
    assert all(text in body for text, _, body in results), "a response lacks its new comment"
    posted = [text for text, _, _ in results]
    assert len(set(posted)) == len(posted) == CLIENTS * POSTS_PER_CLIENT

    # Exactly one row per post: none lost, none doubled.
    assert Counter(texts_after) == Counter(texts_before + posted)
    assert comment_count == len(texts_after)

    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert elapsed < RUN_TIMEOUT


def test_chunked_post_within_the_size_limit_is_stored(small_limit_server):
    """A chunked body under the limit is read whole: the comment is stored."""
    client = Client(small_limit_server.url)
    text = "Kurz und gestückelt."
    body = client.form_body(name="Stückelung", email="chunk@example.org", text=text)
    assert len(body) < SMALL_LIMIT

    status, answer = client.post_chunked(body)

    assert status == 200, answer[:500]
    texts, comment_count = stored_comments(small_limit_server)
    assert texts.count(text) == 1
    assert comment_count == len(texts)


def test_chunked_post_over_the_size_limit_is_refused_with_413(small_limit_server):
    """A chunked body over MAX_CONTENT_LENGTH gets 413, and nothing of it is stored."""
    client = Client(small_limit_server.url)
    texts_before, count_before = stored_comments(small_limit_server)
    # Valid fields first and a long comment last: cut at the limit, it would still be storable.
    marker = "Zu lang und gestückelt"
    body = client.form_body(
        name="Stückelung", email="chunk@example.org", text=marker + " " + "x" * (2 * SMALL_LIMIT)
    )
    assert len(body) > SMALL_LIMIT

    status, answer = client.post_chunked(body)

    assert status == 413, answer[:500]
    texts_after, count_after = stored_comments(small_limit_server)
    assert texts_after == texts_before
    assert not any(marker in text for text in texts_after)
    assert count_after == count_before
