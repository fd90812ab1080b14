"""The Python ceiling: a Flask app that answers every GET with the same prebuilt bytes.

Served exactly like Zirkel (``gunicorn -c gunicorn.conf.py bench.constant_app:app`` from
the project root), it shows what gunicorn, Flask and the machine can do at all for a
response of the article page's size; Zirkel's figures are compared with it.

BENCH_CONSTANT_BYTES sets the size of the response (default: 32,000 bytes).
"""

from __future__ import annotations

import os

from flask import Flask, Response

SIZE = int(os.environ.get("BENCH_CONSTANT_BYTES", "32000"))


def _page(size: int) -> bytes:
    """A well-formed HTML page of exactly size bytes (at least the bare frame)."""
    head = (
        b'<!doctype html>\n<html lang="de"><head><meta charset="utf-8">'
        b"<title>Konstant</title></head><body><p>"
    )
    tail = b"</p></body></html>\n"
    filler = b"Konstante Antwort. " * (max(size - len(head) - len(tail), 0) // 19 + 1)
    return head + filler[: max(size - len(head) - len(tail), 0)] + tail


BODY = _page(SIZE)

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def constant(path: str) -> Response:
    """The same bytes for every URL."""
    return Response(BODY, mimetype="text/html")
