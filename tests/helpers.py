"""Helpers for tests that post like a reader: fetch the form's token, then post."""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup, Tag

import databases
from webapp.models import Article

HTMX = {"HX-Request": "true"}
# Queries a reader page costs to learn that nothing changed: the version check, which on
# SQLite needs none while nobody committed (webapp/freshness.py).
VERSION_CHECK = 0 if databases.KIND == "sqlite" else 1
WEB_ADDRESS = re.compile(r"https?://\S+\Z", re.IGNORECASE)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def textarea_value(textarea) -> str:
    """A textarea's value as a browser sees it: HTML drops one line break after the tag."""
    text = textarea.get_text()
    return text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")


def csrf_token(client, article: Article) -> str:
    """The comment form's token, as the article page hands it out."""
    page = client.get(f"/artikel/{article.slug}")
    return soup(page).find("input", {"name": "csrf_token"})["value"]


def post_comment(client, article: Article, htmx: bool = True, **fields):
    """Post the comment form as the page would: with its token, through htmx or plainly."""
    data = {"name": "Erika Muster", "email": "erika@example.org", "text": "Guter Artikel!"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    token = csrf_token(client, article)
    # htmx sends the form's hidden field and, from hx-headers, the same token as a header.
    headers = {**HTMX, "X-Form-Token": token} if htmx else {}
    data["csrf_token"] = token
    return client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=headers)


def window(page: BeautifulSoup) -> dict[str, str]:
    """What a page's list of comments holds, as htmx sends it along (#kommentar-fenster)."""
    return {i["name"]: i["value"] for i in page.select("#kommentar-fenster input")}


def post_from(client, article: Article, page: BeautifulSoup, **fields):
    """Post the form of a page loaded earlier, as htmx does from it: with that page's token
    and what its list holds."""
    data = {"name": "Erika Muster", "email": "erika@example.org", "text": "Guter Artikel!"}
    data.update(window(page), csrf_token=page.find("input", {"name": "csrf_token"})["value"])
    data.update(fields)
    return client.post(f"/artikel/{article.slug}/kommentare", data=data, headers=HTMX)


# What a comment's small Markdown may make of what a reader typed (webapp/text.py).
COMMENT_TAGS = {"p", "br", "em", "strong", "blockquote", "ul", "ol", "li", "code", "a"}


def letters(text: str) -> str:
    """The letters of a text, in order: what Markdown never adds, drops or changes."""
    return "".join(ch for ch in text if unicodedata.category(ch).startswith("L"))


def assert_shown_as_typed(page: BeautifulSoup, comment) -> None:
    """The comment's item shows its name exactly as stored, as text, and its text as the
    small Markdown makes it: every letter typed, in order, and nothing else; no element but
    the Markdown's few, no attribute but a link's address (exactly the address typed, http(s)
    only, nofollow ugc) and a list's start.
    """
    item = page.find("li", id=f"kommentar-{comment.id}")
    assert item is not None, "the comment is not on the page"
    author = item.find("span", class_="comment-author")
    text = item.find("div", class_="comment-text")
    assert author.get_text() == comment.name
    assert not any(isinstance(child, Tag) for child in author.children)
    assert letters(text.get_text()) == letters(comment.text)
    for element in text.find_all(True):
        assert element.name in COMMENT_TAGS, element
        if element.name == "a":
            assert set(element.attrs) == {"href", "rel"}, element
            assert element["href"] == element.get_text() and WEB_ADDRESS.match(element["href"])
            assert element["rel"] == ["nofollow", "ugc", "noopener"]
            assert not element.find(True)
        elif element.name == "ol":
            assert set(element.attrs) <= {"start"}, element
        else:
            assert not element.attrs, element
