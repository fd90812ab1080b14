"""The page cache of the shipped nginx config, in front of gunicorn: what it shares, for how
long, and what it never shares.

Zirkel marks what is the same for everyone (webapp/caching.py); nginx keeps such a copy
until the end of the second at most. A poster reaches Zirkel (their cookies bypass the
cache) and sees their comment at once; everybody else within the second.
"""

from __future__ import annotations

import http.client
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from itsdangerous import URLSafeSerializer
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from test_concurrency import SLUG

from servers import LiveServer, run_nginx

pytestmark = pytest.mark.live

ARTICLE = f"/artikel/{SLUG}"
POST = f"{ARTICLE}/kommentare"
MIN_SUBMIT_SECONDS = 2  # the spam timer, on for these tests (tests elsewhere turn it off)
SHARED = "public, max-age=0, s-maxage=1"


@dataclass
class Site:
    url: str
    app: LiveServer


@pytest.fixture(scope="module")
def site(run_gunicorn, tmp_path_factory):
    """gunicorn behind nginx with deploy/nginx-zirkel.conf, its cache in the test's folder."""
    instance = tmp_path_factory.mktemp("page-cache-app")
    with run_gunicorn(
        instance,
        ZIRKEL_TRUSTED_PROXIES="1",
        ZIRKEL_MIN_SUBMIT_SECONDS=str(MIN_SUBMIT_SECONDS),
    ) as app:
        port = urlsplit(app.url).port
        with run_nginx(tmp_path_factory.mktemp("page-cache-nginx"), port, instance) as url:
            yield Site(url, app)


@dataclass
class Answer:
    status: int
    headers: Message
    body: str

    @property
    def cache(self) -> str | None:
        """What nginx's cache did: HIT, MISS, STALE, UPDATING, BYPASS, … (None: no cache)."""
        return self.headers.get("X-Cache-Status")

    @property
    def cache_control(self) -> set[str]:
        return {d.strip() for d in self.headers.get("Cache-Control", "").split(",") if d}

    @property
    def page(self) -> BeautifulSoup:
        return BeautifulSoup(self.body, "html.parser")

    def cookies(self) -> dict[str, str]:
        """The cookies this answer sets (a browser would send them from now on)."""
        jar = SimpleCookie()
        for line in self.headers.get_all("Set-Cookie") or []:
            jar.load(line)
        return {name: morsel.value for name, morsel in jar.items() if morsel.value}


def fetch(site: Site, path: str, method: str = "GET", body: bytes | None = None, **headers):
    """One request through nginx, redirects not followed."""
    parts = urlsplit(site.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


def new_address(path: str) -> str:
    """The same page at an address nobody asked for yet: nothing of it is in the cache."""
    return f"{path}{'&' if '?' in path else '?'}probe={secrets.token_hex(6)}"


def start_of_a_second() -> None:
    """Wait until a second has just begun: a copy made now is kept for almost all of it."""
    time.sleep(1.05 - time.time() % 1)


def in_the_cache(site: Site, path: str) -> Answer:
    """Ask until nginx answers from a copy of its own (a stale one is renewed meanwhile)."""
    for _ in range(20):
        answer = fetch(site, path)
        if answer.cache == "HIT":
            return answer
        time.sleep(0.02)
    raise AssertionError(f"{path} never came from the cache (last: {answer.cache})")


def token_of(answer: Answer) -> str:
    return answer.page.find("input", {"name": "csrf_token"})["value"]


def issued_at(site: Site, token: str) -> int:
    """When the token says its form was served (checked with the site's own key)."""
    key = (site.app.instance / "secret_key").read_text().strip()
    return URLSafeSerializer(key, salt="zirkel.comment-form").loads(token)


def wait_for_the_timer(site: Site, token: str) -> None:
    """Wait as a reader who reads and types does: the spam timer's seconds since the form."""
    time.sleep(max(0.0, issued_at(site, token) + MIN_SUBMIT_SECONDS + 0.05 - time.time()))


def post_comment(site: Site, form: Answer, text: str, *, htmx: bool, **fields) -> Answer:
    """Post the comment form of a page fetched earlier, as a browser would send it."""
    token = token_of(form)
    data = {"name": "Leserin", "email": "leserin@example.org", "text": text, "csrf_token": token}
    data.update({i["name"]: i["value"] for i in form.page.select("#kommentar-fenster input")})
    data.update(fields)
    headers = {"Origin": site.url, "Content-Type": "application/x-www-form-urlencoded"}
    if htmx:
        headers.update({"HX-Request": "true", "X-Form-Token": token})
    body = urllib.parse.urlencode(data).encode()
    return fetch(site, POST, "POST", body, **headers)


def comment_texts(answer: Answer) -> list[str]:
    return [t.get_text(strip=True) for t in answer.page.select(".comment-text")]


def stored(site: Site, text: str) -> tuple[str, str]:
    """A comment's status and the spam guard's reasons, as the database has them."""
    engine = create_engine(site.app.database_url)
    try:
        with engine.connect() as db:
            row = db.execute(
                sql("SELECT status, reasons FROM comment WHERE text = :text"), {"text": text}
            ).one()
    finally:
        engine.dispose()
    return str(row.status).lower(), row.reasons or ""


def requests_for(site: Site, probe: str) -> int:
    """How many requests with this address reached gunicorn (its access log)."""
    time.sleep(0.2)  # it logs after answering
    log = (site.app.instance / "gunicorn.log").read_text()
    return sum(probe in line for line in log.splitlines())


def test_a_second_view_within_the_second_is_a_hit_and_the_copy_is_renewed_after_it(site):
    path = new_address(ARTICLE)
    start_of_a_second()
    first = fetch(site, path)
    second = fetch(site, path)

    assert (first.cache, second.cache) == ("MISS", "HIT")
    assert token_of(second) == token_of(first), "the same copy"
    assert requests_for(site, path) == 1, "the second view never reached Zirkel"
    assert second.headers["Cache-Control"] == SHARED
    assert "X-Accel-Expires" not in second.headers, "for nginx only"

    start_of_a_second()
    ended = time.monotonic()
    later = fetch(site, path)
    assert later.cache != "HIT", "the copy ended with its second"
    # Served stale while one request renews it in the background, then the new copy.
    while token_of(later) == token_of(first):
        assert time.monotonic() - ended < 1, "the copy was not renewed"
        time.sleep(0.05)
        later = fetch(site, path)
    assert issued_at(site, token_of(later)) > issued_at(site, token_of(first))


def test_a_poster_without_javascript_sees_their_comment_at_once_never_from_the_cache(site):
    form = fetch(site, ARTICLE)
    wait_for_the_timer(site, token_of(form))
    start_of_a_second()
    in_the_cache(site, ARTICLE)

    posted = post_comment(site, form, "Ohne Skript, sofort zu sehen", htmx=False)
    assert posted.status == 303
    assert {"zirkel_eigene_kommentare", "session"} <= set(posted.cookies())
    assert posted.cache_control == {"private", "no-store"}

    location = urlsplit(posted.headers["Location"])
    assert location.path == ARTICLE
    shown = fetch(site, location.path, **cookie_header(posted.cookies()))
    assert shown.status == 200
    assert shown.cache == "BYPASS"
    assert "Ohne Skript, sofort zu sehen" in comment_texts(shown)
    assert shown.page.find(string=lambda s: s and "Vielen Dank" in s) is not None
    assert shown.cache_control == {"private", "no-store"}


def test_a_poster_with_htmx_gets_their_comment_in_the_answer(site):
    form = fetch(site, ARTICLE)
    wait_for_the_timer(site, token_of(form))
    start_of_a_second()
    in_the_cache(site, ARTICLE)

    answer = post_comment(site, form, "Mit htmx, in der Antwort", htmx=True)

    assert answer.status == 200
    assert "Mit htmx, in der Antwort" in comment_texts(answer)
    assert answer.cache_control == {"private", "no-store"}


def test_another_reader_sees_a_new_comment_within_a_second_and_a_half(site):
    form = fetch(site, ARTICLE)
    wait_for_the_timer(site, token_of(form))
    start_of_a_second()
    # The worst case: a copy without the comment, made at the start of its second.
    in_the_cache(site, ARTICLE)

    assert post_comment(site, form, "Für alle bald da", htmx=True).status == 200
    posted_at = time.monotonic()
    while "Für alle bald da" not in comment_texts(fetch(site, ARTICLE)):
        assert time.monotonic() - posted_at < 1.5, "another reader did not see it in 1.5 s"
        time.sleep(0.05)


def html_lang(answer: Answer) -> str:
    return answer.page.find("html")["lang"]


def test_languages_never_get_each_others_copy(site):
    path = new_address(ARTICLE)
    readers = [
        ("de", {"Accept-Language": "de"}),
        ("en", {"Accept-Language": "en"}),
        ("en", {"Accept-Language": "de", "Cookie": "zirkel_sprache=en"}),
        ("de", {}),
        ("de", {"Accept-Language": "en", "Cookie": "zirkel_sprache=de"}),
    ]
    start_of_a_second()
    first = [fetch(site, path, **headers) for _, headers in readers]
    again = [fetch(site, path, **headers) for _, headers in readers]

    assert [a.cache for a in first] == ["MISS"] * len(readers), "each its own copy"
    assert [a.cache for a in again] == ["HIT"] * len(readers)
    expected = [language for language, _ in readers]
    assert [html_lang(a) for a in first] == expected
    assert [html_lang(a) for a in again] == expected

    # A browser's copy in one language is not "not modified" for the other.
    english = first[1].headers["ETag"]
    assert english != first[0].headers["ETag"]
    assert fetch(site, path, **{"If-None-Match": english, **readers[0][1]}).status == 200
    assert fetch(site, path, **{"If-None-Match": english, **readers[1][1]}).status == 304


def test_an_htmx_fragment_and_the_whole_page_never_get_each_others_copy(site):
    path = new_address("/suche?q=Integration")
    askers = [
        ("page", {}),
        ("fragment", {"HX-Request": "true"}),
        ("page", {"HX-Request": "true", "HX-History-Restore-Request": "true"}),
        ("page", {"HX-Request": "true", "HX-Boosted": "true"}),
    ]
    start_of_a_second()
    first = [fetch(site, path, **headers) for _, headers in askers]
    again = [fetch(site, path, **headers) for _, headers in askers]

    def kind(answer: Answer) -> str:
        return "page" if answer.page.find("html") else "fragment"

    assert [a.cache for a in again] == ["HIT"] * len(askers)
    expected = [k for k, _ in askers]
    assert [kind(a) for a in first] == expected
    assert [kind(a) for a in again] == expected
    assert all(a.page.find(id="suchergebnisse") for a in first + again)


def test_a_browsers_copy_is_not_modified_through_the_cache_until_the_page_changes(site):
    path = new_address(ARTICLE)
    form = fetch(site, ARTICLE)
    wait_for_the_timer(site, token_of(form))
    start_of_a_second()
    first = fetch(site, path)
    etag = first.headers["ETag"]

    repeat = fetch(site, path, **{"If-None-Match": etag})
    assert (repeat.status, repeat.body, repeat.cache) == (304, "", "HIT")

    assert post_comment(site, form, "Ändert das ETag", htmx=True).status == 200
    posted_at = time.monotonic()
    while (changed := fetch(site, path, **{"If-None-Match": etag})).status == 304:
        assert time.monotonic() - posted_at < 1.5, "the changed page was not served in 1.5 s"
        time.sleep(0.05)
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert "Ändert das ETag" in comment_texts(changed)
    assert fetch(site, path, **{"If-None-Match": changed.headers["ETag"]}).status == 304


@pytest.mark.parametrize("path", ["/verwaltung/anmelden", "/verwaltung/", "/meine-daten"])
def test_editorial_and_personal_pages_are_never_cached(site, path):
    answers = [fetch(site, path) for _ in range(3)]

    assert all(a.cache != "HIT" for a in answers)
    assert all(a.cache_control == {"private", "no-store"} for a in answers)


def test_a_page_that_sets_a_cookie_is_never_cached(site):
    """The login page starts a session (its form's CSRF token lives there)."""
    answers = [fetch(site, "/verwaltung/anmelden") for _ in range(2)]
    assert all("session" in a.cookies() for a in answers), "each gets its own session"
    assert all(a.cache_control == {"private", "no-store"} for a in answers)

    chosen = fetch(
        site,
        "/sprache",
        "POST",
        b"sprache=en&weiter=/",
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (chosen.status, chosen.cookies()) == (303, {"zirkel_sprache": "en"})
    assert chosen.cache_control == {"private", "no-store"}


def test_the_health_address_is_never_cached(site):
    answers = [fetch(site, "/gesundheit") for _ in range(2)]
    assert [a.status for a in answers] == [200, 200]
    assert all(a.cache is None for a in answers), "the cache is off there"
    assert all("no-store" in a.cache_control for a in answers)


def test_a_form_from_the_cache_passes_the_spam_timer_and_is_far_from_expiring(site):
    """A cached copy's token was issued up to a second before the reader saw it: the timer
    counts that second as the reader's, so a reader is never held as too fast for it."""
    path = new_address(ARTICLE)
    start_of_a_second()
    fetch(site, path)
    time.sleep(0.5)
    seen_at = time.time()
    cached = fetch(site, path)
    assert cached.cache == "HIT"
    token = token_of(cached)
    # A token names its whole second, and a copy ends with that second.
    assert 0 <= seen_at - issued_at(site, token) < 1, "issued within the second it was seen"

    time.sleep(MIN_SUBMIT_SECONDS)  # the reader reads and types for the usual seconds
    answer = post_comment(site, cached, "Aus dem Cache, in Ruhe geschrieben", htmx=True)
    assert answer.status == 200
    assert stored(site, "Aus dem Cache, in Ruhe geschrieben") == ("visible", "")

    # Control: the timer is on; a form sent at once is held, however it was served.
    hasty = fetch(site, new_address(ARTICLE))
    assert post_comment(site, hasty, "Sofort abgeschickt", htmx=True).status == 200
    status, reasons = stored(site, "Sofort abgeschickt")
    assert status == "pending"
    assert re.search(rf"Nach [01] s abgeschickt \(Minimum {MIN_SUBMIT_SECONDS} s\)", reasons)
