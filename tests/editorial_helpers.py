"""Helpers for tests of the editorial area: accounts and logging in."""

from __future__ import annotations

from helpers import soup
from webapp.editorial.auth import hash_password
from webapp.extensions import db
from webapp.models import Role, User

PASSWORD = "richtig-geheim-123"


def make_user(email: str = "redaktion@example.org", role: Role = Role.EDITOR, **fields) -> User:
    user = User(email=email, role=role, password_hash=hash_password(PASSWORD), **fields)
    db.session.add(user)
    db.session.commit()
    return user


def session_token(client, url: str = "/verwaltung/anmelden") -> str:
    """The session's CSRF token, from a page's form."""
    return soup(client.get(url)).find("input", {"name": "csrf_token"})["value"]


def login(client, email: str = "redaktion@example.org", password: str = PASSWORD, **headers):
    token = session_token(client)
    return client.post(
        "/verwaltung/anmelden",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


def form_as_sent(client, url: str) -> dict:
    """The page's main form as a browser would send it unchanged: every field, its token."""
    return form_data(soup(client.get(url)))


def form_data(page) -> dict:
    """What a page's main form (not the menu's logout form nor the footer's language
    switch) sends as it stands: the fields' values, checked boxes and radio buttons, the
    chosen options; no files."""
    forms = [
        form
        for form in page.find_all("form", method="post")
        if "language-switch" not in form.get("class", [])
    ]
    form = page.find("form", class_="panel") or forms[-1]
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        kind = field.get("type")
        if not name or kind in ("file", "submit"):
            continue
        if field.name == "textarea":
            data[name] = field.get_text().removeprefix("\n")
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen["value"]
        elif kind == "checkbox":
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "y"))
        elif kind == "radio":
            if field.has_attr("checked"):
                data[name] = field.get("value", "")
        else:
            data[name] = field.get("value", "")
    return data
