"""Benchmark Zirkel on this machine: `make bench` (or `.venv/bin/python bench/run.py`).

Builds a data set of 1,000 articles and 200,000 comments in a temporary instance
folder, serves it with gunicorn exactly as `make run` does, loads it from loopback with
wrk, straight and through the shipped nginx config with its page cache, compares the
figures with two references measured in the same run (the same pages as static files from
nginx, and a constant response from the same gunicorn setup), checks that comments posted
through the cache under read load show at once for their poster and within 1.5 s for
everybody else, and writes a Markdown report to bench/results/report-<date>.md. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import re
import runpy
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script: make the bench package importable
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import dataset, freshness, measure, report, servers, wrk  # noqa: E402
from bench.cpu import wait_until_quiet  # noqa: E402
from bench.figures import BUSY, Figure, Plan, measure_posts  # noqa: E402
from bench.figures import measure as measure_figure  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = PROJECT_ROOT / "bench" / "results"
SITE_CONFIG = PROJECT_ROOT / "deploy" / "nginx-zirkel.conf"
# A word of the data set's texts, in an inflection they do not all use: the search stems it.
SEARCH = "/suche?q=Haushalte+Stadt"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 run of 2 s per figure (smoke test)")
    parser.add_argument("--duration", type=float, help="seconds per run (default 5)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per figure (default 2)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary database too, not only the logs"
    )
    args = parser.parse_args(argv)
    quick = Plan(warmup=1, duration=2, runs=1)
    full = Plan(warmup=2, duration=5, runs=3)
    base = quick if args.quick else full
    args.plan = Plan(
        warmup=args.warmup if args.warmup is not None else base.warmup,
        duration=args.duration if args.duration is not None else base.duration,
        runs=args.runs if args.runs is not None else base.runs,
    )
    return args


def say(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # `kill <pid>` should stop the servers too, as Ctrl-C does: run the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        wrk.ensure_tools()
    except wrk.ToolsMissing as error:
        print(error, file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="zirkel-bench-"))
    # nginx's workers (user nobody when started as root) read the reference page here.
    work.chmod(0o755)
    say(f"Working in {work} (logs stay there).")
    try:
        results = benchmark(work, args.plan)
    except KeyboardInterrupt:
        print("\nInterrupted; every server the benchmark started is stopped.", file=sys.stderr)
        return 130
    finally:
        if not args.keep:
            shutil.rmtree(work / "instance", ignore_errors=True)

    text = report.render(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"report-{results.started:%Y-%m-%d}.md"
    path.write_text(text)
    say("")
    say(text)
    say(f"Report written to {path.relative_to(PROJECT_ROOT)}; logs in {work / 'logs'}.")
    return 0


def benchmark(work: Path, plan: Plan) -> report.Results:
    """Build the data, start the servers, measure every figure; stop everything."""
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = time.monotonic()
    load_before = _load_average()
    revision = _revision()
    instance, logs = work / "instance", work / "logs"
    logs.mkdir()
    app_port = servers.free_port()
    env = servers.app_environment(instance, app_port)

    say("Building the data set …")
    data = dataset.build(
        PROJECT_ROOT, [str(BIN / "flask"), "--app", "wsgi"], env, logs / "flask-db-upgrade.log"
    )
    say(
        f"  {data.articles:,} articles, {data.comments:,} comments in {data.seconds:.1f} s "
        f"({data.database_bytes / 1e6:.0f} MB)"
    )
    slug = data.slugs
    article = {count: f"/artikel/{slug[count]}" for count in slug}
    comments = f"{article[50]}/kommentare"
    labels = {
        "/": "/",
        **{path: f"/artikel/<{count}>" for count, path in article.items()},
        **{
            f"{path}/kommentare": f"/artikel/<{count}>/kommentare"
            for count, path in article.items()
        },
    }
    figures: dict[str, Figure] = {}

    say("Starting gunicorn as `make run` does …")
    with servers.gunicorn(
        BIN / "gunicorn", PROJECT_ROOT, "wsgi:app", env, logs / "gunicorn-zirkel.log"
    ) as app:
        base = app.url
        probe = _probe(base, article, comments)
        page, etag = probe.page, probe.etag

        say("Page weight and queries per page …")
        weight = measure.page_weight(base + article[50], page)
        queries = measure.queries_per_page(
            env,
            [
                ("Front page", "/", {}),
                ("Search", SEARCH, {}),
                ("Article, 0 comments", article[0], {}),
                ("Article, 50 comments", article[50], {}),
                ("Article, 10,000 comments", article[10_000], {}),
                ("Comment list (htmx), 50 comments", comments, {"HX-Request": "true"}),
                (
                    "Comment list unchanged (htmx, If-None-Match)",
                    comments,
                    {"HX-Request": "true", "If-None-Match": etag},
                ),
            ],
        )

        costs = measure.request_costs(env, article[50], comments, page)

        say("Load:")
        wait_until_quiet(BUSY, limit=30, progress=say)
        figures["front"] = measure_figure(Figure("front", "Front page", "GET /"), base + "/", plan)
        figures["search"] = measure_figure(
            Figure("search", "Search", f"GET {SEARCH}", note=probe.search_note),
            base + SEARCH,
            plan,
        )
        for count, name in ((0, "0"), (50, "50"), (10_000, "10,000")):
            figures[f"article{count}"] = measure_figure(
                Figure(
                    f"article{count}",
                    f"Article, {name} comments",
                    f"GET /artikel/<{count}>",
                    note=f"page of {probe.sizes[count]:,} bytes.",
                ),
                base + article[count],
                plan,
            )
        figures["refresh304"] = measure_figure(
            Figure(
                "refresh304",
                "Comment list unchanged",
                "GET /artikel/<50>/kommentare, HX-Request, If-None-Match",
                note=f"a single check answered {probe.refresh_status} (ETag {etag}).",
            ),
            base + comments,
            plan,
            headers=["HX-Request: true", f"If-None-Match: {etag}"],
        )

        say("Starting nginx with deploy/nginx-zirkel.conf (its page cache) and static copies …")
        stylesheet = urlsplit(weight.assets[0].url) if weight.assets else None
        asset = f"{stylesheet.path}?{stylesheet.query}" if stylesheet else "/static/css/site.css"
        pages = [
            ("article", "Article, 50 comments", article[50], "/artikel/<50>"),
            ("front", "Front page", "/", "/"),
        ]
        if data.biggest_topic:
            topic = f"/thema/{data.biggest_topic}"
            labels[topic] = "/thema/<slug>"
            pages.append(("topic", "Topic page", topic, "/thema/<slug>"))
        else:  # a schema without topics: the search, which every schema has
            pages.append(("topic", "Search", SEARCH, SEARCH))
        with _shipped_nginx(work, logs, app_port, data.database.parent, labels) as site:
            figures.update(_cached_figures(site, pages, asset, plan))

            say("Starting the constant app (the Python ceiling) …")
            figures["constant"] = _constant_figure(logs, len(page), plan)

            say("Comment posts (htmx), straight to gunicorn:")
            for count, name in ((50, "50"), (10_000, "10,000")):
                figures[f"post{count}"] = measure_posts(
                    Figure(
                        f"post{count}",
                        f"Comment post, {name}-comment article",
                        f"POST /artikel/<{count}>/kommentare, htmx",
                    ),
                    base + article[count] + "/kommentare",
                    plan,
                    token=probe.token,
                    database=data.database,
                )

            # Memory where the benchmark measured it before the posts through nginx existed.
            workers_rss_before = _workers_rss(app.pid)
            say("Through nginx while 16 connections read the 50-comment article:")
            load = _under_read_load(site, article[50], probe.token, data.database, plan)
            figures["nginxpost"] = load.posts

        workers_rss = _workers_rss(app.pid)
        master_rss = servers.rss_bytes(app.pid)

    order = [
        "front", "search", "article0", "article50", "article10000", "refresh304",
        "post50", "post10000", "cached_article", "static_article", "cached_front",
        "static_front", "cached_topic", "static_topic", "nginxpost", "constant",
    ]  # fmt: skip
    return report.Results(
        started=started,
        plan=plan,
        machine=_machine(),
        versions=_versions(len(workers_rss), revision),
        dataset=data,
        figures={key: figures[key] for key in order},
        weight=weight,
        queries=queries,
        costs=costs,
        freshness=load.freshness,
        reads_during_freshness=load.reads_during_freshness,
        reads_during_posts=load.reads_during_posts,
        workers_rss=workers_rss,
        workers_rss_before_nginx_posts=workers_rss_before,
        master_rss=master_rss,
        refresh_status=probe.refresh_status,
        gunicorn_log=measure.summarize_gunicorn_log(logs / "gunicorn-zirkel.log", labels),
        constant_log=measure.summarize_gunicorn_log(logs / "gunicorn-constant.log", {}),
        nginx_log=measure.summarize_nginx_log(logs / "nginx-error.log"),
        nginx_access=site.access,
        logs_folder=str(logs),
        load_before=load_before,
        load_after=_load_average(),
        seconds=time.monotonic() - clock,
    )


@dataclass
class Probe:
    """What single requests tell before the load: the page, its form token, the ETag."""

    page: bytes  # the article with 50 comments
    token: str  # its comment form's csrf_token
    etag: str  # of the comment list (htmx refresh)
    refresh_status: int  # the list asked again with If-None-Match: <etag>
    sizes: dict[int, int]  # bytes of the article page, by number of comments
    search_note: str  # what the search found


def _probe(base: str, article: dict[int, str], comments: str) -> Probe:
    status, _, page = measure.fetch(base + article[50])
    if status != 200:
        raise RuntimeError(f"{article[50]} answered {status}")
    _, headers, _ = measure.fetch(base + comments, {"HX-Request": "true"})
    etag = headers.get("ETag", "")
    refresh_status, _, _ = measure.fetch(
        base + comments, {"HX-Request": "true", "If-None-Match": etag}
    )
    search_status, _, results = measure.fetch(base + SEARCH)
    found = re.search(rb'id="suche-status"[^>]*>([^<]*)<', results)
    return Probe(
        page=page,
        token=measure.form_token(page),
        etag=etag,
        refresh_status=refresh_status,
        sizes={count: len(measure.fetch(base + path)[2]) for count, path in article.items()},
        search_note=(
            f"answered {search_status}: “{found[1].decode() if found else '?'}” "
            f"({len(results):,} bytes, a page of the best matches)."
        ),
    )


@dataclass
class Site:
    """nginx with the shipped config in front of Zirkel's gunicorn, and the static server."""

    proxy: str  # the shipped site, with its page cache
    reference: str  # the static reference server
    reference_root: Path  # its files
    access_log: Path
    labels: dict[str, str]  # path -> how the access log's summary names it (shared)
    access: measure.LogSummary | None = None  # filled in when nginx has stopped


@contextmanager
def _shipped_nginx(
    work: Path, logs: Path, app_port: int, instance: Path, labels: dict[str, str]
) -> Iterator[Site]:
    """nginx with deploy/nginx-zirkel.conf (only its ADJUST lines rewritten) and a static
    server for the reference copies; summarizes (paths named by labels) and removes its
    access log when stopped."""
    prefix, reference = work / "nginx", work / "static-pages"
    prefix.mkdir()
    reference.mkdir()
    for path in (prefix, reference):
        path.chmod(0o755)
    proxy_port, reference_port = servers.free_port(), servers.free_port()
    access_log = logs / "nginx-access.log"
    config = servers.nginx_config(
        prefix,
        SITE_CONFIG,
        error_log=logs / "nginx-error.log",
        access_log=access_log,
        proxy_port=proxy_port,
        gunicorn_port=app_port,
        static_root=PROJECT_ROOT / "static",
        media_root=instance / "media",
        reference_port=reference_port,
        reference_root=reference,
    )
    (reference / "ready.html").write_text("ready\n")
    reference_url = f"http://127.0.0.1:{reference_port}"
    site = Site(f"http://127.0.0.1:{proxy_port}", reference_url, reference, access_log, labels)
    try:
        with servers.nginx(
            wrk.nginx_binary(),
            prefix,
            config,
            logs / "nginx-error.log",
            reference_url + "/ready.html",
        ):
            yield site
        site.access = measure.summarize_access_log(access_log, site.labels)
    finally:
        # Every request through the shipped site is a line there: hundreds of megabytes.
        access_log.unlink(missing_ok=True)


def _cached_figures(
    site: Site, pages: list[tuple[str, str, str, str]], asset_path: str, plan: Plan
) -> dict[str, Figure]:
    """Each page through the shipped config (its page cache), and the same bytes as a file.

    pages: (key, label, path, path as the report names it). asset_path (a fingerprinted
    static URL) checks that nginx serves static files itself.
    """
    asset_status, asset_headers, _ = measure.fetch(site.proxy + asset_path)
    figures = {}
    for key, label, path, named in pages:
        site.labels[path] = named
        status, _, body = measure.fetch(site.proxy + path)
        again_status, again, _ = measure.fetch(site.proxy + path)
        if status != 200 or again_status != 200:
            raise RuntimeError(f"{path} through nginx answered {status}, then {again_status}")
        (site.reference_root / f"{key}.html").write_bytes(body)
        (site.reference_root / f"{key}.html").chmod(0o644)
        note = (
            f"a second view answered X-Cache-Status: {again.get('X-Cache-Status', '–')}, "
            f"Cache-Control: {again.get('Cache-Control', '–')}; page of {len(body):,} bytes."
        )
        if key == "article":
            note += (
                f" A static file through the same site ({asset_path.split('?')[0]}) answered "
                f"{asset_status}, Cache-Control: {asset_headers.get('Cache-Control', '–')}."
            )
        figures[f"cached_{key}"] = measure_figure(
            Figure(f"cached_{key}", f"{label}, shipped nginx config", f"GET {named}", note=note),
            site.proxy + path,
            plan,
        )
        figures[f"static_{key}"] = measure_figure(
            Figure(
                f"static_{key}",
                f"{label}, static file from nginx",
                f"GET /{key}.html (the same bytes)",
            ),
            f"{site.reference}/{key}.html",
            plan,
        )
    return figures


@dataclass
class UnderLoad:
    """What happened through nginx while wrk read the article page through it."""

    freshness: freshness.Freshness
    reads_during_freshness: wrk.Run
    posts: Figure
    reads_during_posts: wrk.Run


def _under_read_load(
    site: Site, article_path: str, token: str, database: Path, plan: Plan
) -> UnderLoad:
    """While a background wrk reads the article through nginx: the freshness check, then
    comment posts (post.lua) through nginx, reconciled with the database."""
    with wrk.background(site.proxy + article_path) as reads:
        time.sleep(1)  # the readers are there before the first post
        fresh = freshness.check(site.proxy, article_path, database, progress=say)
    with wrk.background(site.proxy + article_path) as reads_posting:
        posts = measure_posts(
            Figure(
                "nginxpost",
                "Comment post through nginx, under read load",
                "POST /artikel/<50>/kommentare, htmx, via the shipped config",
                note="while a second wrk (16 connections) read the same article through nginx.",
            ),
            site.proxy + article_path + "/kommentare",
            plan,
            token=token,
            database=database,
        )
    return UnderLoad(fresh, reads.run, posts, reads_posting.run)


def _constant_figure(logs: Path, size: int, plan: Plan) -> Figure:
    """The constant response of the page's size from `gunicorn -c gunicorn.conf.py`."""
    port = servers.free_port()
    env = {**servers.base_environment(port), "BENCH_CONSTANT_BYTES": str(size)}
    with servers.gunicorn(
        BIN / "gunicorn",
        PROJECT_ROOT,
        "bench.constant_app:app",
        env,
        logs / "gunicorn-constant.log",
    ) as constant:
        return measure_figure(
            Figure(
                "constant",
                "Constant response (ceiling)",
                "GET / (bench/constant_app.py)",
                note=f"{size:,} bytes, the size of the 50-comment page.",
            ),
            constant.url + "/",
            plan,
        )


def _workers_rss(master: int) -> dict[int, int]:
    """Resident bytes of each of gunicorn's workers, by PID."""
    return {pid: servers.rss_bytes(pid) for pid in servers.children(master)}


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    os_name = "unknown"
    if Path("/etc/os-release").exists():
        found = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.M)
        os_name = found.group(1) if found else os_name
    return {
        "CPU": model.group(1).strip() if model else platform.processor() or "unknown",
        "Cores": str(os.cpu_count()),
        "RAM": f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "OS": f"{os_name}, Linux {platform.release()}",
    }


def _revision() -> str:
    """The checked-out Zirkel commit, and which files differ from it (bench/ aside)."""
    git = ["git", "-C", str(PROJECT_ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--", ".", ":(exclude)bench"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    if not changed:
        return head
    paths = [line[3:] for line in changed]
    listed = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return f"{head} with uncommitted changes ({listed})"


def _versions(workers: int, revision: str) -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    tools = wrk.versions()
    conf = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    worker_class, threads = conf.get("worker_class", "sync"), conf.get("threads", 1)
    return {
        "Zirkel": revision,
        "Python": platform.python_version(),
        "Flask": version("flask"),
        "SQLAlchemy": version("sqlalchemy"),
        "gunicorn": f"{version('gunicorn')}: {workers} {worker_class} workers"
        + (f" × {threads} threads" if threads != 1 else "")
        + " (default WEB_CONCURRENCY)",
        "SQLite": sqlite3.sqlite_version,
        "nginx": tools["nginx"],
        "wrk": tools["wrk"],
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
