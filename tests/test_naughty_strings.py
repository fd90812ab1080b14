"""The Big List of Naughty Strings through the comment form: stored exactly or refused, never 500.

The list is read from ../shared/testdata (it is not copied into the project).
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from factories import make_article
from helpers import HTMX, assert_shown_as_typed, csrf_token
from webapp.extensions import db
from webapp.models import Comment

PROJECT = Path(__file__).resolve().parents[1]
BLNS = Path("testdata") / "naughty-strings" / "blns.json"
GERMAN_REFUSALS = ("Bitte", "Steuerzeichen", "höchstens", "bereits abgeschickt")


def shared_folders() -> list[Path]:
    """Where ../shared may be: beside this checkout, or beside the one it was cloned from."""
    folders = [PROJECT.parent / "shared"]
    origin = subprocess.run(
        ["git", "config", "--get", "remote.origin.url"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if origin and "://" not in origin:
        folders.append(Path(origin).resolve().parent / "shared")
    return folders


def naughty_strings() -> list[str]:
    for folder in shared_folders():
        if (folder / BLNS).exists():
            return json.loads((folder / BLNS).read_text(encoding="utf-8"))
    pytest.fail(f"the naughty strings ({BLNS}) are in none of {shared_folders()}")


def as_stored(value: str) -> str:
    """What the form keeps of a value: NFC once, outer white space off, \\n line breaks."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


@pytest.mark.parametrize("field", ["name", "text"])
def test_every_naughty_string_is_stored_as_typed_or_refused_in_german(client, app, field):
    article = make_article()
    url = f"/artikel/{article.slug}/kommentare"
    token = csrf_token(client, article)  # session-less: one token serves every post
    outcomes: dict[int, int] = {}

    for n, value in enumerate(naughty_strings()):
        data = {"name": f"Fuzz {n}", "email": "fuzz@example.org", "text": f"Fuzz {n}"}
        data[field] = value
        response = client.post(
            url, data={**data, "csrf_token": token}, headers={**HTMX, "X-Form-Token": token}
        )
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 409, 422), (n, value, response.status_code)
        if response.status_code == 200:
            stored = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
            assert getattr(stored, field) == as_stored(value), (n, value)
            assert_shown_as_typed(BeautifulSoup(body, "html.parser"), stored)
        else:
            assert any(words in body for words in GERMAN_REFUSALS), (n, value, body[:300])

    assert outcomes[200] > 400, outcomes  # most are ordinary text and simply stored


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"name=\xff\xfe&email=a%40example.org&text=\xc3\x28", "application/x-www-form-urlencoded"),
        (b'{"name": "A", "email": "a@example.org", "text": "B"}', "application/json"),
        (b"name=A&name=B&email=a%40example.org&text=C&text=D", "application/x-www-form-urlencoded"),
        (b"\x00\x01\x02" * 100, "multipart/form-data; boundary=kaputt"),
        (b"text=" + b"x" * 10_000, "application/x-www-form-urlencoded"),
    ],
    ids=["invalid UTF-8", "JSON body", "duplicated fields", "broken multipart", "10,000-char word"],
)
def test_malformed_posts_never_cause_a_server_error(client, app, body, content_type):
    article = make_article()
    token = csrf_token(client, article)
    response = client.post(
        f"/artikel/{article.slug}/kommentare",
        data=body,
        content_type=content_type,
        headers={**HTMX, "X-Form-Token": token},
    )
    assert response.status_code in (200, 400, 422), response.status_code
    if response.status_code == 200:
        stored = db.session.scalar(select(Comment))
        assert "\x00" not in stored.name + stored.text
