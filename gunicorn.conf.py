"""gunicorn settings for `make run`: several workers, on 127.0.0.1:8000 unless HOST/PORT say."""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

from webapp.clients import client_network

host = os.environ.get("HOST", "127.0.0.1")
port = os.environ.get("PORT", "8000")
bind = f"{host}:{port}"
# Sync workers: each request is short; SQLite handles one writer at a time anyway.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# The app is imported once in the master and forked: faster start, shared memory.
preload_app = True
# One line per request on standard output, the client as its network (NetworkLogger).
accesslog = "-"
# No control socket: several instances (tests, benchmarks) must not share one path.
control_socket_disable = True

# gunicorn's "Invalid request from ip=203.0.113.7: …" warning (its error log).
_INVALID_FROM = re.compile(r"(?<=\bip=)[0-9A-Fa-f:.]+(?=:\s)")


class NetworkLogger(Logger):
    """gunicorn's logger, writing the client's network (IPv4 /24, IPv6 /48) where it would
    write the full address: the app keeps no more of an address either (webapp/clients.py).

    The access log's `%(h)s` is the address the app saw, the proxy's one resolved by
    ProxyFix (ZIRKEL_TRUSTED_PROXIES). To log full addresses knowingly, leave out
    `logger_class` below.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = client_network(atoms["h"]) if atoms["h"] != "-" else "-"
        return atoms

    def warning(self, msg, *args, **kwargs):
        super().warning(
            _INVALID_FROM.sub(lambda m: client_network(m[0]), str(msg)), *args, **kwargs
        )


logger_class = NetworkLogger


def when_ready(server):
    server.log.info("Zirkel is running at http://%s:%s/", host, port)
