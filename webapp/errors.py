"""German error pages; htmx requests get the message in the page's message area."""

from __future__ import annotations

from flask import Flask, current_app, redirect, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from .database import DatabaseBusy, is_busy
from .htmx import is_htmx
from .legacy import legacy_redirect
from .messages import Status, message_region

# Titles and texts for the codes readers meet; our own abort() texts win over these.
_MESSAGES = {
    400: (_l("Bad request"), _l("The server could not understand this request.")),
    403: (_l("Not allowed"), _l("This request is not allowed.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This address cannot be used like that.")),
    409: (_l("Sent already"), None),
    429: (_l("Too many at once"), None),
    413: (_l("Too large"), None),  # the text names the limit, see describe
    503: (
        _l("Please try again shortly"),
        _l(
            "The server is busy at this moment. Nothing has been saved; please send it again"
            " in a few seconds."
        ),
    ),
    500: (
        _l("Server error"),
        _l("Something went wrong on the server. Please try again later."),
    ),
}


def describe(error: HTTPException) -> tuple[str, str]:
    """The German title and text for an HTTP error."""
    if isinstance(error, CSRFError):
        return _("Form expired"), _("The form has expired. Please reload the page.")
    code = error.code or 500
    title, text = _MESSAGES.get(code, (_("Error %(code)s", code=code), None))
    if code == 413:
        size = (request.max_content_length or 0) / 1024
        text = _(
            "What you sent is larger than allowed (at most %(size)s KB).", size=format_decimal(size)
        )
    # Only our own abort() calls carry a German description; Werkzeug's are English.
    own = error.description != type(error).description
    return str(title), str(error.description if own else text or title)


def handle_http_error(error: HTTPException):
    """Render an error as a page, or as a message htmx puts into the live region of the part
    of the page the request came from (see webapp/messages.py)."""
    if error.code == 404 and (moved := without_trailing_slash() or legacy_redirect()):
        return moved
    title, text = describe(error)
    code = error.code or 500
    # Retry-After of a 429 or 503 travels on.
    headers = {name: value for name, value in error.get_headers() if name == "Retry-After"}
    if is_htmx():
        html = render_template(
            "_message.html", status=Status(text, "error", focus=True, title=title)
        )
        headers.update({"HX-Retarget": f"#{message_region()}", "HX-Reswap": "innerHTML"})
        # Our own answer, to be swapped even when it is a 5xx (static/js/zirkel.js).
        headers["X-Zirkel-Message"] = "1"
        return html, code, headers
    html = render_template("errors/error.html", title=title, text=text, code=code, layout=_layout())
    return html, code, headers


def _layout() -> str:
    """An error in the editorial area keeps its menu for someone logged in; elsewhere (and
    for anyone not logged in) the public page's frame."""
    if request.blueprint in ("editorial", "auth"):
        from flask_login import current_user

        if current_user.is_authenticated:
            return "editorial/base.html"
    return "base.html"


def without_trailing_slash():
    """`/artikel/<slug>/` answers 301 to `/artikel/<slug>` (GET and HEAD, any route)."""
    path = request.path
    if request.method not in ("GET", "HEAD") or path == "/" or not path.endswith("/"):
        return None
    target = path.rstrip("/")
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(target, method="GET")
    except HTTPException:
        return None
    query = request.query_string.decode("latin-1")
    return redirect(f"{target}?{query}" if query else target, 301)


def handle_database_error(error: DBAPIError):
    """A database locked for longer than LOCK_TIMEOUT answers 503; anything else goes on
    to Flask, which logs it and answers 500 (or raises it in tests)."""
    if is_busy(error):
        return handle_http_error(DatabaseBusy())
    raise error


def register(app: Flask) -> None:
    # Flask logs an unhandled exception, then hands it here as InternalServerError.
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_error)
