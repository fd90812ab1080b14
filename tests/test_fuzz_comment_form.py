"""Hypothesis fuzzes the comment form: bad input never causes a 5xx.

Every post is one of two things, with and without htmx:

- accepted (200 for htmx, 303 without): exactly one new comment whose name, e-mail and
  text are what the reader typed after the form's documented clean-up (NFC once, CR LF
  and CR as LF, outer white space off: see webapp/comments/forms.py), and the article
  page shows them as text: no element is made from the input. Sent again, the same
  comment is a 409 in German and stores nothing;
- refused (422): nothing stored, every message German (from the catalog), the reader's
  values back in the form as values.

Raw byte bodies (invalid UTF-8, broken multipart, part charsets, JSON, uploaded files)
under odd content types get the same verdicts, or a German 400. Each example posts to an
article of its own, so none is another's duplicate; all of a test's examples go to one app,
and they are fixed (derandomize), so a run is repeatable and takes a few seconds.
"""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import quote_from_bytes, urlencode

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from factories import make_article
from helpers import HTMX, assert_shown_as_typed, csrf_token, textarea_value
from webapp.comments.service import EMAIL_MAX, NAME_MAX, TEXT_MAX
from webapp.extensions import db
from webapp.models import Comment, CommentStatus

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that have broken text handling somewhere: controls, line breaks, combining
# marks, bidi overrides, zero-width and other invisible ones, emoji sequences, markup.
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"]
SPECIALS = [
    "\t", "\n", "\r", "\r\n",
    "\u0301", "\u0308", "\u0327", "\u20dd", "e\u0301", "A\u030a", "\u1100\u1161", "\u0041\u0338",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e",
    "\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069", "\u200e", "\u200f",
    "\u00a0", "\u2003", "\u3000", "\u2028", "\u2029",
    "\U0001f600", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001f1e9\U0001f1ea",
    "\U0001f44d\U0001f3fd", "\ufb01", "\u01c5", "\u2126", "\u212b", "\ufffd", "\uffff",
    "\U0010ffff", "\U000e0001",
    "<", ">", "&", '"', "'", "<script>alert(1)</script>", "</div>", "<b>", "&amp;", "&#0;",
    "&lt;", "<!--", "]]>", "{{ 7*7 }}", "{% raw %}", "%s", "%(max)s", "\\", "ß", "Ä", "ö",
    "https://example.org/", "www.example.org",
]  # fmt: skip
ALLOWED_CONTROLS = "\t\n\r"
INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}

GERMAN_FIELD_ERRORS = [
    re.compile(pattern)
    for pattern in (
        r"Bitte geben Sie Ihren Namen ein\.",
        r"Bitte geben Sie Ihre E-Mail-Adresse ein\.",
        r"Bitte geben Sie eine gültige E-Mail-Adresse ein\.",
        r"Bitte schreiben Sie einen Kommentar\.",
        r"Das Feld enthält Steuerzeichen, die nicht gespeichert werden können\.",
        r"Der Name darf höchstens 100 Zeichen lang sein \(Ihrer hat [\d.]+\)\.",
        r"Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein \(Ihre hat [\d.]+\)\.",
        r"Der Kommentar darf höchstens 5\.000 Zeichen lang sein \(Ihrer hat [\d.]+\)\.",
    )
]
GERMAN_SUMMARIES = {
    "Bitte füllen Sie alle Felder aus.",
    "Bitte korrigieren Sie die markierten Felder.",
}
DUPLICATE = "Diesen Kommentar haben Sie bereits abgeschickt."
BAD_REQUEST = "Der Server konnte diese Anfrage nicht verstehen."
PUBLISHED = "Vielen Dank! Ihr Kommentar ist veröffentlicht."
HELD = "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet."


# --- strategies --------------------------------------------------------------------------

# Any code point but surrogates (which no UTF-8 form body can carry), controls included.
wild = st.one_of(st.characters(), st.sampled_from(SPECIALS), st.sampled_from(CONTROLS))
# The same without the control characters that are refused, so that most posts are stored.
tame = st.one_of(
    st.characters(exclude_categories=["Cs", "Cc"]),
    st.sampled_from(SPECIALS),
    st.characters(min_codepoint=0x20, max_codepoint=0x17F),
)


def fuzz(alphabet, max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.lists(alphabet, min_size=min_size, max_size=max_size).map("".join)


def near(limit: int) -> st.SearchStrategy[str]:
    """Text just under, at or just over a length limit (after outer white space is off)."""
    return st.tuples(fuzz(tame, 4), st.integers(limit - 2, limit + 2), fuzz(tame, 4)).map(
        lambda t: t[0] + "x" * max(0, t[1] - len(t[0]) - len(t[2])) + t[2]
    )


def decorated(core: st.SearchStrategy[str], around=tame) -> st.SearchStrategy[str]:
    """An ordinary value with white space, invisible characters (or worse) around it."""
    return st.tuples(fuzz(around, 3), core, fuzz(around, 3)).map("".join)


def field(size: int, ordinary: list[str], limit: int) -> st.SearchStrategy[str]:
    """Mostly storable text (so that the stored and shown checks run), and the rest."""
    return st.one_of(
        fuzz(tame, size, min_size=1),
        fuzz(tame, size, min_size=1),
        fuzz(tame, size, min_size=1),
        decorated(st.sampled_from(ordinary)),
        decorated(st.sampled_from(ordinary), around=wild),
        fuzz(wild, size),
        near(limit),
    )


names = field(30, ["Erika Muster", "Jürgen", "Ægir", "李小龙", "مريم"], NAME_MAX)
texts = field(
    120,
    ["Guter Artikel!", "Zeile 1\nZeile 2", "<b>fett</b>", "www.a.de https://b.de/ http://c.de"],
    TEXT_MAX,
)
emails = st.one_of(
    st.emails(),
    st.emails(),
    st.emails().map(lambda e: e.upper()),
    st.sampled_from(["erika@example.org", "jürgen@bücher.de", "a@[127.0.0.1]", "x@localhost"]),
    decorated(st.emails()),
    fuzz(wild, 30),
    st.tuples(fuzz(tame, 10), st.just("@example.org")).map("".join),
    st.integers(EMAIL_MAX - 14, EMAIL_MAX - 10).map(lambda n: "a" * n + "@example.org"),
)


# --- what the form documents -------------------------------------------------------------


def as_stored(value: str) -> str:
    """NFC once, CR LF and CR as LF, outer white space off (forms.normalize and strip)."""
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()


def must_refuse(value: str, limit: int) -> bool:
    """Blank to the eye, a control character other than tab and line breaks, or too long."""
    return (
        all(unicodedata.category(ch) in INVISIBLE for ch in value)
        or any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in value)
        or len(value) > limit
    )


# --- checks ------------------------------------------------------------------------------


def comment_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Comment))


def newest_comment() -> Comment:
    db.session.remove()
    return db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_shown_as_text(page: BeautifulSoup, comment: Comment) -> None:
    """The comment's item shows the fields as typed (helpers.assert_shown_as_typed)."""
    assert_shown_as_typed(page, comment)
    item = page.find("li", id=f"kommentar-{comment.id}")
    # The e-mail address is never shown.
    assert comment.email not in item.get_text() or comment.email in comment.name + comment.text


def assert_german_refusal(response) -> None:
    page = parse(response)
    summary = page.find(id="formular-fehler")
    assert summary is not None, response.get_data(as_text=True)[:500]
    assert summary.find("strong").get_text() in GERMAN_SUMMARIES
    errors = [p.get_text().removeprefix("Fehler: ") for p in page.select(".field-error")]
    assert errors, "a refusal names no field"
    for error in errors:
        assert any(pattern.fullmatch(error) for pattern in GERMAN_FIELD_ERRORS), error


def assert_values_kept(response, name: str, email: str, text: str) -> None:
    """The refused form shows the reader's values again, as values, not as markup."""
    form = parse(response).find("form", id="kommentar-formular")
    assert form.find("input", {"name": "name"})["value"] == as_stored(name)
    assert form.find("input", {"name": "email"})["value"] == as_stored(email)
    assert textarea_value(form.find("textarea", {"name": "text"})) == as_stored(text)


@pytest.fixture
def article(app):
    return make_article()


@pytest.fixture
def token(client, article) -> str:
    """The form's token: not tied to a session, so one serves every example."""
    return csrf_token(client, article)


def fresh_article(article):
    """An article of its own for each example, so that no example is another's duplicate."""
    return make_article(author=article.author, photo=None)


@FUZZ
@given(name=names, email=emails, text=texts, htmx=st.booleans())
def test_fuzzed_fields_are_stored_as_typed_or_refused_in_german(
    client, article, token, name, email, text, htmx
):
    article = fresh_article(article)
    url = f"/artikel/{article.slug}/kommentare"
    data = {"name": name, "email": email, "text": text, "csrf_token": token}
    headers = {**HTMX, "X-Form-Token": token} if htmx else {}
    before = comment_count()

    response = client.post(url, data=data, headers=headers)

    status = response.status_code
    event(f"{'htmx' if htmx else 'plain'} {status}")
    assert status < 500, response.get_data(as_text=True)[:1000]
    assert status in ((200, 422) if htmx else (303, 422)), status
    expected = {"name": as_stored(name), "email": as_stored(email), "text": as_stored(text)}
    if status == 422:
        assert comment_count() == before
        assert_german_refusal(response)
        assert_values_kept(response, name, email, text)
        return

    # Accepted: the form's rules let it through, and it is stored exactly once, as typed.
    assert not must_refuse(expected["name"], NAME_MAX), repr(name)
    assert not must_refuse(expected["email"], EMAIL_MAX), repr(email)
    assert not must_refuse(expected["text"], TEXT_MAX), repr(text)
    assert comment_count() == before + 1
    comment = newest_comment()
    assert {"name": comment.name, "email": comment.email, "text": comment.text} == expected

    # The same again (a double click, or Hypothesis repeating itself): 409, nothing stored.
    again = client.post(url, data=data, headers=headers)
    assert again.status_code == 409
    assert DUPLICATE in parse(again).get_text()
    assert comment_count() == before + 1

    if comment.status != CommentStatus.VISIBLE:  # held by the spam guard (links)
        event("held")
        assert comment.reason_list
        answer = response if htmx else client.get(response.location)
        assert HELD in parse(answer).get_text()
        # Its author sees it in place, marked as waiting; nobody else sees it.
        own = parse(client.get(f"/artikel/{article.slug}"))
        assert_shown_as_text(own, comment)
        assert "comment-waiting" in own.find("li", id=f"kommentar-{comment.id}")["class"]
        other = parse(client.application.test_client().get(f"/artikel/{article.slug}"))
        assert other.find("li", id=f"kommentar-{comment.id}") is None
        return
    if htmx:
        fragment = parse(response)
        assert PUBLISHED in fragment.get_text()
        assert_shown_as_text(fragment, comment)
    else:
        assert response.location.endswith(f"/artikel/{article.slug}#kommentar-{comment.id}")
    assert_shown_as_text(parse(client.get(f"/artikel/{article.slug}")), comment)


@pytest.mark.parametrize(
    "name", ["\u200b\u202e \u3000", "Eri\x00ka", "Eri\x1bka", "x" * 101, "\ufeff", "\x85"]
)
def test_the_oracle_agrees_with_the_form_on_plain_refusals(client, article, token, name):
    """must_refuse() above says what the form does on cases that are easy to see."""
    response = client.post(
        f"/artikel/{article.slug}/kommentare",
        data={"name": name, "email": "e@example.org", "text": "T", "csrf_token": token},
        headers={**HTMX, "X-Form-Token": token},
    )
    assert must_refuse(as_stored(name), NAME_MAX)
    assert response.status_code == 422
    assert_german_refusal(response)


# --- raw bodies --------------------------------------------------------------------------

CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data; boundary=grenze",
    "multipart/form-data; boundary=grenze",
    "multipart/form-data",
    "multipart/mixed; boundary=grenze",
    "application/json",
    "application/json",
    "text/plain",
    "text/html; charset=utf-8",
    "application/octet-stream",
    "",
    "kaputt",
]

raw_text = st.one_of(
    fuzz(tame, 20, min_size=1).map(str.encode),
    fuzz(tame, 20, min_size=1).map(str.encode),
    st.tuples(fuzz(tame, 6), st.binary(min_size=1, max_size=3), fuzz(tame, 6)).map(
        lambda t: t[0].encode() + t[1] + t[2].encode()
    ),
    fuzz(wild, 20).map(str.encode),
    st.binary(max_size=30),
    st.sampled_from([b"Erika", b"Gut\xc3", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80"]),
)
raw_email = st.one_of(st.emails().map(str.encode), st.emails().map(str.encode), raw_text)
raw_fields = st.fixed_dictionaries({"name": raw_text, "email": raw_email, "text": raw_text})
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | fuzz(tame, 10) | st.emails(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "email", "text"]), children, max_size=3)
    ),
    max_leaves=10,
)
json_documents = st.one_of(
    json_values,
    st.fixed_dictionaries({"name": json_values, "email": json_values, "text": json_values}),
    st.fixed_dictionaries({"name": fuzz(tame, 10), "email": st.emails(), "text": fuzz(tame, 20)}),
)


def form_bytes(fields: dict[str, bytes], token: str) -> bytes:
    """A urlencoded body with arbitrary bytes as values (invalid UTF-8 included)."""
    encoded = [f"{key}={quote_from_bytes(value)}" for key, value in fields.items()]
    return "&".join([urlencode({"csrf_token": token}), *encoded]).encode()


def multipart_bytes(fields: dict[str, bytes], token: str, files: frozenset, charset: str) -> bytes:
    """A multipart body: the fields named in `files` as uploaded files, every part in the
    charset its Content-Type names (old browsers say ISO-8859-1; "" names none)."""
    parts = [b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode()]
    for key, value in fields.items():
        head = f'Content-Disposition: form-data; name="{key}"'
        if key in files:
            head += f'; filename="{key}.txt"'
        if charset:
            head += f"\r\nContent-Type: text/plain; charset={charset}"
        parts.append(head.encode() + b"\r\n\r\n" + value)
    return b"".join(b"--grenze\r\n" + part + b"\r\n" for part in parts) + b"--grenze--\r\n"


def received(kind: str, value: bytes, charset: str) -> str:
    """What Werkzeug makes of a field's bytes: a urlencoded body keeps invalid UTF-8 as
    its %-escapes, a multipart part decodes in its (safe) charset with U+FFFD."""
    if kind == "form":
        return value.decode("utf-8", "werkzeug.url_quote")
    return value.decode("iso-8859-1" if charset == "iso-8859-1" else "utf-8", "replace")


def typed(kind: str, payload, content_type: str) -> st.SearchStrategy:
    """A body of a kind, mostly under its own content type, sometimes under any other."""
    return st.tuples(st.just(kind), payload, st.sampled_from([content_type] * 3 + CONTENT_TYPES))


OWN_CONTENT_TYPES = {
    "form": "application/x-www-form-urlencoded",
    "multipart": "multipart/form-data; boundary=grenze",
}
bodies = st.one_of(
    typed("form", raw_fields, OWN_CONTENT_TYPES["form"]),
    typed(
        "multipart",
        st.tuples(
            raw_fields,
            st.frozensets(st.sampled_from(["name", "email", "text"])),
            st.sampled_from(["", "", "utf-8", "iso-8859-1", "utf-16", "kaputt"]),
        ),
        OWN_CONTENT_TYPES["multipart"],
    ),
    typed("json", json_documents, "application/json"),
    typed("raw", st.binary(max_size=300), "application/x-www-form-urlencoded"),
)


def encode(kind: str, payload, token: str) -> bytes:
    if kind == "form":
        return form_bytes(payload, token)
    if kind == "multipart":
        return multipart_bytes(payload[0], token, *payload[1:])
    if kind == "json":
        return json.dumps(payload).encode()
    return payload


@FUZZ
@given(body=bodies, htmx=st.booleans())
def test_raw_bodies_under_odd_content_types_never_cause_a_server_error(
    client, article, token, body, htmx
):
    kind, payload, content_type = body
    article = fresh_article(article)
    before = comment_count()

    response = client.post(
        f"/artikel/{article.slug}/kommentare",
        data=encode(kind, payload, token),
        headers={"X-Form-Token": token, "Content-Type": content_type, **(HTMX if htmx else {})},
    )

    status = response.status_code
    event(f"{kind} {'htmx' if htmx else 'plain'} {status}")
    assert status < 500, response.get_data(as_text=True)[:1000]
    assert status in ((200, 400, 422) if htmx else (303, 400, 422)), status
    if status in (400, 422):
        assert comment_count() == before
        text = parse(response).get_text()
        assert any(german in text for german in (*GERMAN_SUMMARIES, BAD_REQUEST)), text
        return

    assert comment_count() == before + 1
    comment = newest_comment()
    # Whatever the bytes were, what is stored obeys the form's rules.
    limits = {"name": NAME_MAX, "email": EMAIL_MAX, "text": TEXT_MAX}
    for key, limit in limits.items():
        value = getattr(comment, key)
        assert isinstance(value, str) and value == as_stored(value)
        assert not must_refuse(value, limit), repr(value)
    if kind in ("form", "multipart") and content_type == OWN_CONTENT_TYPES[kind]:
        fields, charset = (payload, "") if kind == "form" else (payload[0], payload[2])
        assert (comment.name, comment.email, comment.text) == tuple(
            as_stored(received(kind, fields[key], charset)) for key in ("name", "email", "text")
        )
    if comment.status == CommentStatus.VISIBLE:
        assert_shown_as_text(parse(client.get(f"/artikel/{article.slug}")), comment)


# --- what the fuzzing found ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"name": 5, "email": "a@example.org", "text": "Hallo"}', "application/json"),
        (b'{"name": "A", "email": "a@example.org", "text": {"x": 1}}', "application/json"),
        (b'{"name": "A", "email": ["a@example.org"], "text": null}', "application/json"),
        (b'"nur ein Text"', "application/json"),
        (b"[1, 2]", "application/json"),
        (
            b'--g\r\nContent-Disposition: form-data; name="name"; filename="n.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\nErika\r\n"
            b'--g\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.org\r\n'
            b'--g\r\nContent-Disposition: form-data; name="text"\r\n\r\nHallo\r\n--g--\r\n',
            "multipart/form-data; boundary=g",
        ),
    ],
    ids=["json-number", "json-object", "json-list-and-null", "json-string", "json-array", "file"],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_values_that_are_no_typed_text_are_refused_not_a_server_error(
    client, article, token, body, content_type, htmx
):
    """Flask-WTF reads JSON bodies and uploaded files too; the comment form reads only
    a form's fields, so a number or a file where text belongs is a missing field (422)."""
    response = client.post(
        f"/artikel/{article.slug}/kommentare",
        data=body,
        headers={"X-Form-Token": token, "Content-Type": content_type, **(HTMX if htmx else {})},
    )

    assert response.status_code == 422
    assert_german_refusal(response)
    assert comment_count() == 0
