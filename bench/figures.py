"""One figure of the benchmark: a URL under load, a warm-up and several bounded wrk runs."""

from __future__ import annotations

import itertools
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import wrk
from .cpu import CpuMeter, wait_until_quiet
from .dataset import count_comments_containing

POST_SCRIPT = Path(__file__).resolve().parent / "post.lua"


@dataclass
class PostRun:
    """What one wrk run of comment posts reported, and what the database stored."""

    tag: str
    sent: int | None  # post.lua: requests wrk began to send
    completed: int  # wrk: responses received, any status
    reported_2xx: int  # wrk: responses received minus non-2xx/3xx
    statuses: dict[int, int]  # post.lua's tally of every response's status
    stored: int  # comments in the database carrying this run's tag
    # False for the runs of an attempt that other programs disturbed and that was repeated:
    # their rates are not reported, but what they stored is checked all the same.
    kept: bool = True

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def other_failures(self) -> int:
        """Responses that were neither 2xx nor 5xx (a refused post: 4xx)."""
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 300 and s < 500)

    @property
    def in_flight(self) -> int | None:
        """Requests sent whose answer wrk never read: its time ran out while they ran.

        gunicorn still handles them, so their comments are stored too.
        """
        return None if self.sent is None else self.sent - self.completed

    @property
    def unreported(self) -> int:
        """Stored comments beyond wrk's count of 2xx."""
        return self.stored - self.reported_2xx

    @property
    def reconciled(self) -> bool:
        """Whether every 2xx is stored and the only other stored posts are those in flight."""
        if self.in_flight is None:
            return 0 <= self.unreported <= wrk.CONNECTIONS
        return self.stored == self.reported_2xx + self.in_flight


@dataclass
class Figure:
    """A measured figure: its runs, and for comment posts what was stored."""

    key: str
    label: str
    path: str
    runs: list[wrk.Run] = field(default_factory=list)
    posts: list[PostRun] = field(default_factory=list)
    note: str = ""
    # Share of all CPUs used outside the benchmark's processes during the runs, and
    # whether the runs were repeated because that was high.
    others_cpu: float = 0.0
    remeasured: bool = False

    @property
    def rates(self) -> list[float]:
        return [run.rate for run in self.runs]

    @property
    def median_rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def non_2xx_3xx(self) -> int:
        return sum(run.non_2xx_3xx for run in self.runs)

    @property
    def socket_errors(self) -> int:
        return sum(run.errors for run in self.runs)

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)


@dataclass
class Plan:
    """How long to load: a warm-up, then runs of a bounded duration each."""

    warmup: float
    duration: float
    runs: int


# Above this share of the CPU used by other programs during a figure's runs, the runs
# are repeated once, and the attempt with less interference is kept.
BUSY = 0.10
ATTEMPTS = 2
# Seconds to wait, before measuring again, for the other programs to finish.
QUIET_WAIT = 15


def measure(
    figure: Figure,
    url: str,
    plan: Plan,
    *,
    headers: Sequence[str] = (),
    progress: Callable[[str], None] = print,
) -> Figure:
    """Warm up, then run wrk plan.runs times against url; fills figure.runs."""

    def runs() -> tuple[list[wrk.Run], list[PostRun]]:
        result = []
        for _ in range(plan.runs):
            result.append(wrk.run(url, plan.duration, headers=headers))
            progress(_line(result[-1]))
        return result, []

    progress(f"  {figure.label}: warm-up {plan.warmup:g} s, {plan.runs} × {plan.duration:g} s")
    wrk.run(url, plan.warmup, headers=headers)
    return _undisturbed(figure, runs, progress)


def measure_posts(
    figure: Figure,
    url: str,
    plan: Plan,
    *,
    token: str,
    database: Path,
    progress: Callable[[str], None] = print,
) -> Figure:
    """Like measure(), posting comments with post.lua; counts what each run stored."""
    nonce = uuid.uuid4().hex[:8]
    numbers = itertools.count(1)  # runs are numbered across attempts: every tag is unique

    def post(tag: str, seconds: float) -> wrk.Run:
        return wrk.run(url, seconds, script=str(POST_SCRIPT), script_args=[token, tag])

    def runs() -> tuple[list[wrk.Run], list[PostRun]]:
        result, posts = [], []
        for _ in range(plan.runs):
            tag = f"{figure.key}-r{next(numbers)}-{nonce}"
            run = post(tag, plan.duration)
            stored = _settled_count(database, tag)
            posts.append(PostRun(tag, run.sent, run.requests, run.successful, run.statuses, stored))
            result.append(run)
            progress(
                _line(run) + f", {run.successful:,} 2xx + {posts[-1].in_flight} in flight at "
                f"the end, {stored:,} stored"
            )
        return result, posts

    progress(f"  {figure.label}: warm-up {plan.warmup:g} s, {plan.runs} × {plan.duration:g} s")
    post(f"{figure.key}-w-{nonce}", plan.warmup)
    return _undisturbed(figure, runs, progress)


def _undisturbed(
    figure: Figure,
    runs: Callable[[], tuple[list[wrk.Run], list[PostRun]]],
    progress: Callable[[str], None],
) -> Figure:
    """Measure the runs; if other programs took much CPU meanwhile, once more.

    The attempt during which other programs used the least CPU is kept.
    """
    best: tuple[float, list[wrk.Run], list[PostRun]] | None = None
    every_post: list[PostRun] = []
    for attempt in range(1, ATTEMPTS + 1):
        with CpuMeter() as cpu:
            measured, posts = runs()
        every_post += posts
        if best is None or cpu.share < best[0]:
            best = (cpu.share, measured, posts)
        if cpu.share <= BUSY:
            break
        if attempt < ATTEMPTS:
            progress(f"    other programs used {cpu.share:.0%} of the CPU: measuring again")
            figure.remeasured = True
            wait_until_quiet(BUSY, limit=QUIET_WAIT, progress=progress)
    figure.others_cpu, figure.runs, kept = best
    for post in every_post:
        post.kept = post in kept
    figure.posts = every_post
    return figure


def _settled_count(database: Path, tag: str, quiet: float = 1.0, limit: float = 15) -> int:
    """The number of comments stored with tag, once it has stopped growing.

    When wrk's time is up it drops the requests it has sent but not yet had answered;
    gunicorn still handles those, so the count settles a moment later.
    """
    deadline = time.monotonic() + limit
    count = count_comments_containing(database, tag)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        again = count_comments_containing(database, tag)
        if again == count:
            break
        count = again
    return count


def _line(run: wrk.Run) -> str:
    problems = []
    if run.non_2xx_3xx:
        problems.append(f"{run.non_2xx_3xx:,} non-2xx/3xx")
    if run.errors:
        problems.append(f"{run.errors:,} socket errors")
    return f"    {run.rate:9,.0f} req/s  p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms" + (
        f"  ({', '.join(problems)})" if problems else ""
    )
