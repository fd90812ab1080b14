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
