"""Accounts of the editorial area: logging in and out, throttling, roles, create-user."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from editorial_helpers import PASSWORD, login, make_user, session_token
from helpers import soup
from webapp.editorial.auth import MAX_FAILURES_PER_ACCOUNT
from webapp.extensions import db
from webapp.models import LoginSession, Role, User


def test_the_editorial_area_wants_a_login(client):
    response = client.get("/verwaltung/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/verwaltung/anmelden?next=")


def test_login_leads_to_the_dashboard_and_marks_pages_noindex(client, app):
    make_user()
    response = login(client)
    assert (response.status_code, response.headers["Location"]) == (303, "/verwaltung/")

    dashboard = client.get("/verwaltung/")
    assert dashboard.status_code == 200
    assert dashboard.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in dashboard.headers["Cache-Control"]
    page = soup(dashboard)
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    assert "Angemeldet als redaktion@example.org." in page.get_text()


@pytest.mark.parametrize(
    ("email", "password"),
    [("redaktion@example.org", "falsch-falsch-falsch"), ("niemand@example.org", PASSWORD)],
    ids=["wrong password", "unknown e-mail"],
)
def test_wrong_logins_get_the_same_answer(client, app, email, password):
    """testLoginDoesNotRevealWhichAccountsExist."""
    make_user()
    response = login(client, email, password)
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)
    assert client.get("/verwaltung/").status_code == 302


def test_logins_are_throttled_per_account(client, app):
    make_user()
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert login(client, password="falsch-falsch-falsch").status_code == 401
    refused = login(client)  # even the right password now waits
    assert refused.status_code == 429
    assert "Zu viele fehlgeschlagene Versuche" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "\t//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
    ],
)
def test_login_redirects_only_to_paths_of_this_site(client, app, target):
    """testOpenRedirectAfterLoginIsRefused."""
    make_user()
    token = session_token(client)
    response = client.post(
        "/verwaltung/anmelden",
        query_string={"next": target},
        data={"email": "redaktion@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/verwaltung/"


def test_login_follows_a_local_next(client, app):
    make_user()
    token = session_token(client)
    response = client.post(
        "/verwaltung/anmelden?next=/verwaltung/artikel",
        data={"email": "redaktion@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/verwaltung/artikel"


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app):
    """testCopiedSessionCookieDiesWithLogout: the login lives on the server."""
    make_user()
    login(client)
    copied = client.get_cookie("session").value
    token = session_token(client, "/verwaltung/")

    assert client.post("/verwaltung/abmelden", data={"csrf_token": token}).status_code == 303
    assert db.session.scalars(select(LoginSession)).all() == []

    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/verwaltung/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, app):
    make_user()
    login(client)
    assert client.post("/verwaltung/abmelden").status_code == 400
    assert client.get("/verwaltung/").status_code == 200


def test_roles_limit_what_an_account_may_do(client, app):
    make_user(role=Role.MODERATOR)
    login(client)
    assert client.get("/verwaltung/artikel").status_code == 403
    assert client.get("/verwaltung/einstellungen").status_code == 403
    assert "Ihr Konto darf das nicht." in client.get("/verwaltung/autoren").get_data(as_text=True)


def test_create_user_asks_for_the_password_and_stores_only_its_hash(runner, app, tmp_path):
    result = runner.invoke(
        args=["create-user", "--email", "Chefin@Example.org", "--role", "admin"],
        input="ein-langes-passwort\nein-langes-passwort\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("chefin@example.org", "admin")
    assert "ein-langes-passwort" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")

    password_file = tmp_path / "pw"
    password_file.write_text("kurz\n")
    refused = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.org",
            "--role",
            "admin",
            "--password-file",
            str(password_file),
        ]
    )
    assert refused.exit_code != 0
    assert "at least 10 characters" in refused.output


def test_a_new_password_ends_every_login(runner, client, app, tmp_path):
    make_user()
    login(client)
    password_file = tmp_path / "pw"
    password_file.write_text("ein-ganz-neues-passwort\n")
    runner.invoke(
        args=[
            "create-user",
            "--email",
            "redaktion@example.org",
            "--role",
            "redaktion",
            "--password-file",
            str(password_file),
        ]
    )
    assert client.get("/verwaltung/").status_code == 302
