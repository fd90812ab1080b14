"""A gunicorn worker killed with SIGKILL in the middle of load.

Eight readers post 30 comments each to four workers; when a third of the posts are in,
the test kills one worker (a child of this test's gunicorn master, found through /proc;
nothing else is touched). Then: the server still answers (the front page, a new post),
gunicorn has replaced the worker, every post that got a 2xx is stored exactly once, the
article's count is its number of visible comments, no row is half written, and on SQLite
`PRAGMA integrity_check` says "ok". A post whose connection broke (the killed worker's)
may or may not be stored, but never twice.
"""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from test_concurrency import POST_PATH, SLUG, Client, stored_comments

from servers import LiveServer

pytestmark = pytest.mark.live

WORKERS = 4
CLIENTS = 8
POSTS_PER_CLIENT = 30  # 240 posts in all
KILL_AFTER = CLIENTS * POSTS_PER_CLIENT // 3
REQUEST_TIMEOUT = 10
RUN_TIMEOUT = 20  # the load stops by itself after this, whatever the server does
CONNECTION_ERROR = -1  # the status of a post whose connection broke


def children(pid: int) -> set[int]:
    """The processes whose parent is pid (its worker processes, for gunicorn's master)."""
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return {int(child) for child in listed.split()}
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN: every process's stat
        return {child for child in _all_pids() if parent_of(child) == pid}


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def parent_of(pid: int) -> int | None:
    """The parent PID from /proc/<pid>/stat (after the command name, which may hold spaces)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rpartition(")")[2].split()[1])


def workers_of(server: LiveServer) -> set[int]:
    return children(server.process.pid)


def serving(server: LiveServer) -> set[int]:
    """Workers holding a client's connection to the server's port right now."""
    port = int(server.url.rpartition(":")[2])
    connections = set()  # socket inodes of established connections to the port
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "01":
            connections.add(f"socket:[{fields[9]}]")
    busy = set()
    for worker in workers_of(server):
        try:
            fds = list(Path(f"/proc/{worker}/fd").iterdir())
            if any(os.readlink(fd) in connections for fd in fds):
                busy.add(worker)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return busy


def wait_for_workers(server: LiveServer, number: int) -> set[int]:
    """The master's workers, once it has `number` of them (a dead one no longer counted)."""
    deadline = time.monotonic() + 10
    while len(workers := {w for w in workers_of(server) if is_alive(w)}) != number:
        assert time.monotonic() < deadline, f"{len(workers)} workers, not {number}"
        time.sleep(0.05)
    return workers


def is_alive(pid: int) -> bool:
    """Running, not a zombie its parent has yet to reap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def kill_one_worker(server: LiveServer) -> tuple[int, bool]:
    """SIGKILL one worker of this test's own gunicorn, one in the middle of a request if
    one is found within a second; its PID, and whether it was serving one."""
    master = server.process.pid
    search = time.monotonic() + 1
    while not (busy := serving(server)) and time.monotonic() < search:
        time.sleep(0.005)
    worker = min(busy or workers_of(server))
    # Still our master's child at this moment (so not a reused PID of someone else's).
    assert parent_of(worker) == master
    os.kill(worker, signal.SIGKILL)
    return worker, bool(busy)


def post(client: Client, text: str) -> int:
    """POST a comment as htmx does; its status, or CONNECTION_ERROR if no answer came."""
    request = urllib.request.Request(
        client.base_url + POST_PATH,
        data=client.form_body(name="Lasttest", email="last@example.org", text=text),
        headers=client.headers(),
    )
    try:
        with client.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code
    except (OSError, http.client.HTTPException):  # reset, refused, no reply, timeout
        return CONNECTION_ERROR


def test_a_worker_killed_under_load_loses_no_committed_comment(run_gunicorn, tmp_path):
    with run_gunicorn(tmp_path, workers=WORKERS) as server:
        texts_before, _ = stored_comments(server)
        wait_for_workers(server, WORKERS)  # the first answers before all are forked
        done = threading.Semaphore(0)
        deadline = time.monotonic() + RUN_TIMEOUT

        def reader(number: int) -> list[tuple[str, int]]:
            client = Client(server.url)
            results = []
            for n in range(POSTS_PER_CLIENT):
                if time.monotonic() > deadline:
                    break
                text = f"Kommentar {n} von Leser {number}, Worker-Abbruch"
                results.append((text, post(client, text)))
                done.release()
            return results

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(reader, number) for number in range(CLIENTS)]
            for _ in range(KILL_AFTER):
                assert done.acquire(timeout=REQUEST_TIMEOUT), "the load stalled before the kill"
            killed, mid_request = kill_one_worker(server)
            results = [result for future in futures for result in future.result()]

        # The server answers: the master replaced the worker, the others went on.
        assert killed not in wait_for_workers(server, WORKERS)
        with urllib.request.urlopen(server.url + "/", timeout=REQUEST_TIMEOUT) as front:
            assert front.status == 200
        assert post(Client(server.url), "Nach dem Abbruch") == 200

        texts_after, comment_count = stored_comments(server)
        rows = database_checks(server)
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")

    statuses = Counter(status for _, status in results)
    broken = [text for text, status in results if status == CONNECTION_ERROR]
    summary = (
        f"{len(results)} posts: {dict(statuses)}; {len(broken)} lost their connection "
        f"(stored: {sum(text in texts_after for text in broken)}); worker {killed} killed "
        f"{'while serving a request' if mid_request else 'between requests'}"
    )
    assert len(results) == CLIENTS * POSTS_PER_CLIENT, summary
    assert f"(pid:{killed}) was sent SIGKILL" in log, summary
    # Every post was answered 2xx, or lost its connection with the killed worker: a sync
    # worker serves one request at a time, so one at most.
    assert set(statuses) <= {200, CONNECTION_ERROR}, summary
    assert len(broken) <= 1, summary

    # No committed comment lost, none doubled; a broken post is stored once or not at all.
    stored = Counter(texts_after)
    assert all(stored[text] == 1 for text, status in results if status == 200), summary
    assert all(stored[text] <= 1 for text in broken), summary
    assert stored["Nach dem Abbruch"] == 1
    assert set(stored) <= {*texts_before, *(text for text, _ in results), "Nach dem Abbruch"}

    # The count is the visible comments; no row is half written; the file is sound.
    assert comment_count == rows["visible"] == len(texts_after), summary
    assert rows["incomplete"] == 0, summary
    assert rows["integrity"] in ("ok", None), rows["integrity"]
    assert "Traceback" not in log
    assert "database is locked" not in log


def database_checks(server: LiveServer) -> dict:
    """Visible comments of the article, rows missing a required value, SQLite's verdict."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as db:
            visible = db.scalar(
                sql(
                    "SELECT count(*) FROM comment JOIN article ON article.id = comment.article_id"
                    " WHERE article.slug = :slug AND comment.status = 'visible'"
                ),
                {"slug": SLUG},
            )
            incomplete = db.scalar(
                sql(
                    "SELECT count(*) FROM comment WHERE name IS NULL OR name = ''"
                    " OR email IS NULL OR email = '' OR text IS NULL OR text = ''"
                    " OR created_at IS NULL OR article_id IS NULL"
                    " OR status NOT IN ('visible', 'pending', 'spam', 'deleted')"
                )
            )
            integrity = None
            if engine.dialect.name == "sqlite":
                integrity = db.scalar(sql("PRAGMA integrity_check"))
    finally:
        engine.dispose()
    return {"visible": visible, "incomplete": incomplete, "integrity": integrity}
