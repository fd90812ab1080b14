"""Flood control and the duplicate check hold under parallel requests across gunicorn workers."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_concurrency import Client, stored_comments

pytestmark = pytest.mark.live


def test_sixteen_parallel_posts_from_one_network_store_exactly_the_limit(run_gunicorn, tmp_path):
    """testFloodControlHoldsUnderParallelPosts: 16 at once against "3 per minute" store 3."""
    with run_gunicorn(tmp_path, workers=4, ZIRKEL_RATELIMIT="3 per minute") as server:
        clients = [Client(server.url) for _ in range(16)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(
                pool.map(lambda c: c[1].post_comment(f"Parallel {c[0]}"), enumerate(clients))
            )
        statuses = Counter(status for status, _ in results)
        texts, count = stored_comments(server)

    assert statuses == {200: 3, 429: 13}
    assert all("Bitte versuchen Sie es in" in body for status, body in results if status == 429)
    assert (len(texts), count) == (3, 3)


def test_a_double_click_stores_one_comment(run_gunicorn, tmp_path):
    """The same post twice at the same moment: one stored, the other 409."""
    with run_gunicorn(tmp_path, workers=4) as server:
        client = Client(server.url)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda _: client.post_comment("Doppelt geklickt"), range(2)))
        texts, count = stored_comments(server)

    assert sorted(status for status, _ in results) == [200, 409]
    assert (texts, count) == (["Doppelt geklickt"], 1)
