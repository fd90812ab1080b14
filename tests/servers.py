"""Real servers for tests: gunicorn started exactly as `make run` starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class LiveServer:
    url: str
    instance: Path
    process: subprocess.Popen
    database_url: str
    environment: dict[str, str]

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run a `flask --app wsgi` command on this server's instance folder and database."""
        return subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=PROJECT_ROOT,
            env=self.environment,
            check=True,
            capture_output=True,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def run_gunicorn(
    instance: Path, workers: int = 2, *, database_url: str | None = None, **env: str
) -> Iterator[LiveServer]:
    """Migrate, load the demo, and serve with gunicorn.conf.py on a free port, as `make run`.

    Without `database_url`: SQLite in the instance folder, as `make run` has it.
    """
    port = free_port()
    database_url = database_url or f"sqlite:///{instance / 'zirkel.sqlite3'}"
    environment = {
        **os.environ,
        "ZIRKEL_INSTANCE_PATH": str(instance),
        "ZIRKEL_DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        # Browsers driven by tests type at machine speed, all from one address.
        "ZIRKEL_MIN_SUBMIT_SECONDS": "0",
        "ZIRKEL_RATELIMIT": "off",
        "ZIRKEL_SPAM_FILTER": "0",  # and what they type is no case for the learning filter
        "ZIRKEL_SMTP_HOST": "",  # no mail to a real host; a test passes its loopback server
        **env,
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            flask + command, cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True
        )
    log = open(instance / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, instance / "gunicorn.log")
        yield LiveServer(url, instance, process, database_url, environment)
    finally:
        _stop(process)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the front page until the server answers; fail with its log if it dies."""
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up:\n{log.read_text()}") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    """Stop a server this test run started, by its PID."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


NGINX = Path("/usr/sbin/nginx")
NGINX_SITE = PROJECT_ROOT / "deploy" / "nginx-zirkel.conf"


@contextmanager
def run_nginx(workdir: Path, upstream_port: int, instance: Path) -> Iterator[str]:
    """nginx with the shipped site config in front of gunicorn; yields its URL.

    Only the lines the config marks ADJUST are rewritten: the listening port, the upstream
    address, the static folder, the media folder, the access log (workdir/access.log) and
    the page cache's folder (workdir/cache, which nginx creates).
    """
    if not NGINX.exists():
        raise RuntimeError("These tests need nginx: apt-get install nginx")
    port = free_port()
    site = NGINX_SITE.read_text()
    for marked, value in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        ("alias /srv/zirkel/static/;", f"alias {PROJECT_ROOT / 'static'}/;"),
        ("alias /srv/zirkel/instance/media/;", f"alias {instance / 'media'}/;"),
        ("/var/log/nginx/zirkel.access.log", str(workdir / "access.log")),
        ("proxy_cache_path /var/cache/nginx-zirkel ", f"proxy_cache_path {workdir / 'cache'} "),
    ):
        assert marked in site, f"{NGINX_SITE} no longer has {marked!r}"
        site = site.replace(marked, value)
    (workdir / "site.conf").write_text(site)
    (workdir / "nginx.conf").write_text(
        # Workers as the user running the tests, who can read the temporary folders.
        f"""{"user root;" if os.geteuid() == 0 else ""}
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"};
worker_processes 1;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {workdir};
    proxy_temp_path {workdir};
    include {workdir / "site.conf"};
}}
"""
    )
    process = subprocess.Popen(
        [str(NGINX), "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, workdir / "error.log")
        yield url
    finally:
        _stop(process)
