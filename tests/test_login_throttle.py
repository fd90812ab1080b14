"""Login throttling slows guessing down without locking the real person out: per account
and network, progressively, with a cap per network, a mail to the owner, and a way for an
admin to lift it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from editorial_helpers import PASSWORD, make_user, session_token
from helpers import soup
from webapp import mail
from webapp.editorial.auth import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_NETWORK
from webapp.extensions import db
from webapp.models import AuditEntry, LoginAttempt, Role

HOME = "198.51.100.7"  # the owner's network
ATTACKER = "203.0.113.9"  # somebody else's
WRONG = "falsch-falsch-falsch"
OWNER = "redaktion@example.org"


def login_from(client, address: str, email: str = OWNER, password: str = PASSWORD):
    """Log in through the form, from a client at `address`."""
    return client.post(
        "/verwaltung/anmelden",
        data={"email": email, "password": password, "csrf_token": session_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, address: str, times: int, email: str = OWNER) -> None:
    for _ in range(times):
        assert login_from(client, address, email, WRONG).status_code == 401


def message(response) -> str:
    return soup(response).select_one(".error-summary").get_text(strip=True)


def let_time_pass(delta: timedelta) -> None:
    """Move every counted failure back in time, as if `delta` had passed."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.created_at -= delta
    db.session.commit()


def test_the_owner_still_logs_in_after_five_wrong_guesses_from_another_network(app, client):
    """testGuessingCannotLockTheOwnerOut: the bug this throttle was rebuilt for."""
    make_user(OWNER)
    attacker = app.test_client()
    fail(attacker, ATTACKER, MAX_FAILURES_PER_ACCOUNT)

    refused = login_from(attacker, ATTACKER)  # even the right password, from there
    owner = login_from(client, HOME)

    assert refused.status_code == 429
    assert owner.status_code == 303
    assert client.get("/verwaltung/").status_code == 200


def test_each_further_guess_waits_twice_as_long_and_says_so_in_german(app, client):
    make_user(OWNER)
    fail(client, ATTACKER, MAX_FAILURES_PER_ACCOUNT)

    first = login_from(client, ATTACKER, password=WRONG)
    assert first.status_code == 429
    assert first.headers["Retry-After"] in ("59", "60")
    assert message(first) == (
        "Zu viele fehlgeschlagene Versuche. Bitte versuchen Sie es in etwa 1 Minute noch einmal."
    )
    assert db.session.scalar(select(db.func.count()).select_from(LoginAttempt)) == 5, (
        "a throttled try is not even checked, nor counted"
    )

    let_time_pass(timedelta(seconds=61))
    fail(client, ATTACKER, 1)
    second = login_from(client, ATTACKER, password=WRONG)
    assert int(second.headers["Retry-After"]) in range(118, 121)
    assert "in etwa 2 Minuten" in message(second)

    let_time_pass(timedelta(minutes=2, seconds=1))
    fail(client, ATTACKER, 1)
    third = login_from(client, ATTACKER)
    assert third.status_code == 429
    assert "in etwa 4 Minuten" in message(third)

    # A day later the failures no longer count.
    let_time_pass(timedelta(days=1))
    assert login_from(client, ATTACKER).status_code == 303


def test_unknown_addresses_are_throttled_like_known_ones(app, client):
    """testThrottleDoesNotRevealWhichAccountsExist."""
    make_user(OWNER)
    answers = {}
    for email in (OWNER, "niemand@example.org"):
        statuses = [
            login_from(client, ATTACKER, email, WRONG).status_code
            for _ in range(MAX_FAILURES_PER_ACCOUNT + 1)
        ]
        answers[email] = statuses
    assert answers[OWNER] == answers["niemand@example.org"] == [401] * 5 + [429]


def test_a_network_has_a_cap_across_accounts(app, client):
    make_user(OWNER)
    for n in range(MAX_FAILURES_PER_NETWORK):
        # A few tries each for many addresses: never five for one.
        assert login_from(client, ATTACKER, f"person{n % 7}@example.org", WRONG).status_code == 401

    capped = login_from(client, ATTACKER)
    assert capped.status_code == 429
    assert "in etwa 15 Minuten" in message(capped)
    assert login_from(app.test_client(), HOME).status_code == 303

    let_time_pass(timedelta(minutes=15, seconds=1))
    assert login_from(client, ATTACKER).status_code == 303


def test_the_right_password_forgives_the_owners_own_typos(app, client):
    make_user(OWNER)
    fail(client, HOME, MAX_FAILURES_PER_ACCOUNT - 1)
    assert login_from(client, HOME).status_code == 303

    fail(app.test_client(), HOME, MAX_FAILURES_PER_ACCOUNT - 1)
    assert login_from(app.test_client(), HOME).status_code == 303


def test_the_owner_gets_one_mail_while_their_account_is_being_guessed(app, client, smtp):
    make_user(OWNER)
    fail(client, ATTACKER, MAX_FAILURES_PER_ACCOUNT)
    fail(client, "192.0.2.1", MAX_FAILURES_PER_ACCOUNT)  # and from a second network
    fail(client, ATTACKER, MAX_FAILURES_PER_ACCOUNT, email="niemand@example.org")

    mail.send_due()
    [warning] = smtp.messages()

    assert warning["To"] == OWNER
    assert warning["Subject"] == "[Zirkel] Fehlgeschlagene Anmeldungen bei Ihrem Konto"
    body = warning.get_content()
    assert "5 Mal versucht" in body
    assert "zuletzt aus dem Netz 203.0.113.0/24" in body
    assert "Aus Ihrem eigenen Netz können Sie sich weiterhin anmelden." in body
    assert "/verwaltung/konto" in body
    db.session.expire_all()
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.subject, entry.user_id, entry.user_email) == (
        "login.guessed",
        OWNER,
        None,
        "",
    )


def test_an_admin_sees_and_lifts_a_throttle(app, client):
    owner = make_user(OWNER)
    make_user("chefin@example.org", Role.ADMIN)
    assert login_from(client, HOME, "chefin@example.org").status_code == 303
    attacker = app.test_client()
    fail(attacker, ATTACKER, MAX_FAILURES_PER_ACCOUNT + 0)

    page = soup(client.get("/verwaltung/konten"))
    cell = page.find("tr", id=f"konto-{owner.id}").find(class_="account-throttle")
    assert cell.strong.get_text().startswith("Gebremst bis ")
    assert "5 Fehlversuche in 24 Stunden" in cell.get_text()
    button = cell.find("button")
    assert button.get_text(" ", strip=True) == f"Sperre aufheben : {OWNER}"
    form = button.find_parent("form")

    lifted = client.post(
        form["action"],
        data={
            "csrf_token": form.find("input", {"name": "csrf_token"})["value"],
            "zurueck": "liste",
        },
    )

    assert (lifted.status_code, lifted.headers["Location"]) == (303, "/verwaltung/konten")
    after = soup(client.get("/verwaltung/konten"))
    assert "Die Anmeldesperre von redaktion@example.org wurde aufgehoben." in after.get_text()
    assert (
        after.find("tr", id=f"konto-{owner.id}")
        .find(class_="account-throttle")
        .get_text(strip=True)
        == "keine"
    )
    assert login_from(attacker, ATTACKER).status_code == 303
    log = soup(client.get("/verwaltung/protokoll", query_string={"aktion": "konten"}))
    actions = [td.get_text(strip=True) for td in log.select("td.audit-action")]
    assert actions == ["Anmeldesperre aufgehoben", "Fehlversuche: Anmeldung gebremst"]


@pytest.mark.parametrize("who", ["moderation", "redaktion"])
def test_only_admins_lift_throttles(app, client, who):
    owner = make_user(OWNER)
    make_user("x@example.org", Role(who))
    login_from(client, HOME, "x@example.org")
    fail(app.test_client(), ATTACKER, MAX_FAILURES_PER_ACCOUNT)

    response = client.post(
        f"/verwaltung/konten/{owner.id}/sperre-aufheben",
        data={"csrf_token": session_token(client, "/verwaltung/")},
    )

    assert response.status_code == 403
    assert login_from(app.test_client(), ATTACKER).status_code == 429


def test_guessing_the_current_password_on_the_own_account_page_is_throttled(app, client):
    make_user(OWNER)
    login_from(client, HOME)
    data = {"password": "ein-neues-langes-passwort", "confirm": "ein-neues-langes-passwort"}
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        response = client.post(
            "/verwaltung/konto",
            data={**data, "current": WRONG, "csrf_token": session_token(client, "/verwaltung/")},
            environ_base={"REMOTE_ADDR": HOME},
        )
        assert response.status_code == 422
    refused = client.post(
        "/verwaltung/konto",
        data={**data, "current": PASSWORD, "csrf_token": session_token(client, "/verwaltung/")},
        environ_base={"REMOTE_ADDR": HOME},
    )
    assert refused.status_code == 429
    assert "in etwa 1 Minute" in soup(refused).find(id="current-fehler").get_text()
