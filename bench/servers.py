"""The servers under test: gunicorn as `make run` starts it, and nginx with the shipped site.

Every process here is started by the benchmark and stopped by it, by PID, in a
``finally``: nothing is left running after an error or Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 60  # seconds until a server must answer
STOP_TIMEOUT = 30  # seconds a server gets to shut down before it is killed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_environment(port: int) -> dict[str, str]:
    """The caller's environment minus any Zirkel or gunicorn settings, serving on port.

    A ZIRKEL_DATABASE_URL or WEB_CONCURRENCY in the caller's shell must not change what
    is measured: production defaults on 127.0.0.1.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ZIRKEL_") and name not in ("HOST", "PORT", "WEB_CONCURRENCY")
    }
    env.update(HOST="127.0.0.1", PORT=str(port))
    return env


def app_environment(instance: Path, port: int) -> dict[str, str]:
    """What Zirkel's gunicorn gets: this instance folder, flood control and the spam timer
    off (the freshness check posts the form of a page it has just fetched, which the timer
    would hold for moderation, and nobody else would ever see it)."""
    return {
        **base_environment(port),
        "ZIRKEL_INSTANCE_PATH": str(instance),
        "ZIRKEL_RATELIMIT": "off",
        "ZIRKEL_MIN_SUBMIT_SECONDS": "0",
    }


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Run a block (an in-process create_app()) with exactly these environment variables."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Server:
    """A running server: its address, its main process, and its log file."""

    url: str
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def gunicorn(
    gunicorn_bin: Path, project_root: Path, app: str, env: dict[str, str], log: Path
) -> Iterator[Server]:
    """`gunicorn -c gunicorn.conf.py <app>` from the project root, as `make run` runs it."""
    url = f"http://{env['HOST']}:{env['PORT']}"
    with _process(
        [str(gunicorn_bin), "-c", "gunicorn.conf.py", app], project_root, env, log
    ) as process:
        server = Server(url, process, log)
        _wait_until_answers(server, url + "/")
        yield server


@contextmanager
def nginx(nginx_bin: str, prefix: Path, config: Path, log: Path, url: str) -> Iterator[Server]:
    """nginx in the foreground with its own prefix, config and error log."""
    command = [nginx_bin, "-p", str(prefix), "-c", str(config), "-e", str(log)]
    with _process(command, prefix, None, log.with_suffix(".out")) as process:
        server = Server(url, process, log)
        _wait_until_answers(server, url)
        yield server


@contextmanager
def _process(
    command: list[str], cwd: Path, env: dict[str, str] | None, log: Path
) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started, and its workers: SIGTERM, wait, then SIGKILL.

    gunicorn and nginx both shut down their workers on SIGTERM. Should the master have
    to be killed, its workers (which it started for us) are killed by PID as well.
    """
    if process.poll() is not None:
        return
    workers = children(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in workers:
        try:
            if _parent(pid) in (process.pid, 1):  # still ours, orphaned or not
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, FileNotFoundError):
            pass


def _wait_until_answers(server: Server, url: str) -> None:
    """Wait until url answers; an answer with a server error stops the benchmark."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError as error:
            error.close()
            if error.code >= 500:
                raise RuntimeError(
                    f"{url} answers {error.code}; see {server.log}:\n{_tail(server.log)}"
                ) from error
            return
        except (urllib.error.URLError, OSError) as error:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.process.args[0]} exited ({server.process.returncode}); "
                    f"see {server.log}:\n{_tail(server.log)}"
                ) from error
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {START_TIMEOUT} s") from error
            time.sleep(0.2)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


# --- processes in /proc -------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The PIDs of a process's children (a gunicorn master's workers)."""
    try:
        found = set()
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(c) for c in (task / "children").read_text().split())
        return sorted(found)
    except (FileNotFoundError, PermissionError):
        pass  # kernels without CONFIG_PROC_CHILDREN: scan every process's parent instead
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _parent(int(entry.name)) == pid:
                    result.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return sorted(result)


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (2nd field) is in parentheses and may contain spaces.
    return int(stat.rsplit(")", 1)[1].split()[1])


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS from /proc/<pid>/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


# --- nginx configuration ------------------------------------------------------------------


def nginx_config(
    prefix: Path,
    site_template: Path,
    *,
    error_log: Path,
    access_log: Path,
    proxy_port: int,
    gunicorn_port: int,
    static_root: Path,
    media_root: Path,
    reference_port: int,
    reference_root: Path,
) -> Path:
    """Write nginx's main config: the shipped site, rewritten, plus a static reference server.

    The shipped deploy/nginx-zirkel.conf is used as it is, except for the lines it marks
    ADJUST: the port it listens on, where gunicorn listens, the static and media folders,
    the access log, and the page cache's folder (prefix/cache, which nginx creates). A line
    that is no longer there stops the benchmark: it would measure something else.
    """
    site = site_template.read_text()
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{proxy_port};"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        (r"alias /srv/zirkel/static/;", f"alias {static_root.resolve()}/;"),
        (r"alias /srv/zirkel/instance/media/;", f"alias {media_root.resolve()}/;"),
        (r"access_log /var/log/nginx/zirkel\.access\.log ", f"access_log {access_log} "),
        (r"proxy_cache_path /var/cache/nginx-zirkel ", f"proxy_cache_path {prefix / 'cache'} "),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        if count != 1:
            raise RuntimeError(f"{site_template} no longer has exactly one {pattern!r}")
    (prefix / "zirkel-site.conf").write_text(site)
    (prefix / "reference.conf").write_text(
        "# The physical limit: the same pages as static files, straight from nginx.\n"
        "server {\n"
        f"    listen 127.0.0.1:{reference_port};\n"
        "    server_tokens off;\n"
        "    location / {\n"
        f"        root {reference_root};\n"
        "    }\n"
        "}\n"
    )
    main = prefix / "nginx.conf"
    main.write_text(
        "# Written by bench/run.py for one benchmark run.\n"
        "daemon off;\n"
        "worker_processes auto;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {error_log} warn;\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    access_log off;\n"
        "    sendfile on;\n"
        f"    client_body_temp_path {prefix / 'client_body'};\n"
        f"    proxy_temp_path {prefix / 'proxy'};\n"
        f"    fastcgi_temp_path {prefix / 'fastcgi'};\n"
        f"    uwsgi_temp_path {prefix / 'uwsgi'};\n"
        f"    scgi_temp_path {prefix / 'scgi'};\n"
        f"    include {prefix / 'zirkel-site.conf'};\n"
        f"    include {prefix / 'reference.conf'};\n"
        "}\n"
    )
    return main
