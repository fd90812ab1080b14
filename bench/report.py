"""The Markdown report: what was measured, on what, and whether Zirkel meets its targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .dataset import Dataset
from .figures import BUSY, Figure, Plan
from .measure import LogSummary, PageQueries, PageWeight, RequestCost
from .wrk import CONNECTIONS, THREADS

KB = 1000  # the report's KB and MB are decimal: 1 KB = 1,000 bytes
MB = 1000 * 1000

# The targets (see bench/README.md).
ARTICLE_SHARE_OF_CEILING = 0.50
ARTICLE_P99_MS = 50
BIG_ARTICLE_SLOWDOWN = 1.25
REFRESH_SHARE_OF_CEILING = 0.80
POST_SHARE_OF_CEILING = 0.15
HTML_BYTES = 40 * KB
ASSETS_GZIPPED_BYTES = 30 * KB
EXTRA_REQUESTS = 3
WORKER_RSS_BYTES = 100 * MB


@dataclass
class Results:
    """Everything one run of the benchmark found out."""

    started: datetime
    plan: Plan
    machine: dict[str, str]
    versions: dict[str, str]
    dataset: Dataset
    figures: dict[str, Figure]
    weight: PageWeight
    queries: list[PageQueries]
    costs: list[RequestCost]
    workers_rss: dict[int, int]  # worker PID -> bytes
    master_rss: int
    refresh_status: int  # status of one unchanged-list refresh with If-None-Match
    gunicorn_log: LogSummary
    constant_log: LogSummary
    nginx_log: LogSummary
    logs_folder: str
    load_before: str
    load_after: str
    seconds: float = 0.0


@dataclass
class Target:
    name: str
    met: bool
    detail: str


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _kb(size: int) -> str:
    return f"{size / KB:,.1f} KB"


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def _share(value: float, reference: float) -> str:
    return f"{value / reference:.0%}" if reference else "–"


def targets(r: Results) -> list[Target]:
    """Check every target against the numbers measured in this run."""
    f = r.figures
    ceiling = f["constant"].median_rate
    article = f["article50"]
    big = f["article10000"]
    refresh = f["refresh304"]
    slowdown = article.median_rate / big.median_rate if big.median_rate else float("inf")
    result = [
        Target(
            "Article with 50 comments: ≥ 50 % of the ceiling, p99 < 50 ms at 16 connections",
            article.median_rate >= ARTICLE_SHARE_OF_CEILING * ceiling
            and article.p99_ms < ARTICLE_P99_MS,
            f"{_n(article.median_rate)} req/s = {_share(article.median_rate, ceiling)} of "
            f"{_n(ceiling)} req/s; p99 {article.p99_ms:.1f} ms",
        ),
        Target(
            "Article with 10,000 comments: ≤ 1.25 × the time per request of the 50-comment page",
            slowdown <= BIG_ARTICLE_SLOWDOWN,
            f"{1000 / big.median_rate:.2f} ms vs {1000 / article.median_rate:.2f} ms per request "
            f"(1 / median req/s) = {slowdown:.2f} ×",
        ),
        Target(
            "Unchanged comment list: answered 304, at ≥ 80 % of the ceiling",
            r.refresh_status == 304
            and refresh.non_2xx_3xx == 0
            and refresh.median_rate >= REFRESH_SHARE_OF_CEILING * ceiling,
            f"status {r.refresh_status}; {_n(refresh.median_rate)} req/s = "
            f"{_share(refresh.median_rate, ceiling)} of the ceiling; "
            f"{refresh.non_2xx_3xx} non-2xx/3xx",
        ),
    ]
    for key in ("post50", "post10000"):
        post = f[key]
        reported = sum(p.reported_2xx for p in post.posts)
        stored = sum(p.stored for p in post.posts)
        in_flight = sum(p.in_flight or 0 for p in post.posts)
        errors = sum(p.server_errors for p in post.posts)
        refused = sum(p.other_failures for p in post.posts)
        reconciled = all(p.reconciled for p in post.posts)
        result.append(
            Target(
                f"{post.label}: ≥ 15 % of the ceiling, every 2xx stored, no 5xx",
                post.median_rate >= POST_SHARE_OF_CEILING * ceiling
                and reconciled
                and errors == 0
                and refused == 0,
                f"{_n(post.median_rate)} req/s = {_share(post.median_rate, ceiling)} of the "
                f"ceiling; {_n(reported)} 2xx reported by wrk + {_n(in_flight)} in flight when "
                f"wrk stopped = {_n(reported + in_flight)}; {_n(stored)} stored "
                f"({'reconciled exactly' if reconciled else 'MISMATCH'}); "
                f"{errors} 5xx; {refused} 4xx",
            )
        )
    rss_max = max(r.workers_rss.values(), default=0)
    result += [
        Target(
            "Article HTML with 50 comments ≤ 40 KB",
            r.weight.html_raw <= HTML_BYTES,
            f"{_n(r.weight.html_raw)} bytes ({_kb(r.weight.html_raw)}; "
            f"gzip {_kb(r.weight.html_gzipped)})",
        ),
        Target(
            "All CSS and JS ≤ 30 KB compressed",
            r.weight.assets_gzipped <= ASSETS_GZIPPED_BYTES,
            f"{_n(r.weight.assets_gzipped)} bytes gzip ({_kb(r.weight.assets_gzipped)}; "
            f"raw {_kb(r.weight.assets_raw)})",
        ),
        Target(
            "≤ 3 requests besides the photo on a first view",
            len(r.weight.first_view) <= EXTRA_REQUESTS,
            f"{len(r.weight.first_view)}: "
            + ", ".join(a.url.rsplit("/", 1)[-1].split("?")[0] for a in r.weight.first_view),
        ),
        Target(
            "Each worker < 100 MB resident",
            bool(r.workers_rss) and rss_max < WORKER_RSS_BYTES,
            f"largest of {len(r.workers_rss)} workers: {_mb(rss_max)}",
        ),
    ]
    return result


def render(r: Results) -> str:
    """The whole report as Markdown."""
    f = r.figures
    ceiling = f["constant"].median_rate
    static = f["static"].median_rate
    out: list[str] = []
    add = out.append

    add(f"# Zirkel benchmark, {r.started:%Y-%m-%d}")
    add("")
    add(
        f"Run {r.started:%Y-%m-%d %H:%M} UTC with `make bench` (`bench/run.py`), "
        f"{r.seconds / 60:.1f} minutes in all. Load from loopback with wrk: "
        f"{CONNECTIONS} connections, {THREADS} threads, a {r.plan.warmup:g} s warm-up before "
        f"each figure, then {r.plan.runs} run(s) of {r.plan.duration:g} s. wrk runs on the "
        "same machine as the servers and takes CPU from them, for every figure alike."
    )
    add("")

    add("## Machine")
    add("")
    for name, value in r.machine.items():
        add(f"- {name}: {value}")
    add(f"- Load average (1, 5, 15 min) before: {r.load_before}; after: {r.load_after}")
    add("")

    add("## Versions")
    add("")
    add("| Software | Version |")
    add("|---|---|")
    for name, value in r.versions.items():
        add(f"| {name} | {value} |")
    add("")

    d = r.dataset
    add("## Data set")
    add("")
    add(
        f"- {d.authors} authors (“Redaktion” and {d.authors - 1} others), "
        f"{_n(d.articles)} published articles "
        f"(German text, median body {_n(d.body_chars_median)} characters, photo "
        f"{d.photo}), {_n(d.comments)} visible comments "
        f"(median {_n(d.comment_chars_median)} characters)."
    )
    for count, slug in sorted(d.slugs.items()):
        add(f"- Article with {_n(count)} comments, `/artikel/<{count}>` below: `/artikel/{slug}`")
    add(
        f"- SQLite file {_mb(d.database_bytes)}; built (migrations and bulk insert) in "
        f"{d.seconds:.1f} s."
    )
    add("")

    add("## Throughput and latency")
    add("")
    add(
        "req/s: minimum / median / maximum over the runs; latencies: median over the runs "
        "of each run's p50 and p99. “Ceiling”: the constant response of the same size from "
        "the same gunicorn setup; “static”: the same page as a file from nginx. “Others' "
        "CPU”: the share of all cores used during the runs by anything but the benchmark's "
        "own processes (kernel threads included, so a few per cent are normal); a figure "
        f"during which that exceeded {BUSY:.0%} was measured once more (marked ↻), and the "
        "attempt with less interference is shown."
    )
    add("")
    busiest = max(f.values(), key=lambda figure: figure.others_cpu)
    if busiest.others_cpu > BUSY:
        add(
            f"**Other programs were busy during this run** (up to {busiest.others_cpu:.0%} of "
            f"the CPU, during “{busiest.label}”): those figures are lower than this machine "
            "can do. Run the benchmark again when the machine is quiet."
        )
        add("")
    add(
        "| Figure | Request | req/s min / median / max | p50 | p99 | non-2xx/3xx "
        "| socket errors | vs ceiling | vs static | others' CPU |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|")
    for figure in f.values():
        rates = figure.rates
        add(
            f"| {figure.label} | `{figure.path}` | {_n(min(rates))} / **{_n(figure.median_rate)}**"
            f" / {_n(max(rates))} | {figure.p50_ms:.2f} ms | {figure.p99_ms:.2f} ms "
            f"| {_n(figure.non_2xx_3xx)} | {_n(figure.socket_errors)} "
            f"| {_share(figure.median_rate, ceiling)} | {_share(figure.median_rate, static)} "
            f"| {figure.others_cpu:.0%}{' ↻' if figure.remeasured else ''} |"
        )
    add("")
    for figure in f.values():
        if figure.note:
            add(f"- {figure.label}: {figure.note}")
    add("")

    add("## Comment posts")
    add("")
    add(
        "wrk's count of 2xx is the responses it received minus its “Non-2xx or 3xx "
        "responses”; `post.lua` also tallies every status and counts the requests wrk sent. "
        "When a run's time is up, wrk drops the requests still in flight (sent, not yet "
        "answered; in a closed loop that is one per connection); gunicorn still handles "
        "them, so they are stored too. After each run the database is asked how many "
        "comments carry that run's tag: it must equal the 2xx plus those in flight."
    )
    add("")
    add(
        "| Figure | Run | sent | wrk responses | statuses (post.lua) | wrk 2xx | in flight "
        "| expected | stored |"
    )
    add("|---|---|---|---|---|---|---|---|---|")
    for key in ("post50", "post10000"):
        for number, p in enumerate(f[key].posts, start=1):
            statuses = ", ".join(f"{s}: {_n(n)}" for s, n in sorted(p.statuses.items()))
            sent = "?" if p.sent is None else _n(p.sent)
            in_flight = "?" if p.in_flight is None else _n(p.in_flight)
            expected = "?" if p.in_flight is None else _n(p.reported_2xx + p.in_flight)
            add(
                f"| {f[key].label} | {number}{'' if p.kept else ' ↻ (repeated)'} | {sent} "
                f"| {_n(p.completed)} | {statuses or '–'} "
                f"| {_n(p.reported_2xx)} | {in_flight} | {expected} "
                f"| {_n(p.stored)}{'' if p.reconciled else ' (MISMATCH)'} |"
            )
    add("")
    add(
        "Runs marked ↻ belong to an attempt that other programs disturbed and that was "
        "repeated; their rates are not in the table above, but what they stored is checked "
        "too. Each figure's warm-up posts as well, so the articles have more comments during "
        "the measured runs than their names say (the post's answer lists the newest page of "
        "them, as for a reader who opened no older ones)."
    )
    add("")

    w = r.weight
    add("## Page weight (article with 50 comments)")
    add("")
    add("| Resource | Raw | gzip -6 |")
    add("|---|---|---|")
    add(f"| HTML | {_n(w.html_raw)} bytes | {_n(w.html_gzipped)} bytes |")
    for asset in w.assets:
        add(
            f"| {asset.url.split('?')[0].split('/static/', 1)[-1]} ({asset.kind}) "
            f"| {_n(asset.raw)} bytes | {_n(asset.gzipped)} bytes |"
        )
    add(f"| **All CSS and JS** | **{_n(w.assets_raw)} bytes** | **{_n(w.assets_gzipped)} bytes** |")
    add("")
    add("## Requests on a first view")
    add("")
    add(
        f"Besides the page and the article photo ({w.photo or 'not found'}): "
        f"**{len(w.first_view)}** (stylesheets, scripts, other images, icons, "
        f"`url()`s in the CSS; the favicon is a `data:` URL), as seen by "
        f"{w.first_view_seen_by}."
    )
    add("")
    for asset in w.first_view:
        add(f"- {asset.kind}: {asset.url}")
    add("")

    add("## Queries per page")
    add("")
    add(
        "SQL statements per request through Flask's test client on the same database "
        "(BEGIN, COMMIT, ROLLBACK and PRAGMA not counted). Cold: the first request in a "
        "fresh app; warm: the same request again (the app keeps rendered pages)."
    )
    add("")
    add("| Page | Cold | Warm | Statuses |")
    add("|---|---|---|---|")
    for q in r.queries:
        add(f"| {q.label} | {q.cold} | {q.warm} | {q.statuses[0]}, {q.statuses[1]} |")
    add("")

    add("## Where a request's time goes")
    add("")
    add(
        "The same requests in one process through Flask's test client (single-threaded; "
        "compare the rows, not the absolute numbers, which include the test client):"
    )
    add("")
    add("| Request | µs per request | vs plain Flask |")
    add("|---|---|---|")
    base = r.costs[0].microseconds if r.costs else 0
    for cost in r.costs:
        add(f"| {cost.label} | {cost.microseconds:,.0f} | {cost.microseconds / base:.1f} × |")
    add("")

    add("## Worker memory")
    add("")
    add(
        f"Resident memory (VmRSS) of Zirkel's gunicorn workers after all figures, including "
        f"the comment posts: {len(r.workers_rss)} workers; the master has "
        f"{_mb(r.master_rss)}."
    )
    add("")
    add("| Worker PID | RSS |")
    add("|---|---|")
    for pid, rss in sorted(r.workers_rss.items()):
        add(f"| {pid} | {_mb(rss)} |")
    add("")

    add("## Server logs")
    add("")
    add(f"Kept in `{r.logs_folder}`.")
    add("")
    add("Responses in Zirkel's gunicorn access log, by request and status:")
    add("")
    add("| Method | Path | Status | Responses |")
    add("|---|---|---|---|")
    for (method, path, status), n in sorted(r.gunicorn_log.responses.items()):
        add(f"| {method} | `{path}` | {status} | {_n(n)} |")
    add("")
    for title, log in (
        ("Zirkel's gunicorn", r.gunicorn_log),
        ("the constant app's gunicorn", r.constant_log),
        ("nginx", r.nginx_log),
    ):
        problems = sum(sum(c.values()) for c in log.problems.values())
        if not problems and not log.tracebacks:
            add(f"- {title}: no warnings, errors or tracebacks.")
            continue
        add(f"- {title}: {problems} warning/error lines, {log.tracebacks} tracebacks:")
        for level, messages in sorted(log.problems.items()):
            for message, n in messages.most_common(8):
                add(f"  - {level} × {n}: `{message[:200]}`")
    add("")

    add("## Targets")
    add("")
    checked = targets(r)
    for target in checked:
        add(f"- **{'met' if target.met else 'NOT MET'}**: {target.name}. {target.detail}.")
    if not all(target.met for target in checked) and len(r.costs) == 4:
        plain, hooks, not_modified, cached = (c.microseconds for c in r.costs)
        add("")
        add(
            "Why the throughput targets are not met, from “Where a request's time goes”: "
            f"before Zirkel does any work of its own, its app on a constant route already "
            f"takes {hooks / plain:.1f} × the time of plain Flask (the security headers, "
            "form-token stamping, session, i18n and database teardown that every request "
            f"passes); the version query and the ETag then add {not_modified - hooks:,.0f} µs, "
            f"so an unchanged-list 304 costs {not_modified / plain:.1f} × and a cached article "
            f"page {cached / plain:.1f} × a plain constant response. The 50 % and 80 % targets "
            "leave no room for that fixed cost; meeting them would take dropping the per-request "
            "database check (and with it the guarantee that a new comment shows on the next "
            "request in every worker) or leaving Flask for the hot path. A comment post is a "
            "full form validation, two writes and the answer with the reader's page of comments on "
            "top (see the post figures)."
        )
    return "\n".join(out).rstrip() + "\n"
