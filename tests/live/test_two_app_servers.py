"""Two app servers (two gunicorns, as on two machines) in front of one database."""

from __future__ import annotations

import urllib.request

import pytest
from bs4 import BeautifulSoup
from test_concurrency import ARTICLE_PATH, Client, stored_comments

pytestmark = pytest.mark.live

# Every app server of a site shares its secret key: a form served by one is posted to another.
SHARED = {
    "ZIRKEL_SECRET_KEY": "geteilt-zwischen-beiden-servern",
    "ZIRKEL_RATELIMIT": "3 per minute",
}


def comments_shown(base_url: str) -> tuple[str, list[str]]:
    with urllib.request.urlopen(base_url + ARTICLE_PATH, timeout=10) as response:
        page = BeautifulSoup(response.read(), "html.parser")
    count = page.find(id="kommentar-anzahl").get_text()
    return count, [p.get_text() for p in page.select("#kommentar-liste .comment-text")]


def test_a_comment_posted_on_one_server_is_on_the_other_at_once_and_floods_count_on_both(
    run_gunicorn, tmp_path
):
    with (
        run_gunicorn(tmp_path / "a", workers=2, **SHARED) as one,
        run_gunicorn(tmp_path / "b", workers=2, database_url=one.database_url, **SHARED) as other,
    ):
        # Both servers have rendered (and cached) the page before the post.
        assert comments_shown(other.url) == ("0 Kommentare", [])
        reader = Client(one.url)
        assert reader.post_comment("Auf dem ersten Server")[0] == 200
        seen_on_other = comments_shown(other.url)

        # The form came from the first server; the next posts go to the second.
        reader.base_url = other.url
        second = reader.post_comment("Auf dem zweiten Server")
        reader.base_url = one.url
        third = reader.post_comment("Wieder auf dem ersten")
        reader.base_url = other.url
        fourth = reader.post_comment("Einer zu viel")
        seen_on_one = comments_shown(one.url)
        texts, count = stored_comments(one)

    assert seen_on_other == ("1 Kommentar", ["Auf dem ersten Server"])
    assert (second[0], third[0]) == (200, 200)
    # "3 per minute" counts the posts to both servers together.
    assert fourth[0] == 429
    assert "Bitte versuchen Sie es in" in fourth[1]
    expected = ["Auf dem ersten Server", "Auf dem zweiten Server", "Wieder auf dem ersten"]
    assert seen_on_one == ("3 Kommentare", expected)
    assert (texts, count) == (expected, 3)
