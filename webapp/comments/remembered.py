"""Name and e-mail for the next comment: a cookie the reader asks for, as WordPress has.

Ticking "Name und E-Mail für den nächsten Kommentar merken" (unticked by default) sets it
with the post; posting with the box unticked removes it. It is signed (nobody can plant
someone else's address in it), HttpOnly and SameSite=Lax, and lives a year. A page with a
form filled from it is this reader's alone and is never shared (article_page.py); a
reader who never ticks the box never gets it.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from .cookies import delete_with_answer, set_with_answer

COOKIE = "zirkel_name"
MAX_AGE = 365 * 24 * 60 * 60


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="zirkel.remembered")


def remembered() -> dict[str, object] | None:
    """The name and address this browser asked to keep, as the form's data; None if none."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if not (isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("n", "e"))):
        return None
    return {"name": value["n"], "email": value["e"], "remember": True}


def keep(name: str, email: str) -> None:
    """Keep them for the next comment: the answer sets the cookie."""
    value = _serializer().dumps({"n": name, "e": email})
    set_with_answer(COOKIE, value, MAX_AGE)


def forget() -> None:
    """The reader no longer wants them kept: the answer removes the cookie, if there is one."""
    if COOKIE not in request.cookies:
        return
    delete_with_answer(COOKIE)
