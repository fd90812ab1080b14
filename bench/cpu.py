"""How much of the machine's CPU went to something other than the benchmark.

wrk and the servers under test share the machine with everything else on it. A build,
a test suite or a browser running at the same time takes CPU from the servers and makes
a figure lower than the machine can do; this measures that, so the report can say so.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _busy_ticks() -> int:
    """CPU time the whole machine spent busy (all CPUs), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return user + nice + system + irq + softirq + steal


def _stat(pid: int | str) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name, which is in parentheses and may contain spaces.
    return text.rsplit(")", 1)[1].split()


def _own_ticks() -> int:
    """CPU time of this process, its reaped children (wrk) and its living descendants."""
    me = os.getpid()
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(entry.name)
        except (FileNotFoundError, ProcessLookupError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        # utime, stime, cutime, cstime (fields 14–17 of stat; 12–15 after the name)
        ticks[pid] = sum(int(v) for v in fields[11:15])
    total = 0
    for pid, tick in ticks.items():
        ancestor = pid
        while ancestor not in (me, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == me:
            total += tick
    return total


class CpuMeter:
    """Measures the share of all CPUs used outside the benchmark's processes.

    The share includes kernel threads (network interrupts on a busy loopback count
    there), so a few per cent are normal; much more means another program was running.
    """

    def __init__(self) -> None:
        self.share = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = (time.monotonic(), _busy_ticks(), _own_ticks())
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall, busy, own = self._start
        elapsed = time.monotonic() - wall
        capacity = elapsed * _TICKS * (os.cpu_count() or 1)
        others = (_busy_ticks() - busy) - (_own_ticks() - own)
        self.share = max(others, 0) / capacity if capacity else 0.0


def wait_until_quiet(
    threshold: float, *, seconds: float = 3, limit: float = 30, progress=print
) -> bool:
    """Wait until other programs have used less than threshold of the CPU for `seconds`.

    Gives up after `limit` seconds; says whether the machine became quiet.
    """
    deadline = time.monotonic() + limit
    quiet_since = None
    told = False
    while time.monotonic() < deadline:
        with CpuMeter() as meter:
            time.sleep(1)
        if meter.share < threshold:
            quiet_since = quiet_since or time.monotonic() - 1
            if time.monotonic() - quiet_since >= seconds:
                return True
        else:
            quiet_since = None
            if not told:
                progress(f"    waiting for other programs ({meter.share:.0%} of the CPU) …")
                told = True
    return False
