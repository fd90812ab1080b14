"""Never stale for its author: comments posted through the page cache while readers hammer
the page.

For each post, at a random moment within a second (a copy of the page lives until the end
of the second it was made in, so the moment decides how long the old copy still has), as a
reader would: a fresh view of the article through nginx (no cookies, so possibly a cached
copy) gives the form and its token; the comment is posted, without
JavaScript (form post, 303, the page again with the cookies the post set) or with htmx
(the answer carries the comment). The poster must see it at once; a reader without
cookies, asking every ~50 ms, within LIMIT seconds. Afterwards the database must hold each
comment exactly once, visible.
"""

from __future__ import annotations

import random
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from .dataset import comment_statuses
from .measure import fetch, form_token, hidden_value

POSTS = 20  # alternating no-JS and htmx
LIMIT = 1.5  # seconds within which another reader must see a new comment
POLL = 0.05  # seconds between that reader's views
GIVE_UP = 5.0  # seconds after which a comment another reader has not seen counts as lost


@dataclass
class FreshPost:
    """One comment posted through nginx, and who saw it when."""

    number: int
    way: str  # "no-JS" or "htmx"
    text: str
    status: int  # of the post's answer: 303 without JavaScript, 200 with htmx
    post_ms: float  # from sending the post to its answer
    poster_saw: bool  # in the page after the redirect (no-JS) or in the answer (htmx)
    poster_cache: str  # X-Cache-Status of the poster's page after the redirect; "–" for htmx
    # Seconds from the post's answer until a reader without cookies saw it; None: not
    # within GIVE_UP.
    other_delay: float | None
    # X-Cache-Status of that reader's first view after the post, and whether it still
    # lacked the comment (an old copy: what the cache must not keep for long).
    other_first_cache: str = ""
    other_first_stale: bool = False
    statuses: list[str] = field(default_factory=list)  # the rows stored with this text

    @property
    def other_missed(self) -> bool:
        return self.other_delay is None or self.other_delay > LIMIT

    @property
    def stored_once(self) -> bool:
        return self.statuses == ["visible"]


@dataclass
class Freshness:
    posts: list[FreshPost]
    article_path: str
    seconds: float = 0.0  # the whole check

    @property
    def poster_misses(self) -> int:
        return sum(not p.poster_saw for p in self.posts)

    @property
    def other_misses(self) -> int:
        return sum(p.other_missed for p in self.posts)

    @property
    def delays(self) -> list[float]:
        return [p.other_delay for p in self.posts if p.other_delay is not None]

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else float("nan")

    @property
    def max_delay(self) -> float:
        return max(self.delays) if len(self.delays) == len(self.posts) else float("inf")

    @property
    def stored_once(self) -> int:
        return sum(p.stored_once for p in self.posts)

    @property
    def server_errors(self) -> int:
        return sum(p.status >= 500 for p in self.posts)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand the 303 back (as an HTTPError) instead of following it: its status is checked."""

    def redirect_request(self, *args, **kwargs):
        return None


def check(
    proxy: str, article_path: str, database: Path, progress: Callable[[str], None] = print
) -> Freshness:
    """Post POSTS comments through nginx at proxy, alternating no-JS and htmx; see above."""
    tag = uuid.uuid4().hex[:8]
    started = time.monotonic()
    posts = []
    for number in range(1, POSTS + 1):
        # Posting right after the last one was seen would always hit the start of a second:
        # the worst case every time, never the usual one.
        time.sleep(random.random())
        way = "no-JS" if number % 2 else "htmx"
        text = (
            f"Frischetest {tag} Nummer {number}: Sieht das hier jeder gleich, "
            "auch ohne neu zu laden?"
        )
        post = _post_and_watch(proxy, article_path, number, way, text)
        posts.append(post)
        delay = "not seen" if post.other_delay is None else f"{post.other_delay * 1000:.0f} ms"
        progress(
            f"    {number:2d} {way:5s}: {post.status}, {post.post_ms:.0f} ms; poster "
            f"{'saw it' if post.poster_saw else 'MISSED IT'}; another reader after {delay}"
        )
    for post in posts:
        post.statuses = comment_statuses(database, post.text)
    return Freshness(posts, article_path, time.monotonic() - started)


def _post_and_watch(proxy: str, article_path: str, number: int, way: str, text: str) -> FreshPost:
    status, _, page = fetch(proxy + article_path)
    if status != 200:
        raise RuntimeError(f"{article_path} through nginx answered {status}")
    token = form_token(page)
    data = {"name": "Frida Frisch", "email": "frida@example.org", "text": text, "csrf_token": token}
    headers = {"Origin": proxy, "Content-Type": "application/x-www-form-urlencoded"}
    if way == "htmx":
        # What htmx sends besides the form: the oldest comment the reader's list shows.
        data["seit"] = hidden_value(page, "seit")
        headers.update({"HX-Request": "true", "X-Form-Token": token})
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(
        proxy + article_path + "/kommentare", data=body, headers=headers, method="POST"
    )
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)

    sent = time.monotonic()
    try:
        with opener.open(request, timeout=30) as response:
            status, answer, location = response.status, response.read(), None
    except urllib.error.HTTPError as error:
        with error:
            status, answer, location = error.code, error.read(), error.headers.get("Location")
    answered = time.monotonic()

    poster_cache = "–"
    if way == "htmx":
        poster_saw = status == 200 and text in answer.decode(errors="replace")
    else:
        poster_saw = False
        if status == 303 and location:
            # The page the browser goes to next, with the cookies the post set.
            with opener.open(urllib.parse.urljoin(proxy, location), timeout=30) as response:
                poster_cache = response.headers.get("X-Cache-Status", "none")
                poster_saw = text in response.read().decode(errors="replace")

    delay, first_cache, first_stale = None, "", False
    while time.monotonic() - answered < GIVE_UP:
        _, seen_headers, seen = fetch(proxy + article_path)
        found = text in seen.decode(errors="replace")
        if not first_cache:
            first_cache = seen_headers.get("X-Cache-Status", "none")
            first_stale = not found
        if found:
            delay = time.monotonic() - answered
            break
        time.sleep(POLL)
    return FreshPost(
        number=number,
        way=way,
        text=text,
        status=status,
        post_ms=(answered - sent) * 1000,
        poster_saw=poster_saw,
        poster_cache=poster_cache,
        other_delay=delay,
        other_first_cache=first_cache,
        other_first_stale=first_stale,
    )
