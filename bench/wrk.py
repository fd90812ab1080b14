"""Load from loopback with wrk: the tools it needs, running it, and reading its output."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

# Debian package names of the programs the benchmark runs.
TOOLS = {"wrk": "wrk", "nginx": "nginx"}
CONNECTIONS = 16
THREADS = 2
# wrk's default (2 s) would count a slow answer as an error instead of measuring it.
TIMEOUT = "10s"


class ToolsMissing(RuntimeError):
    """wrk or nginx is not installed and we may not install it."""


def ensure_tools() -> None:
    """Install wrk and nginx with apt when missing (as root); else say how, and fail."""
    missing = [package for program, package in TOOLS.items() if not _which(program)]
    if not missing:
        return
    command = ["apt-get", "install", "-y", *missing]
    if os.geteuid() != 0:
        raise ToolsMissing(
            "The benchmark needs " + " and ".join(missing) + ". Install them with:\n"
            "  sudo apt-get update && sudo " + " ".join(command)
        )
    print(f"Installing {' and '.join(missing)} with apt …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*command, "-qq"], check=True, env=env)
    still_missing = [program for program in TOOLS if not _which(program)]
    if still_missing:
        raise ToolsMissing(f"apt-get did not install {', '.join(still_missing)}")


def _which(program: str) -> str | None:
    """The program's path; nginx lives in /usr/sbin, which a user's PATH may lack."""
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")


def nginx_binary() -> str:
    path = _which("nginx")
    if path is None:
        raise ToolsMissing("nginx is not installed")
    return path


def versions() -> dict[str, str]:
    """wrk's and nginx's version strings, as they print them."""
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    nginx = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True)
    wrk_match = re.search(r"wrk (\S+)", wrk.stdout + wrk.stderr)
    nginx_match = re.search(r"nginx/(\S+)", nginx.stdout + nginx.stderr)
    return {
        "wrk": wrk_match.group(1) if wrk_match else "unknown",
        "nginx": nginx_match.group(1) if nginx_match else "unknown",
    }


@dataclass
class Run:
    """One wrk run, as wrk reported it."""

    requests: int  # responses received (any status)
    seconds: float
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int  # wrk counts every status >= 400 here
    socket_errors: dict[str, int] = field(default_factory=dict)
    # From a script's done() hook (post.lua): status code -> responses, requests sent.
    statuses: dict[int, int] = field(default_factory=dict)
    sent: int | None = None
    output: str = ""

    @property
    def successful(self) -> int:
        """wrk's count of 2xx/3xx responses: all it received minus the non-2xx/3xx."""
        return self.requests - self.non_2xx_3xx

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values())


def _command(
    url: str,
    seconds: float,
    headers: Sequence[str],
    script: str | None,
    script_args: Sequence[str],
    connections: int,
    threads: int,
) -> list[str]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={TIMEOUT}",
        "--latency",
    ]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    return command


def run(
    url: str,
    seconds: float,
    *,
    headers: Sequence[str] = (),
    script: str | None = None,
    script_args: Sequence[str] = (),
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> Run:
    """Run wrk against url for a bounded time and parse what it prints."""
    command = _command(url, seconds, headers, script, script_args, connections, threads)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return parse(result.stdout)


class Background:
    """A wrk started by background(); `run` holds what it reported once it was stopped."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.run: Run | None = None


# A background load that is never stopped ends by itself after this long.
BACKGROUND_LIMIT = 600


@contextmanager
def background(
    url: str, *, connections: int = CONNECTIONS, threads: int = THREADS
) -> Iterator[Background]:
    """wrk loading url while the block runs; stopped by PID (SIGINT, on which wrk reports).

    After the block, `.run` is what wrk measured over the whole time it ran.
    """
    command = _command(url, BACKGROUND_LIMIT, (), None, (), connections, threads)
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        load = Background(process)
        try:
            yield load
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        raise RuntimeError(f"background wrk failed ({process.returncode}):\n{output}")
    load.run = parse(output)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS_MS[unit]


def parse(output: str) -> Run:
    """Read requests/s, p50, p99, error counts (and script status lines) from wrk's output."""

    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise ValueError(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return match

    totals = find(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),")
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sent = re.search(r"^SENT (\d+)$", output, re.MULTILINE)
    return Run(
        requests=int(totals.group(1)),
        seconds=_milliseconds(totals.group(2) + totals.group(3)) / 1000,
        rate=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=_milliseconds(find(r"^\s+50%\s+(\S+)").group(1)),
        p99_ms=_milliseconds(find(r"^\s+99%\s+(\S+)").group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=(
            dict(
                zip(("connect", "read", "write", "timeout"), map(int, socket.groups()), strict=True)
            )
            if socket
            else {}
        ),
        statuses={
            int(code): int(count)
            for code, count in re.findall(r"^STATUS (\d{3}) (\d+)$", output, re.MULTILINE)
        },
        sent=int(sent.group(1)) if sent else None,
        output=output,
    )
