"""Avatars drawn here from a keyed hash of the address: the same picture for the same
address, nothing that reveals it, nothing from another site."""

from __future__ import annotations

import hashlib
from xml.etree import ElementTree

import pytest

from apps import make_app
from factories import make_article, make_comment
from helpers import soup
from webapp.comments.avatars import avatar_name
from webapp.comments.service import set_status
from webapp.database import writing
from webapp.extensions import db
from webapp.models import Comment, CommentStatus

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def avatars(app):
    """The site shows avatars (ZIRKEL_AVATARS=true; they are off by default)."""
    app.config["AVATARS"] = True


def avatars_on(client, article) -> dict[str, str]:
    """Each shown comment's author and the address of their picture."""
    page = soup(client.get(f"/artikel/{article.slug}"))
    return {
        body.find(class_="comment-author").get_text(): body.find("img", recursive=False)["src"]
        for body in page.select(".comment-body")
    }


def test_the_same_address_gets_the_same_picture_and_nobody_else_does(client, app):
    article = make_article()
    make_comment(article, name="Erika", email="erika@example.org")
    make_comment(article, name="Erika wieder", email=" Erika@Example.ORG ")
    make_comment(article, name="Max", email="max@example.org")

    shown = avatars_on(client, article)
    assert shown["Erika"] == shown["Erika wieder"]
    assert shown["Max"] != shown["Erika"]
    for address in shown.values():
        assert address.startswith("/avatare/") and address.endswith(".svg"), "from this site"


def test_the_picture_reveals_no_address(client, app, tmp_path):
    article = make_article()
    make_comment(article, name="Erika", email="erika@example.org")
    src = avatars_on(client, article)["Erika"]
    name = src.removeprefix("/avatare/").removesuffix(".svg")

    assert "erika" not in src
    for unkeyed in (hashlib.md5, hashlib.sha1, hashlib.sha256):  # what Gravatar and others use
        assert name not in unkeyed(b"erika@example.org").hexdigest()
    # Keyed: another site (another secret) draws another picture for the same address.
    other = make_app(tmp_path, SECRET_KEY="another secret")
    with other.app_context():
        assert avatar_name("erika@example.org") != name
    with app.app_context():
        assert avatar_name("erika@example.org") == name


def test_a_picture_is_an_svg_kept_for_a_year_that_can_run_nothing(client, app):
    article = make_article()
    make_comment(article, name="<script>alert(1)</script>", email='"><svg onload=alert(1)>@x.de')
    src = next(iter(avatars_on(client, article).values()))

    response = client.get(src)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    svg = ElementTree.fromstring(response.get_data())
    assert svg.tag == f"{SVG}svg"
    assert {element.tag for element in svg.iter()} <= {f"{SVG}svg", f"{SVG}rect", f"{SVG}path"}
    assert not any(key.startswith("on") for e in svg.iter() for key in e.attrib)
    assert client.get(src).get_data() == response.get_data(), "the same picture every time"


def test_only_a_pictures_name_is_an_address(client, app):
    for wrong in ("ABCDEF012345", "abc", "0123456789abc", "..%2Fsecret_key", "x" * 12):
        assert client.get(f"/avatare/{wrong}.svg").status_code == 404


def test_avatars_are_off_by_default_and_cost_little_when_on(client, app, tmp_path):
    assert make_app(tmp_path, SECRET_KEY="x").config["AVATARS"] is False
    sizes = {}
    for shown in (False, True):
        app.config["AVATARS"] = shown
        article = make_article(slug=f"artikel-{'mit' if shown else 'ohne'}-bildern")
        for n in range(20):
            make_comment(article, name=f"Leserin {n}", email=f"l{n}@example.org", text="Gut.")
        page = client.get(f"/artikel/{article.slug}")
        assert len(soup(page).select(".comment-body > img")) == (20 if shown else 0)
        sizes[shown] = len(page.get_data())
    # Ids differ by a digit here and there; the picture is the difference that counts.
    assert 40 <= (sizes[True] - sizes[False]) / 20 <= 70, "bytes of HTML an avatar costs"


def test_an_alt_text_is_empty_a_removed_comment_has_none_and_avatars_can_be_off(client, app):
    article = make_article()
    parent = make_comment(article, name="Erika")
    make_comment(article, name="Max", parent=parent)
    with writing():
        set_status(db.session.get(Comment, parent.id), CommentStatus.DELETED)

    page = soup(client.get(f"/artikel/{article.slug}"))
    [picture] = page.select(".comment-body > img")  # Max's; the removed comment shows only its note
    assert picture["alt"] == "" and picture["loading"] == "lazy"
    assert page.select_one(".comment-removed-note") is not None

    app.config["AVATARS"] = False  # the default
    other = make_article()
    make_comment(other, name="Erika")
    assert soup(client.get(f"/artikel/{other.slug}")).select(".comment-body > img") == []
