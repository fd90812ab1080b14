"""Measurements besides throughput: page weight, first-view requests, SQL per page, logs."""

from __future__ import annotations

import gzip
import html
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .chromium import CHROMIUM, CHROMIUM_ARGS
from .servers import environment

GZIP_LEVEL = 6


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET url; status, headers and body, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def form_token(page: bytes) -> str:
    """The value of the comment form's hidden csrf_token input."""
    token = hidden_value(page, "csrf_token")
    if not token:
        raise RuntimeError("the article page has no csrf_token in its form")
    return token


def hidden_value(page: bytes, name: str) -> str:
    """The value of the first input named name in the page ("" if there is none)."""
    for tag in re.findall(rb"<input\b[^>]*>", page):
        if re.search(rb'\bname="' + re.escape(name.encode()) + rb'"', tag):
            value = re.search(rb'\bvalue="([^"]*)"', tag)
            return html.unescape(value.group(1).decode()) if value else ""
    return ""


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


# --- page weight and first view -------------------------------------------------------------


@dataclass
class Asset:
    url: str
    kind: str  # stylesheet, script, image, icon, css-url
    raw: int = 0
    gzipped: int = 0


@dataclass
class PageWeight:
    url: str
    html_raw: int
    html_gzipped: int
    assets: list[Asset]  # the CSS and JS the page links
    first_view: list[Asset]  # every request besides the page and the article photo
    photo: str | None
    first_view_seen_by: str = ""  # how the first view was found

    @property
    def assets_raw(self) -> int:
        return sum(a.raw for a in self.assets)

    @property
    def assets_gzipped(self) -> int:
        return sum(a.gzipped for a in self.assets)


_ATTRIBUTE = r'\b{name}\s*=\s*["\']([^"\']+)["\']'


def _tags(page: str, tag: str) -> Iterator[str]:
    yield from re.findall(rf"<{tag}\b[^>]*>", page, re.IGNORECASE)


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(_ATTRIBUTE.format(name=name), tag, re.IGNORECASE)
    return html.unescape(match.group(1)) if match else None


# Where the article photo may be: a file below static/, or an upload (webapp/media.py).
PHOTO_PATHS = ("/static/img/demo/jubilaeum.jpg", "/medien/")


def page_weight(page_url: str, body: bytes, photo_paths: Sequence[str] = PHOTO_PATHS) -> PageWeight:
    """Weigh a page and everything a first view of it loads (fetched from the same server).

    The first image whose path ends with or starts with one of photo_paths is the article
    photo; it is not counted.
    """
    page = body.decode()
    assets: list[Asset] = []
    for tag in _tags(page, "link"):
        rel = (_attribute(tag, "rel") or "").lower().split()
        href = _attribute(tag, "href")
        if href and "stylesheet" in rel:
            assets.append(Asset(urljoin(page_url, href), "stylesheet"))
    for tag in _tags(page, "script"):
        src = _attribute(tag, "src")
        if src:
            assets.append(Asset(urljoin(page_url, src), "script"))
    for asset in assets:
        _, _, data = fetch(asset.url)
        asset.raw, asset.gzipped = len(data), gzipped_size(data)

    others: list[Asset] = []
    photo_url = None
    for tag in _tags(page, "img"):
        src = _attribute(tag, "src")
        if not src or src.startswith("data:"):
            continue
        url = urljoin(page_url, src)
        path = urlsplit(url).path
        is_photo = any(path.endswith(p) or path.startswith(p) for p in photo_paths)
        if is_photo and photo_url is None:
            photo_url = url
        else:
            others.append(Asset(url, "image"))
    for tag in _tags(page, "link"):
        rel = (_attribute(tag, "rel") or "").lower().split()
        href = _attribute(tag, "href")
        if href and not href.startswith("data:") and {"icon", "preload", "manifest"} & set(rel):
            others.append(Asset(urljoin(page_url, href), "icon/preload"))
    for asset in [a for a in assets if a.kind == "stylesheet"]:
        _, _, css = fetch(asset.url)
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.decode(errors="replace")):
            if not ref.startswith("data:"):
                others.append(Asset(urljoin(asset.url, ref), "css-url"))
    first_view, seen_by = assets + others, "the HTML and CSS (every image counted)"
    if (loaded := browser_first_view(page_url)) is not None:
        skip = {page_url, photo_url}
        first_view = [Asset(url, "browser") for url in loaded if url not in skip]
        seen_by = f"Chromium at {VIEWPORT[0]} × {VIEWPORT[1]} px (lazy images below it not loaded)"
    return PageWeight(
        url=page_url,
        html_raw=len(body),
        html_gzipped=gzipped_size(body),
        assets=assets,
        first_view=first_view,
        photo=photo_url,
        first_view_seen_by=seen_by,
    )


VIEWPORT = (1280, 800)


def browser_first_view(page_url: str) -> list[str] | None:
    """Every URL a real first view of the page requests (Debian's Chromium, an empty
    cache, until the network is idle), the page itself first; None without a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not CHROMIUM.exists():
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_url, wait_until="networkidle")
            return requested
        finally:
            browser.close()


# --- SQL statements per page ---------------------------------------------------------------

# Transaction control and connection setup are not queries a page asks for.
_NOT_QUERIES = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE"})


@dataclass
class PageQueries:
    label: str
    path: str
    cold: int  # statements on the first request in a fresh app (empty page cache)
    warm: int  # statements on the same request again
    statuses: tuple[int, int]


def queries_per_page(
    env: dict[str, str], pages: Sequence[tuple[str, str, dict[str, str]]]
) -> list[PageQueries]:
    """Run each (label, path, headers) twice through Flask's test client, counting SQL.

    The app is built in this process with the same environment gunicorn gets, so it
    reads the same database with the same settings.
    """
    from sqlalchemy import event

    with environment(env):
        from webapp import create_app
        from webapp.extensions import db

        app = create_app()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        words = statement.split(None, 1)
        if words and words[0].upper() not in _NOT_QUERIES:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client = app.test_client()
        results = []
        for label, path, headers in pages:
            counts, statuses = [], []
            for _ in range(2):
                statements.clear()
                response = client.get(path, headers=headers)
                counts.append(len(statements))
                statuses.append(response.status_code)
            results.append(PageQueries(label, path, counts[0], counts[1], tuple(statuses)))
        return results
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()


@dataclass
class RequestCost:
    key: str  # plain, hooks, not_modified, kept, article, front
    label: str
    microseconds: float  # per request, in this process, through Flask's test client


def request_costs(
    env: dict[str, str], article_path: str, comments_path: str, page: bytes
) -> list[RequestCost]:
    """Where a request's time goes: the same test client against a plain Flask app, then
    Zirkel's app on a constant route, a 304 (through the app, and kept), a cached article
    page and the front page.

    The steps between the rows show what Zirkel adds to the bare framework: its hooks on
    every request (headers, form tokens, sessions, i18n, database teardown), the check that
    a page is still current (the version query, or on SQLite while nobody wrote its
    `PRAGMA data_version`), and the page itself; and what a kept 304 saves
    (webapp/revalidation.py: the same answer again, without the app, while nobody wrote).
    Single-threaded, in this process: only the differences and ratios mean something.
    """
    import time

    from flask import Flask
    from werkzeug.test import Client

    body = page  # the article's own bytes: a realistic body for every after-request hook
    plain = Flask("constant")
    plain.add_url_rule("/", "constant", lambda: body)
    with environment(env):
        from webapp import create_app

        app = create_app()
    app.add_url_rule("/bench-konstant", "bench_constant", lambda: body)
    # The ETag as this app names it (it names the host asked, not gunicorn's address).
    etag = Client(app).get(comments_path, headers={"HX-Request": "true"}).headers["ETag"]
    check = {"HX-Request": "true", "If-None-Match": etag}
    # Behind the middleware that keeps 304s: every request through Flask and the view.
    through_the_app = app.wsgi_app.wsgi_app
    cases = [
        ("plain", "Plain Flask, constant response", Client(plain), "/", {}),
        (
            "hooks",
            "Zirkel's app, constant response (its hooks, no query)",
            Client(app),
            "/bench-konstant",
            {},
        ),
        (
            "not_modified",
            "Zirkel, unchanged comment list (the freshness check in the app, 304)",
            Client(through_the_app),
            comments_path,
            check,
        ),
        (
            "kept",
            "Zirkel, unchanged comment list asked again (the kept 304)",
            Client(app),
            comments_path,
            check,
        ),
        (
            "article",
            "Zirkel, article page from the page cache (the freshness check)",
            Client(app),
            article_path,
            {},
        ),
        ("front", "Zirkel, front page", Client(app), "/", {}),
    ]
    costs = []
    for key, label, client, path, headers in cases:
        expected = 304 if "If-None-Match" in headers else 200
        status = client.get(path, headers=headers).status_code
        if status != expected:  # else the row would measure something else
            raise RuntimeError(f"{label}: answered {status}, not {expected}")
        for _ in range(200):  # warm up: caches, connections
            client.get(path, headers=headers)
        n = 2000
        start = time.perf_counter()
        for _ in range(n):
            client.get(path, headers=headers)
        costs.append(RequestCost(key, label, (time.perf_counter() - start) / n * 1e6))
    return costs


# --- server logs ----------------------------------------------------------------------------

_ACCESS = re.compile(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3}) ')
_GUNICORN_LEVEL = re.compile(r"^\[[^\]]+\] \[\d+\] \[([A-Z]+)\] (.*)$")
_NGINX_LEVEL = re.compile(r"^\S+ \S+ \[([a-z]+)\] \d+#\d+: (.*)$")


@dataclass
class LogSummary:
    path: Path
    # (method, path or label, status) -> responses
    responses: Counter = field(default_factory=Counter)
    # level -> lines (messages without time stamp and PID), for WARNING and worse
    problems: dict[str, Counter] = field(default_factory=dict)
    tracebacks: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for (_, _, status), n in self.responses.items() if status >= 500)


def summarize_gunicorn_log(path: Path, labels: dict[str, str]) -> LogSummary:
    """Count responses per request and status; collect warnings, errors, tracebacks."""
    summary = LogSummary(path)
    with path.open(errors="replace") as lines:
        for line in lines:
            access = _ACCESS.search(line)
            if access:
                method, target, status = access.groups()
                summary.responses[(method, _route(target, labels), int(status))] += 1
                continue
            if line.startswith("Traceback"):
                summary.tracebacks += 1
            level = _GUNICORN_LEVEL.match(line.rstrip("\n"))
            if level and level.group(1) not in ("INFO", "DEBUG"):
                message = re.sub(r"\(pid:\d+\)|\b\d{3,}\b", "…", level.group(2))
                summary.problems.setdefault(level.group(1), Counter())[message] += 1
    return summary


def _route(target: str, labels: dict[str, str]) -> str:
    """How the summary names a request's target: its path, or that path's label."""
    route = urlsplit(target).path
    if route.startswith("/static/"):
        route = "/static/…"
    return labels.get(route, route)


_ACCESS_BYTES = re.compile(_ACCESS.pattern.encode())


def summarize_access_log(path: Path, labels: dict[str, str]) -> LogSummary:
    """Count responses per request and status in nginx's access log (the `zirkel` format).

    Millions of lines: counted as bytes first, named once per distinct target.
    """
    summary = LogSummary(path)
    if not path.exists():
        return summary
    counts: Counter = Counter()
    search = _ACCESS_BYTES.search
    with path.open("rb") as lines:
        for line in lines:
            access = search(line)
            if access:
                counts[access.groups()] += 1
    for (method, target, status), n in counts.items():
        route = _route(target.decode(errors="replace"), labels)
        summary.responses[(method.decode(), route, int(status))] += n
    return summary


def summarize_nginx_log(path: Path) -> LogSummary:
    """Collect nginx's error log lines by level (nginx logs no access here)."""
    summary = LogSummary(path)
    if not path.exists():
        return summary
    for line in path.read_text(errors="replace").splitlines():
        level = _NGINX_LEVEL.match(line)
        if level:
            message = re.sub(r"\*\d+ |client: [\d.]+, ", "", level.group(2))
            summary.problems.setdefault(level.group(1), Counter())[message] += 1
    return summary
