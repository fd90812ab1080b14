"""WSGI middleware that runs before Flask sees a request."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

import flask
from flask import Flask, current_app

# Where photos are uploaded: the editorial area, behind a login.
UPLOAD_AREA = "/verwaltung/"


def body_limit(config: flask.Config, path: str) -> int | None:
    """The largest request body for a path: readers post a few KB, editors upload photos."""
    return (
        config["MAX_UPLOAD_LENGTH"]
        if path.startswith(UPLOAD_AREA)
        else config["MAX_CONTENT_LENGTH"]
    )


class Request(flask.Request):
    """Flask's request, with the body limit of the area it is for."""

    @flask.Request.max_content_length.getter
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None or not current_app:
            return super().max_content_length
        return body_limit(current_app.config, self.path)


WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class ChunkedBodyLimit:
    """Hold a chunked request body to MAX_CONTENT_LENGTH, as Werkzeug does for sized ones.

    A body sent with ``Transfer-Encoding: chunked`` has no Content-Length, so Werkzeug's
    check cannot refuse it up front, and a body over the limit was cut off and accepted.
    Here it is read up to one byte past the limit: over it, Flask answers 413; within it,
    the body is handed on with its length, so every later check sees a normal request.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit = body_limit(self.app.config, environ.get("PATH_INFO", ""))
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if limit is not None and chunked and not environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                # A declared length over the limit makes Werkzeug raise 413 through Flask's
                # error handlers, so the reader gets the German page. Nothing is parsed.
                body = b""
                environ["CONTENT_LENGTH"] = str(limit + 1)
            else:
                environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
            # The body is now an ordinary one of known length (Werkzeug ignores the
            # length of a request that still says it is chunked).
            environ.pop("HTTP_TRANSFER_ENCODING")
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)
