"""The second factor: set up with an authenticator app (the secret as shown on the page),
asked for after the password, throttled like passwords, never accepted twice; recovery
codes; required for admins by a setting; reset by an admin for a lost phone."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import unquote

import pyotp
import pytest
from sqlalchemy import func, select

from editorial_helpers import PASSWORD, form_as_sent, make_user, session_token
from helpers import soup
from webapp.editorial import second_factor
from webapp.editorial.auth import MAX_FAILURES_PER_ACCOUNT
from webapp.extensions import db
from webapp.models import AuditEntry, LoginSession, RecoveryCode, Role, SiteSetting, User

LOGIN = "/verwaltung/anmelden"
CODE = "/verwaltung/anmelden/code"
SETUP_AT_LOGIN = "/verwaltung/anmelden/einrichten"
SETUP = "/verwaltung/konto/zwei-faktor"
RENEW = "/verwaltung/konto/zwei-faktor/neue-codes"
SWITCH_OFF = "/verwaltung/konto/zwei-faktor/ausschalten"
DASHBOARD = "/verwaltung/"
OWNER = "redaktion@example.org"
HOME = "198.51.100.7"  # the owner's network
ATTACKER = "203.0.113.9"  # somebody else's, who knows the password


class Clock:
    """The time second_factor.py sees; tests move it on by time steps."""

    def __init__(self) -> None:
        self.now = float(int(time.time()) // 30 * 30 + 10)

    def __call__(self) -> float:
        return self.now

    def step(self, steps: int = 1) -> None:
        self.now += 30 * steps


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(second_factor, "clock", clock)
    return clock


def code_now(secret: str, clock: Clock, steps: int = 0) -> str:
    """What the authenticator app shows (`steps` time steps from now)."""
    return pyotp.TOTP(secret).at(clock.now + 30 * steps)


def login_from(client, address: str = HOME, email: str = OWNER, password: str = PASSWORD):
    return client.post(
        LOGIN,
        data={"email": email, "password": password, "csrf_token": session_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def send_code(client, code: str, address: str = HOME, field: str = "code"):
    token = session_token(client)
    return client.post(
        CODE, data={field: code, "csrf_token": token}, environ_base={"REMOTE_ADDR": address}
    )


def token_on(client, url: str, form_id: str | None = None) -> str:
    page = soup(client.get(url))
    scope = page.find(id=form_id) if form_id else page
    return scope.find("input", attrs={"name": lambda name: name and name.endswith("csrf_token")})[
        "value"
    ]


def enrol(client, clock: Clock, url: str = SETUP):
    """Set up the second factor as a person would; (secret, recovery codes, answer)."""
    page = soup(client.get(url))
    secret = page.select_one(".second-factor-secret").get_text().replace(" ", "")
    response = client.post(
        url,
        data={"code": code_now(secret, clock), "csrf_token": token_on(client, url)},
    )
    codes = [item.get_text() for item in soup(response).select("#wiederherstellungscodes code")]
    return secret, codes, response


def account(email: str = OWNER) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def logins() -> int:
    return db.session.scalar(select(func.count()).select_from(LoginSession))


def logout(client) -> None:
    client.post("/verwaltung/abmelden", data={"csrf_token": session_token(client, DASHBOARD)})


def field_error(response, field_id: str) -> str:
    return soup(response).find(id=f"{field_id}-fehler").get_text(" ", strip=True)


@pytest.fixture
def owner(app, client, clock):
    """An editor with a second factor set up; logged out again. (user, secret, codes)"""
    user = make_user(OWNER)
    assert login_from(client).status_code == 303
    secret, codes, _response = enrol(client, clock)
    logout(client)
    clock.step()  # the setup's code is used up
    return user, secret, codes


def require_for_admins() -> None:
    db.session.merge(SiteSetting(key=second_factor.REQUIRED, value="true"))
    db.session.commit()


# --- setting it up ----------------------------------------------------------------------


def test_setting_it_up_with_a_code_computed_from_the_secret_on_the_page(app, client, clock):
    make_user(OWNER)
    login_from(client)
    own = soup(client.get("/verwaltung/konto"))
    assert own.find("a", string="Zwei-Faktor-Anmeldung einrichten")["href"] == SETUP

    secret, codes, response = enrol(client, clock)

    assert response.status_code == 200
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "sicher" in soup(response).get_text()  # the advice to keep them safe
    user = account()
    assert user.totp_secret == secret and user.totp_enabled_at is not None
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored), (
        "recovery codes are stored as hashes only"
    )
    assert actions() == ["login.second_factor_on"]
    # Never shown again.
    page = client.get(SETUP).get_data(as_text=True)
    assert secret not in page and secret[:4] + " " + secret[4:8] not in page
    assert "Wiederherstellungscodes übrig" in soup(client.get(SETUP)).get_text()


def test_the_setup_page_draws_its_qr_code_itself_and_loads_nothing_from_elsewhere(
    app, client, clock
):
    make_user(OWNER)
    login_from(client)
    page = soup(client.get(SETUP))

    qr = page.select_one("img.second-factor-qr")
    assert qr["src"].startswith("data:image/svg+xml")
    svg = unquote(qr["src"].split(",", 1)[1])
    assert svg.startswith("<svg") and "<path" in svg
    assert qr["alt"]
    for element in page.find_all(src=True):
        assert element["src"].startswith(("/", "data:")), element
    for element in page.find_all(["link", "script"]):
        assert not element.get("href", "/").startswith(("http", "//")), element
    field = page.find("input", id="code")
    assert field["autocomplete"] == "one-time-code" and field["inputmode"] == "numeric"
    assert page.find("label", attrs={"for": "code"})
    # The secret, in groups of four, and the same after a reload (the app scanned it).
    shown = page.select_one(".second-factor-secret").get_text()
    assert all(len(group) == 4 for group in shown.split())
    again = soup(client.get(SETUP)).select_one(".second-factor-secret").get_text()
    assert again == shown


def test_a_wrong_code_does_not_switch_it_on(app, client, clock):
    make_user(OWNER)
    login_from(client)
    page = soup(client.get(SETUP))
    secret = page.select_one(".second-factor-secret").get_text().replace(" ", "")
    wrong = code_now(secret, clock, steps=5)

    response = client.post(SETUP, data={"code": wrong, "csrf_token": token_on(client, SETUP)})

    assert response.status_code == 422
    assert "stimmt nicht" in field_error(response, "code")
    assert account().totp_secret is None
    assert actions() == []


# --- logging in -------------------------------------------------------------------------


def test_the_password_alone_does_not_log_in_the_code_does(app, client, clock, owner):
    _user, secret, _codes = owner
    before = logins()

    first = login_from(client)

    assert first.status_code == 303 and first.headers["Location"] == CODE
    assert logins() == before, "no login session before the code is right"
    assert client.get(DASHBOARD).status_code == 302  # still not logged in
    page = soup(client.get(CODE))
    field = page.find("input", id="code")
    assert field["autocomplete"] == "one-time-code" and field["inputmode"] == "numeric"

    second = send_code(client, code_now(secret, clock))

    assert second.status_code == 303 and second.headers["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert logins() == before + 1


def test_a_code_seen_over_a_shoulder_cannot_be_replayed(app, client, clock, owner):
    _user, secret, _codes = owner
    code = code_now(secret, clock)
    login_from(client)
    assert send_code(client, code).status_code == 303
    logout(client)

    login_from(client)
    replayed = send_code(client, code)

    assert replayed.status_code == 401
    assert "bereits verwendet" in field_error(replayed, "code")
    # Nor the code before it, once a later one was used; the next one works.
    assert send_code(client, code_now(secret, clock, steps=-1)).status_code == 401
    assert send_code(client, code_now(secret, clock, steps=1)).status_code == 303


def test_one_step_of_clock_drift_either_way_is_allowed(app, client, clock, owner):
    _user, secret, _codes = owner
    clock.step(5)  # well past the step of the setup's code
    login_from(client)
    assert send_code(client, code_now(secret, clock, steps=-2)).status_code == 401
    assert send_code(client, code_now(secret, clock, steps=2)).status_code == 401
    assert send_code(client, code_now(secret, clock, steps=-1)).status_code == 303


def test_wrong_codes_are_throttled_like_passwords_and_the_owner_still_gets_in(
    app, client, clock, owner
):
    """testKnowingThePasswordBuysNoExtraGuesses: the code is guessed from another network."""
    _user, secret, _codes = owner
    attacker = app.test_client()
    assert login_from(attacker, ATTACKER).headers["Location"] == CODE
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        assert send_code(attacker, "000000", ATTACKER).status_code == 401
    # The password once more does not forgive the wrong codes.
    assert login_from(attacker, ATTACKER).headers["Location"] == CODE
    assert send_code(attacker, "000000", ATTACKER).status_code == 401

    throttled = send_code(attacker, code_now(secret, clock), ATTACKER)
    again = login_from(attacker, ATTACKER)

    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert "Zu viele fehlgeschlagene Versuche" in field_error(throttled, "code")
    assert again.status_code == 429
    # The owner, from home, gets in all the same.
    assert login_from(client, HOME).headers["Location"] == CODE
    assert send_code(client, code_now(secret, clock), HOME).status_code == 303
    assert client.get(DASHBOARD).status_code == 200


def test_the_half_done_login_expires(app, client, clock, owner):
    _user, secret, _codes = owner
    login_from(client)
    clock.now += timedelta(minutes=5, seconds=1).total_seconds()

    late = send_code(client, code_now(secret, clock))

    assert late.status_code == 303 and late.headers["Location"] == LOGIN
    assert "erneut an" in soup(client.get(LOGIN)).select_one("p.flash").get_text()
    assert client.get(DASHBOARD).status_code == 302


def test_a_recovery_code_works_once(app, client, clock, owner):
    _user, _secret, codes = owner
    login_from(client)
    response = send_code(client, codes[3].upper().replace("-", " "), field="recovery_code")
    assert response.status_code == 303
    assert "9 Wiederherstellungscodes" in soup(client.get(DASHBOARD)).select_one("p.flash").text
    assert actions()[-1] == "login.recovery_code_used"
    logout(client)

    login_from(client)
    again = send_code(client, codes[3], field="recovery_code")

    assert again.status_code == 401
    assert "bereits verwendet" in field_error(again, "recovery_code")
    assert client.get(DASHBOARD).status_code == 302


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, client, clock, owner):
    _user, secret, old = owner
    login_from(client)
    send_code(client, code_now(secret, clock))
    token = token_on(client, SETUP, "neue-codes")

    wrong = client.post(RENEW, data={"neu-code": "123456", "neu-csrf_token": token})
    clock.step()
    right = client.post(RENEW, data={"neu-code": code_now(secret, clock), "neu-csrf_token": token})

    assert wrong.status_code == 422
    assert right.status_code == 200
    new = [item.get_text() for item in soup(right).select("#wiederherstellungscodes code")]
    assert len(new) == 10 and not set(new) & set(old)
    assert actions()[-1] == "login.recovery_codes"
    logout(client)
    login_from(client)
    assert send_code(client, old[0], field="recovery_code").status_code == 401
    assert send_code(client, new[0], field="recovery_code").status_code == 303


def test_switching_it_off_needs_the_password_and_a_code(app, client, clock, owner):
    _user, secret, _codes = owner
    login_from(client)
    send_code(client, code_now(secret, clock))
    clock.step()
    token = token_on(client, SETUP, "ausschalten")

    def switch_off(password: str, code: str):
        return client.post(
            SWITCH_OFF, data={"aus-password": password, "aus-code": code, "aus-csrf_token": token}
        )

    wrong_password = switch_off("falsch-falsch-falsch", code_now(secret, clock))
    clock.step()
    wrong_code = switch_off(PASSWORD, "000000")
    right = switch_off(PASSWORD, code_now(secret, clock))

    assert wrong_password.status_code == 422
    assert field_error(wrong_password, "aus-password")
    assert wrong_code.status_code == 422 and field_error(wrong_code, "aus-code")
    assert right.status_code == 303
    assert account().totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert actions()[-1] == "login.second_factor_off"
    logout(client)
    assert login_from(client).headers["Location"] == DASHBOARD


# --- admins -----------------------------------------------------------------------------


def test_required_for_admins_sends_an_admin_to_set_it_up_before_anything_else(app, client, clock):
    make_user("chefin@example.org", Role.ADMIN)
    require_for_admins()

    response = login_from(client, email="chefin@example.org")

    assert response.status_code == 303 and response.headers["Location"] == SETUP_AT_LOGIN
    assert logins() == 0
    assert client.get(DASHBOARD).status_code == 302
    assert client.get("/verwaltung/einstellungen").status_code == 302
    page = soup(client.get(SETUP_AT_LOGIN))
    assert "vorgeschrieben" in page.get_text()

    secret, codes, done = enrol(client, clock, SETUP_AT_LOGIN)

    assert done.status_code == 200 and len(codes) == 10
    assert account("chefin@example.org").totp_secret == secret
    assert client.get(DASHBOARD).status_code == 200
    assert logins() == 1


def test_an_admin_already_logged_in_when_it_becomes_required_sets_it_up_first(app, client, clock):
    make_user("chefin@example.org", Role.ADMIN)
    login_from(client, email="chefin@example.org")
    require_for_admins()

    sent = client.get("/verwaltung/konten")

    assert sent.status_code == 303 and sent.headers["Location"] == SETUP
    enrol(client, clock)
    assert client.get("/verwaltung/konten").status_code == 200
    assert "nicht ausgeschaltet werden" in soup(client.get(SETUP)).get_text()


def test_other_roles_need_no_second_factor_when_it_is_required_for_admins(app, client):
    make_user(OWNER)
    require_for_admins()
    assert login_from(client).headers["Location"] == DASHBOARD


def test_the_setting_is_on_the_settings_page_and_needs_the_admins_own_second_factor(
    app, client, clock
):
    make_user("chefin@example.org", Role.ADMIN)
    login_from(client, email="chefin@example.org")
    settings = "/verwaltung/einstellungen"
    data = form_as_sent(client, settings)
    data["require_second_factor_for_admins"] = "y"

    refused = client.post(settings, data=data)

    assert refused.status_code == 422
    assert "zuerst" in field_error(refused, "require_second_factor_for_admins")
    enrol(client, clock)
    data = form_as_sent(client, settings)
    data["require_second_factor_for_admins"] = "y"
    assert client.post(settings, data=data).status_code == 303
    assert second_factor.get_setting(second_factor.REQUIRED) is True


def test_an_admin_resets_another_accounts_second_factor(app, client, clock, owner):
    make_user("chefin@example.org", Role.ADMIN)
    admin = app.test_client()
    login_from(admin, email="chefin@example.org")
    page = f"/verwaltung/konten/{owner[0].id}"
    assert "Eingeschaltet seit" in soup(admin.get(page)).get_text()

    response = admin.post(
        f"{page}/zwei-faktor-zuruecksetzen",
        data={"csrf_token": token_on(admin, page, "zwei-faktor-zuruecksetzen")},
    )

    assert response.status_code == 303
    assert account().totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.user_email, entry.subject) == (
        "login.second_factor_reset",
        "chefin@example.org",
        OWNER,
    )
    assert "Zweiter Faktor zurückgesetzt" in soup(admin.get("/verwaltung/protokoll")).get_text()
    # The owner logs in with the password alone, and may set it up again.
    assert login_from(client).headers["Location"] == DASHBOARD


def test_a_reset_ends_a_half_done_login(app, client, clock, owner):
    """The code step of a login begun before the reset does not go on with no factor."""
    login_from(client)
    second_factor.switch_off(db.session.get(User, owner[0].id))
    db.session.commit()
    assert send_code(client, "123456").headers["Location"] == LOGIN


def test_an_admin_cannot_switch_it_off_while_it_is_required(app, client, clock):
    make_user("chefin@example.org", Role.ADMIN)
    login_from(client, email="chefin@example.org")
    secret, _codes, _done = enrol(client, clock)
    require_for_admins()
    clock.step()

    refused = client.post(
        SWITCH_OFF,
        data={
            "aus-password": PASSWORD,
            "aus-code": code_now(secret, clock),
            "aus-csrf_token": session_token(client, DASHBOARD),
        },
    )

    assert refused.status_code == 409
    assert account("chefin@example.org").totp_secret == secret


def test_an_admin_cannot_reset_their_own_second_factor_on_the_accounts_page(app, client, clock):
    """Switching one's own off needs the password and a code (own account page)."""
    admin = make_user("chefin@example.org", Role.ADMIN)
    login_from(client, email="chefin@example.org")
    enrol(client, clock)
    page = f"/verwaltung/konten/{admin.id}"
    assert soup(client.get(page)).find(id="zwei-faktor-zuruecksetzen") is None

    client.post(
        f"{page}/zwei-faktor-zuruecksetzen", data={"csrf_token": session_token(client, page)}
    )

    assert account("chefin@example.org").totp_secret is not None
    assert "login.second_factor_reset" not in actions()


def test_the_command_line_switches_it_off_when_nobody_else_can(app, client, clock, owner, runner):
    """The only admin lost phone and codes: the operator resets it on the server."""
    user, _secret, _codes = owner
    result = runner.invoke(args=["reset-second-factor", "--email", OWNER.upper()])
    assert result.exit_code == 0, result.output
    assert "logs in with its password" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    response = login_from(client)
    assert response.headers["Location"] == "/verwaltung/", "the password alone logs in again"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.subject, entry.user_email) == (
        "login.second_factor_reset",
        OWNER,
        "flask reset-second-factor",
    )
    unknown = runner.invoke(args=["reset-second-factor", "--email", "niemand@example.org"])
    assert unknown.exit_code != 0
