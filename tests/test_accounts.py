"""Accounts in the browser: invitations by mail (or on screen), one-time links, roles,
deactivation, removal, one's own password, "Passwort vergessen?"; no shell needed."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from editorial_helpers import PASSWORD, login, make_user
from helpers import soup
from webapp import mail
from webapp.editorial.accounts import make_password_token
from webapp.extensions import db
from webapp.models import AuditEntry, LoginSession, Role, User

ACCOUNTS = "/verwaltung/konten"
INVITE = "/verwaltung/konten/einladen"
OWN = "/verwaltung/konto"
FORGOT = "/verwaltung/passwort-vergessen"
NEW_PASSWORD = "ein-neues-langes-passwort"


@pytest.fixture
def admin(app, client):
    user = make_user("chefin@example.org", Role.ADMIN, name="Chefin")
    assert login(client, "chefin@example.org").status_code == 303
    return user


def token(client, url: str) -> str:
    """The CSRF token of the page's first form."""
    return soup(client.get(url)).find("input", {"name": "csrf_token"})["value"]


def post(client, url: str, data: dict | None = None, page: str | None = None):
    """Post a form with the token of the page it is on (`page`, else `url`)."""
    return client.post(url, data={**(data or {}), "csrf_token": token(client, page or url)})


def flashes(client, url: str) -> list[str]:
    return [p.get_text(strip=True) for p in soup(client.get(url)).select("p.flash")]


def account(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def audit_actions() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.action, e.user_email, e.subject) for e in entries]


def link_in(body: str) -> str:
    """The path of the one-time link in a mail's body."""
    [url] = re.findall(r"https?://\S+/verwaltung/passwort/\S+", body)
    return urlsplit(url).path


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": token(client, path),
        },
    )


def invite(client, email="mo@example.org", name="Mo Deration", role="moderation"):
    return post(client, INVITE, {"name": name, "email": email, "role": role})


# --- invitations ------------------------------------------------------------------------


def test_an_admin_invites_a_moderator_who_sets_a_password_from_the_mail_and_logs_in(
    app, client, admin, smtp
):
    """The issue's "done when": no shell anywhere."""
    response = invite(client, email="Mo@Example.org")

    moderator = account("mo@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{ACCOUNTS}/{moderator.id}"
    assert flashes(client, response.headers["Location"]) == [
        "Die Einladung an mo@example.org liegt im Postausgang."
    ]
    assert (moderator.name, moderator.role, moderator.active) == ("Mo Deration", "moderation", True)

    mail.send_due()
    [message] = smtp.messages()
    assert message["To"] == "mo@example.org"
    assert message["Subject"] == "[Zirkel] Ihre Einladung in den Redaktionsbereich"
    body = message.get_content()
    assert "mit der Rolle „Moderation“" in body
    assert "Der Link gilt einmal und sieben Tage lang." in body
    path = link_in(body)

    # Before the password is set, the account cannot log in with anything.
    newcomer = app.test_client()
    assert login(newcomer, "mo@example.org", "").status_code == 422
    assert login(newcomer, "mo@example.org", "!" + moderator.password_hash).status_code == 401

    page = newcomer.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert soup(page).h1.get_text() == "Willkommen, Mo Deration"
    assert "mo@example.org" not in page.get_data(as_text=True)

    saved = set_password(newcomer, path)
    assert (saved.status_code, saved.headers["Location"]) == (303, "/verwaltung/anmelden")
    assert login(newcomer, "mo@example.org", NEW_PASSWORD).status_code == 303
    assert newcomer.get("/verwaltung/kommentare").status_code == 200
    assert newcomer.get("/verwaltung/artikel").status_code == 403

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "Dieser Link wurde bereits verwendet." in again.get_data(as_text=True)
    assert audit_actions() == [
        ("account.invite", "chefin@example.org", "mo@example.org"),
        ("password.set", "mo@example.org", "mo@example.org"),
    ]


def test_without_a_mail_server_the_admin_sees_the_link_to_pass_on(app, client, admin):
    response = invite(client)

    assert response.status_code == 200
    page = soup(response)
    link = page.find("input", id="passwort-link")
    assert page.find("label", attrs={"for": "passwort-link"}).get_text() == "Link"
    assert "Es ist kein Mailserver eingerichtet" in page.get_text()
    assert db.session.scalars(select(mail.OutboxMail)).all() == []

    path = urlsplit(link["value"]).path
    visitor = app.test_client()
    assert set_password(visitor, path).status_code == 303
    assert login(visitor, "mo@example.org", NEW_PASSWORD).status_code == 303


def test_an_admin_makes_a_new_link_and_the_old_one_dies(app, client, admin):
    invite(client)
    moderator = account("mo@example.org")
    first = make_password_token(moderator, "invite", timedelta(days=7))

    # A new invitation replaces the earlier ones …
    second = soup(
        post(client, f"{ACCOUNTS}/{moderator.id}/link", page=f"{ACCOUNTS}/{moderator.id}")
    )
    assert app.test_client().get(f"/verwaltung/passwort/{first}").status_code == 410
    also_valid = make_password_token(account("mo@example.org"), "invite", timedelta(days=7))
    # … and setting the password through one link kills every other link of the account.
    path = urlsplit(second.find("input", id="passwort-link")["value"]).path
    visitor = app.test_client()
    assert set_password(visitor, path).status_code == 303

    refused = visitor.get(f"/verwaltung/passwort/{also_valid}")
    assert refused.status_code == 410
    assert "Dieser Link wurde bereits verwendet." in refused.get_data(as_text=True)
    assert audit_actions()[-2:] == [
        ("account.link", "chefin@example.org", "mo@example.org"),
        ("password.set", "mo@example.org", "mo@example.org"),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "", "email": "a@example.org"}, "name", "Bitte geben Sie einen Namen ein."),
        ({"name": "A", "email": ""}, "email", "Bitte geben Sie die E-Mail-Adresse ein."),
        (
            {"name": "A", "email": "a b@example.org"},
            "email",
            "Bitte geben Sie eine E-Mail-Adresse ein, etwa name@example.org.",
        ),
        (
            {"name": "A", "email": "chefin@example.org"},
            "email",
            "Es gibt bereits ein Konto mit dieser Adresse.",
        ),
    ],
    ids=["no name", "no address", "two addresses", "taken"],
)
def test_invitation_errors_are_tied_to_their_fields(client, admin, fields, field, message):
    response = post(client, INVITE, {"role": "redaktion", **fields})

    assert response.status_code == 422
    page = soup(response)
    control = page.find(id=field)
    assert control["aria-invalid"] == "true"
    error = page.find(id=f"{field}-fehler")
    assert error.get_text(" ", strip=True) == f"Fehler: {message}"
    assert f"{field}-fehler" in control["aria-describedby"]
    assert page.find("label", attrs={"for": field})
    assert page.select_one(".error-summary[role=alert]")
    assert db.session.scalar(select(User).where(User.email == "a@example.org")) is None


def test_what_an_admin_types_is_shown_as_text(client, admin):
    """testAccountNameXSSPayloadIsEscaped."""
    invite(client, name='<img src=x onerror="alert(1)">')

    page = soup(client.get(ACCOUNTS))

    assert page.find("img", src="x") is None
    assert '<img src=x onerror="alert(1)">' in page.get_text()


@pytest.mark.parametrize(
    ("make", "status", "text"),
    [
        (lambda user: make_password_token(user, "reset", timedelta(seconds=-1)), 410, "abgelaufen"),
        (
            lambda user: make_password_token(user, "reset", timedelta(days=1))[:-3] + "abc",
            400,
            "ungültig",
        ),
        (lambda user: "nichts", 400, "ungültig"),
    ],
    ids=["expired", "forged", "garbage"],
)
def test_a_link_that_must_not_work_says_why_and_changes_nothing(app, make, status, text):
    user = make_user("mo@example.org", Role.MODERATOR)
    before = user.password_hash
    path = f"/verwaltung/passwort/{make(user)}"
    client = app.test_client()

    response = client.get(path)
    csrf = token(client, "/verwaltung/anmelden")
    posted = client.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf}
    )

    assert response.status_code == posted.status_code == status
    assert text in response.get_data(as_text=True)
    assert account("mo@example.org").password_hash == before


def test_the_new_password_is_checked_and_the_link_still_works_after(app):
    user = make_user("mo@example.org", Role.MODERATOR)
    path = f"/verwaltung/passwort/{make_password_token(user, 'reset', timedelta(hours=2))}"
    client = app.test_client()

    short = set_password(client, path, "kurz")
    different = set_password(client, path, NEW_PASSWORD, "etwas-ganz-anderes")

    assert short.status_code == different.status_code == 422
    assert (
        soup(short)
        .find(id="password-fehler")
        .get_text(strip=True)
        .endswith("Bitte mindestens 10 Zeichen.")
    )
    assert (
        "Die beiden Passwörter stimmen nicht überein."
        in soup(different).find(id="confirm-fehler").get_text()
    )
    assert set_password(client, path).status_code == 303


# --- roles, deactivation, removal -------------------------------------------------------


def test_the_list_shows_every_account_for_admins_only(app, client, admin):
    make_user("mo@example.org", Role.MODERATOR, name="Mo")
    invite(client, email="neu@example.org", name="Neu", role="redaktion")

    page = soup(client.get(ACCOUNTS))
    rows = {
        row.td.get_text(" ", strip=True): [
            td.get_text(" ", strip=True) for td in row.find_all("td")
        ]
        for row in page.select("table.accounts tbody tr")
    }
    assert rows["chefin@example.org (Sie)"][1:4] == ["Chefin", "Administration", "Aktiv"]
    assert rows["mo@example.org"][1:6] == ["Mo", "Moderation", "Aktiv", "nie", "keine"]
    assert rows["neu@example.org"][2:4] == ["Redaktion", "Eingeladen, noch ohne Passwort"]
    nav = page.find("nav", class_="editorial-nav")
    assert [a.get_text() for a in nav.find_all("a")][-2:] == ["Konten", "Mein Konto"]

    other = app.test_client()
    login(other, "mo@example.org")
    assert other.get(ACCOUNTS).status_code == 403
    assert other.get(INVITE).status_code == 403
    nav = soup(other.get(OWN)).find("nav", class_="editorial-nav")
    assert "Konten" not in [a.get_text() for a in nav.find_all("a")]
    assert "Mein Konto" in [a.get_text() for a in nav.find_all("a")]


def test_an_admin_changes_a_role(client, admin):
    moderator = make_user("mo@example.org", Role.MODERATOR)
    url = f"{ACCOUNTS}/{moderator.id}"

    response = post(client, url, {"role": "redaktion"})

    assert response.status_code == 303
    assert flashes(client, url) == ["mo@example.org hat jetzt die Rolle „Redaktion“."]
    assert account("mo@example.org").role == "redaktion"
    log = soup(client.get("/verwaltung/protokoll")).select_one("table.audit-log tbody tr")
    assert log.find(class_="audit-action").get_text(strip=True) == "Rolle geändert"
    assert log.find(class_="audit-comment").get_text(strip=True) == "mo@example.org"
    assert log.find(class_="audit-change").get_text(strip=True) == (
        "Rolle: „Moderation“ → „Redaktion“"
    )


def test_deactivating_ends_the_accounts_logins_and_reactivating_lets_it_back(app, client, admin):
    moderator = make_user("mo@example.org", Role.MODERATOR)
    other = app.test_client()
    login(other, "mo@example.org")
    url = f"{ACCOUNTS}/{moderator.id}"

    assert post(client, f"{url}/deaktivieren", page=url).status_code == 303

    assert other.get("/verwaltung/").status_code == 302
    assert (
        db.session.scalars(select(LoginSession).where(LoginSession.user_id == moderator.id)).all()
        == []
    )
    assert login(other, "mo@example.org").status_code == 401
    assert "Deaktiviert" in soup(client.get(ACCOUNTS)).get_text()

    assert post(client, f"{url}/reaktivieren", page=url).status_code == 303
    assert login(other, "mo@example.org").status_code == 303
    assert [a[0] for a in audit_actions()] == ["account.deactivate", "account.reactivate"]


def test_the_last_active_admin_stays(app, client, admin):
    url = f"{ACCOUNTS}/{admin.id}"

    demoted = post(client, url, {"role": "moderation"})
    assert flashes(client, demoted.headers["Location"]) == [
        "Mindestens ein aktives Konto mit der Rolle Administration muss bleiben."
    ]
    post(client, f"{url}/deaktivieren", page=url)
    removal = client.get(f"{url}/entfernen")
    refused = post(client, f"{url}/entfernen", page=url)

    assert "Das können Sie mit Ihrem eigenen Konto nicht tun." in removal.get_data(as_text=True)
    assert refused.status_code == 409
    fresh = account("chefin@example.org")
    assert (fresh.role, fresh.active) == ("admin", True)
    assert audit_actions() == []

    # With a second admin, the first may step down.
    make_user("zweite@example.org", Role.ADMIN)
    stepped_down = post(client, url, {"role": "moderation"})
    assert stepped_down.headers["Location"] == "/verwaltung/"
    assert account("chefin@example.org").role == "moderation"
    assert client.get(ACCOUNTS).status_code == 403


def test_an_inactive_admin_can_be_removed_while_an_active_one_stays(app, client, admin):
    deputy = make_user("vize@example.org", Role.ADMIN, active=False)
    deputy_client = app.test_client()
    assert login(deputy_client, "vize@example.org").status_code == 401
    url = f"{ACCOUNTS}/{deputy.id}"
    assert post(client, f"{url}/entfernen", page=url).status_code == 303
    assert account("vize@example.org") is None


def test_removing_an_account_asks_first_and_the_log_keeps_what_it_did(app, client, admin):
    moderator = make_user("mo@example.org", Role.MODERATOR, name="Mo")
    url = f"{ACCOUNTS}/{moderator.id}"
    other = app.test_client()
    login(other, "mo@example.org")
    post(other, OWN, {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    confirm = client.get(f"{url}/entfernen")
    assert confirm.status_code == 200
    assert "Das Konto mo@example.org endgültig entfernen?" in soup(confirm).get_text()
    assert account("mo@example.org") is not None

    response = post(client, f"{url}/entfernen")
    assert (response.status_code, response.headers["Location"]) == (303, ACCOUNTS)
    assert account("mo@example.org") is None
    assert other.get("/verwaltung/").status_code == 302
    assert audit_actions() == [
        ("password.change", "mo@example.org", "mo@example.org"),
        ("account.remove", "chefin@example.org", "mo@example.org"),
    ]
    rows = soup(client.get("/verwaltung/protokoll")).select("table.audit-log tbody tr")
    assert [r.find(class_="audit-who").get_text(strip=True) for r in rows] == [
        "chefin@example.org",
        "mo@example.org",
    ]
    assert rows[0].find(class_="audit-change").get_text(" ", strip=True) == (
        "Name: Mo Rolle: Moderation Aktiv: ja"
    )


def test_account_forms_need_their_csrf_token(client, admin):
    moderator = make_user("mo@example.org", Role.MODERATOR)
    for action in ("deaktivieren", "link", "sperre-aufheben", "entfernen"):
        assert client.post(f"{ACCOUNTS}/{moderator.id}/{action}").status_code == 400
    assert client.post(INVITE, data={"name": "A", "email": "a@example.org"}).status_code == 400
    assert account("mo@example.org").active
    assert audit_actions() == []


# --- one's own password -----------------------------------------------------------------


def test_everyone_changes_their_own_password_and_their_other_logins_end(app, client):
    make_user("mo@example.org", Role.MODERATOR)
    login(client, "mo@example.org")
    elsewhere = app.test_client()
    login(elsewhere, "mo@example.org")

    page = soup(client.get(OWN))
    assert page.h1.get_text() == "Mein Konto"
    for field in ("current", "password", "confirm"):
        assert page.find("label", attrs={"for": field})

    wrong = post(
        client, OWN, {"current": "falsch-falsch", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert wrong.status_code == 422
    assert soup(wrong).find(id="current-fehler").get_text(strip=True) == (
        "Fehler:Das ist nicht Ihr aktuelles Passwort."
    )
    short = post(client, OWN, {"current": PASSWORD, "password": "kurz", "confirm": "kurz"})
    assert short.status_code == 422

    changed = post(
        client, OWN, {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert changed.status_code == 303
    assert flashes(client, OWN) == [
        "Ihr Passwort wurde geändert. Ihre anderen Anmeldungen wurden beendet."
    ]
    assert elsewhere.get("/verwaltung/").status_code == 302
    assert client.get("/verwaltung/").status_code == 200
    assert login(elsewhere, "mo@example.org").status_code == 401
    assert login(elsewhere, "mo@example.org", NEW_PASSWORD).status_code == 303
    assert audit_actions() == [("password.change", "mo@example.org", "mo@example.org")]


# --- "Passwort vergessen?" --------------------------------------------------------------


def test_forgotten_password_same_answer_for_every_address_and_a_link_that_works(app, client, smtp):
    make_user("mo@example.org", Role.MODERATOR)
    elsewhere = app.test_client()
    login(elsewhere, "mo@example.org")
    login_page = soup(client.get("/verwaltung/anmelden"))
    assert login_page.find("a", string="Passwort vergessen?")["href"] == FORGOT

    known = post(client, FORGOT, {"email": "Mo@example.org"})
    unknown = post(client, FORGOT, {"email": "niemand@example.org"})
    again = post(client, FORGOT, {"email": "mo@example.org"})

    def answer(response):
        return soup(response).select_one(".meldung").get_text(" ", strip=True)

    assert known.status_code == unknown.status_code == again.status_code == 200
    assert answer(known) == answer(unknown) == answer(again)
    assert answer(known).startswith("Wenn ein Konto diese Adresse hat,")
    assert "2 Stunden" in answer(known)
    assert "mo@example.org" not in known.get_data(as_text=True)

    mail.send_due()
    [message] = smtp.messages()  # one mail: none for the unknown address, none twice
    assert message["To"] == "mo@example.org"
    assert message["Subject"] == "[Zirkel] Neues Passwort festlegen"
    path = link_in(message.get_content())

    assert set_password(client, path).status_code == 303
    assert elsewhere.get("/verwaltung/").status_code == 302, "every login ends"
    assert login(client, "mo@example.org").status_code == 401
    assert login(client, "mo@example.org", NEW_PASSWORD).status_code == 303
    assert app.test_client().get(path).status_code == 410
    assert audit_actions() == [("password.reset", "mo@example.org", "mo@example.org")]


def test_forgotten_password_without_a_mail_server_says_whom_to_ask(app, client):
    make_user("mo@example.org", Role.MODERATOR)

    page = soup(client.get(FORGOT))

    assert "Bitte wenden Sie sich an die Administration" in page.get_text()
    assert page.find("form", action=FORGOT) is None


def test_create_user_still_works_and_its_account_is_listed(runner, app, client, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("ein-langes-passwort\n")
    result = runner.invoke(
        args=[
            *("create-user", "--email", "erste@example.org", "--role", "admin"),
            *("--password-file", str(password_file)),
        ]
    )
    assert result.exit_code == 0, result.output

    assert login(client, "erste@example.org", "ein-langes-passwort").status_code == 303
    assert "erste@example.org" in soup(client.get(ACCOUNTS)).select_one("table.accounts").get_text()
