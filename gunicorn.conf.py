"""gunicorn settings for `make run`: several workers, on 127.0.0.1:8000 unless HOST/PORT say."""

import multiprocessing
import os

host = os.environ.get("HOST", "127.0.0.1")
port = os.environ.get("PORT", "8000")
bind = f"{host}:{port}"
# Sync workers: each request is short; SQLite handles one writer at a time anyway.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# The app is imported once in the master and forked: faster start, shared memory.
preload_app = True
accesslog = "-"
# No control socket: several instances (tests, benchmarks) must not share one path.
control_socket_disable = True


def when_ready(server):
    server.log.info("Zirkel is running at http://%s:%s/", host, port)
