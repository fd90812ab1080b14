"""The second factor: a time-based code from an authenticator app (TOTP), and recovery codes.

Optional per account; required for admins when the site setting REQUIRED says so. After a
correct password an account with a second factor is not logged in yet: the half-done login
(PENDING_KEY) lives in the signed session for PENDING_MAX_AGE, and only the right code makes
the server-side login session (auth.open_login_session). Wrong codes are failures in the
password's own throttle (auth.throttle_wait / record_failure, per account and network), and
the password step does not forgive them: knowing the password does not buy more guesses.

A code is accepted once: an account remembers the time step of the last code it accepted
(User.totp_last_step), and only later steps count, with one step of clock drift either way.
That check and its update happen inside one `writing()` block, so two workers cannot both
accept the same code. Recovery codes are random, stored as SHA-256 hashes (they carry 80
bits: a slow hash would add nothing) and each works once.

Enrolment shows the secret (as a QR code drawn here by segno, and in groups for typing)
until a current code confirms it; only then is it stored, and it is never shown again. The
secret waits in the signed session meanwhile (the session cookie is the owner's own), so a
reload shows the same QR code. An admin who must have a second factor and has none is, after
the password, in an enrolment-only state: no login session exists until it is set up
(ENROL_KEY in PENDING_KEY). One already logged in when the setting is switched on is sent to
the setup page from every other page of the area.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Regexp

from ..clients import client_network
from ..database import writing
from ..extensions import db
from ..formatting import wait_time
from ..models import RecoveryCode, Role, User, utcnow
from ..site_settings import get_setting
from . import audit
from .auth import (
    log_in,
    open_login_session,
    password_fingerprint,
    password_matches,
    record_failure,
    safe_next,
    throttle_wait,
)
from .views import bp

REQUIRED = "require_second_factor_for_admins"  # the site setting
PENDING_KEY = "zweiter_faktor"  # the half-done login, in the signed session
SETUP_KEY = "zweiter_faktor_neu"  # the secret being set up, until a code confirms it
ENROL_KEY = "e"
PENDING_MAX_AGE = timedelta(minutes=5)  # from the password to the code
ENROL_MAX_AGE = timedelta(minutes=15)  # from the password to a confirmed enrolment
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l
_RECOVERY_LENGTH = 16  # in groups of four: about 79 bits
DRIFT = 1  # time steps either way


def clock() -> float:
    """Now, in seconds since the epoch (tests move it)."""
    return time.time()


# --- codes ------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP secret: 32 base32 characters (160 bits)."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _issuer() -> str:
    return current_app.config["SITE_NAME"]


@dataclass(frozen=True)
class QRCode:
    src: str  # an SVG in a data: URI
    size: int  # pixels, square


def qr_code(user: User, secret: str) -> QRCode:
    """The otpauth:// address as a QR code, drawn here: nothing is fetched from elsewhere."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=_issuer())
    qr = segno.make(uri, error="m")
    # Dark on white whatever the page's colours (scanners need the contrast); the quiet
    # zone of four modules that the standard asks for.
    src = qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff")
    return QRCode(src=src, size=qr.symbol_size(scale=5, border=4)[0])


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (within DRIFT of now, later than `after`) whose code `code` is."""
    totp = pyotp.TOTP(secret)
    now = int(clock() // totp.interval)
    for step in range(now - DRIFT, now + DRIFT + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(user: User, code: str) -> bool:
    """Whether `code` is a current code of `user` not used before; remembers it as used.

    Call inside writing(), with `user` loaded there: writers queue, so a code is accepted
    by one request only.
    """
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()


def normalize_recovery_code(code: str) -> str:
    """A recovery code as stored: lower case, without spaces and hyphens."""
    return re.sub(r"[\s\-]+", "", code).lower()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with RECOVERY_CODES new ones (inside writing())."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Whether `code` is one of the account's unused recovery codes; it is used up now."""
    if not user.totp_secret or not normalize_recovery_code(code):
        return False
    found = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    found.used_at = utcnow()
    return True


def recovery_codes_left(user: User) -> int:
    """How many of the account's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def switch_on(user: User, secret: str, step: int) -> list[str]:
    """Store a confirmed secret; the new recovery codes (inside writing())."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step  # the confirming code does not log anyone in later
    return new_recovery_codes(user)


def switch_off(user: User) -> None:
    """Forget the account's second factor and its recovery codes (inside writing())."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def is_required(user: User) -> bool:
    """Whether this account must have a second factor (admins, when the setting says so)."""
    return user.role == Role.ADMIN and bool(get_setting(REQUIRED))


# --- forms ------------------------------------------------------------------------------


def _compact(value: str | None) -> str | None:
    """Apps show codes as "123 456"; people type them so."""
    return re.sub(r"\s+", "", value) if isinstance(value, str) else value


def _code_field(label=None) -> StringField:
    return StringField(
        label or _l("Code from the app"),
        filters=[_compact],
        description=_l("The 6 digits your authenticator app shows now."),
        validators=[
            DataRequired(_l("Please enter the code from your app.")),
            Regexp(r"^\d{6}$", message=_l("The code has 6 digits.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class CodeForm(FlaskForm):
    code = _code_field()


class RecoveryForm(FlaskForm):
    recovery_code = StringField(
        _l("Recovery code"),
        description=_l("One of the codes you kept when you set up the second factor."),
        validators=[DataRequired(_l("Please enter a recovery code."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class DisableForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code_field()


WRONG_CODE = _l(
    "This code is not right, or it has been used already. Please enter the current one."
)


def _too_many(wait: int) -> str:
    return _("Too many failed attempts. Please try again %(when)s.", when=wait_time(wait))


# --- the login's second step ------------------------------------------------------------


def after_password(user: User, next_url: str | None):
    """What follows a correct password: None (log in now), or the way to the second step.

    Called by auth.login; the failures counted so far stay, since the login is not done.
    """
    enrol = not user.totp_secret and is_required(user)
    if not user.totp_secret and not enrol:
        return None
    session.clear()  # nothing from before carries over, as with a login
    session[PENDING_KEY] = {
        "u": user.id,
        "t": int(clock()),
        "p": password_fingerprint(user),
        "n": safe_next(next_url),
        ENROL_KEY: enrol,
    }
    return redirect(url_for("editorial.setup_at_login" if enrol else "editorial.login_code"), 303)


def _pending(enrol: bool) -> tuple[User, str] | None:
    """The account whose half-done login this session holds, and where it goes next."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or bool(data.get(ENROL_KEY)) != enrol:
        return None
    max_age = ENROL_MAX_AGE if enrol else PENDING_MAX_AGE
    if not isinstance(data.get("t"), int) or clock() - data["t"] > max_age.total_seconds():
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    # A password changed meanwhile, a deactivation or an admin's reset end it too.
    if user is None or not user.active or password_fingerprint(user) != data.get("p"):
        return None
    if enrol == bool(user.totp_secret):
        return None
    return user, safe_next(data.get("n"))


def _start_again():
    session.pop(PENDING_KEY, None)
    flash(_("Your login took too long. Please log in again."), "error")
    return redirect(url_for("auth.login"), 303)


@bp.route("/anmelden/code", methods=["GET", "POST"])
def login_code():
    """The login's second step: the code from the app, or a recovery code."""
    pending = _pending(enrol=False)
    if pending is None:
        return _start_again()
    user, next_url = pending
    recovering = "recovery_code" in request.form
    code_form, recovery_form = CodeForm(), RecoveryForm()
    form = recovery_form if recovering else code_form
    field = form.recovery_code if recovering else form.code
    status, headers = 200, {}
    if form.validate_on_submit():
        network = client_network()
        wait = throttle_wait(user.email, network)
        if wait:
            field.errors = [_too_many(wait)]
            headers["Retry-After"] = str(wait)
            status = 429
        else:
            check = use_recovery_code if recovering else accept_code
            with writing():
                account = db.session.get(User, user.id)
                accepted = check(account, field.data)
                if accepted:
                    login_session = open_login_session(account, network)
                    if recovering:
                        audit.add_entry(
                            "login.recovery_code_used", user=account, subject=account.email
                        )
                else:
                    record_failure(account.email, network, account)
            if accepted:
                log_in(account, login_session)
                if recovering:
                    _say_how_many_are_left(account)
                return redirect(next_url, 303)
            field.errors = [_wrong_recovery() if recovering else str(WRONG_CODE)]
            status = 401
    elif request.method == "POST":
        status = 422
    html = render_template(
        "editorial/second_factor_login.html",
        code_form=code_form,
        recovery_form=recovery_form,
        recovering=recovering,
        minutes=int(PENDING_MAX_AGE.total_seconds() // 60),
    )
    return html, status, headers


def _wrong_recovery() -> str:
    return _("This recovery code is not right, or it has been used already.")


def _say_how_many_are_left(user: User) -> None:
    left = recovery_codes_left(user)
    message = ngettext(
        "You logged in with a recovery code; it is used up now. %(num)d recovery code is left.",
        "You logged in with a recovery code; it is used up now. %(num)d recovery codes are left.",
        left,
    )
    flash(message, "success" if left > 3 else "error")


# --- setting it up ----------------------------------------------------------------------


def _setup_secret(user: User) -> str:
    """The secret being set up for `user`: the same on every reload until confirmed."""
    data = session.get(SETUP_KEY)
    if isinstance(data, dict) and data.get("u") == user.id and isinstance(data.get("s"), str):
        return data["s"]
    secret = new_secret()
    session[SETUP_KEY] = {"u": user.id, "s": secret}
    return secret


def _setup_page(user: User, form: CodeForm, secret: str, action: str, status: int, **context):
    html = render_template(
        "editorial/second_factor_setup.html",
        form=form,
        qr=qr_code(user, secret),
        secret=grouped(secret),
        account=user,
        action=action,
        required=is_required(user),
        **context,
    )
    return html, status


def _confirm(user: User, form: CodeForm, secret: str) -> int | None:
    """The step of the confirming code, or None (the field says why)."""
    step = _matching_step(secret, form.code.data, None)
    if step is None:
        form.code.errors = [
            _(
                "This code does not match. Please check that the app shows the code for "
                "this account, and enter the current one."
            )
        ]
    return step


def _codes_page(codes: list[str], next_url: str):
    return render_template(
        "editorial/second_factor_codes.html", codes=codes, next_url=next_url
    ), 200


@bp.route("/anmelden/einrichten", methods=["GET", "POST"])
def setup_at_login():
    """Enrolment-only: an admin who must have a second factor sets it up to finish logging in."""
    pending = _pending(enrol=True)
    if pending is None:
        return _start_again()
    user, next_url = pending
    secret = _setup_secret(user)
    form = CodeForm()
    action = url_for("editorial.setup_at_login")
    if form.validate_on_submit():
        step = _confirm(user, form, secret)
        if step is not None:
            network = client_network()
            with writing():
                account = db.session.get(User, user.id)
                if account.totp_secret:  # sent twice: the first one logged in
                    return _start_again()
                codes = switch_on(account, secret, step)
                audit.add_entry("login.second_factor_on", user=account, subject=account.email)
                login_session = open_login_session(account, network)
            log_in(account, login_session)  # clears the session: the setup secret goes too
            # Shown in this answer, not after a redirect: the codes never sit in a cookie.
            return _codes_page(codes, next_url)
    status = 422 if form.errors else 200
    return _setup_page(user, form, secret, action, status, at_login=True)


@bp.route("/konto/zwei-faktor", methods=["GET", "POST"])
@login_required
def second_factor():
    """One's own second factor: set it up, or see it, renew recovery codes, switch it off."""
    user = current_user
    if user.totp_secret:
        if request.method == "POST":
            abort(405)
        return _manage_page(user, CodeForm(prefix="neu"), DisableForm(prefix="aus"), 200)
    secret = _setup_secret(user)
    form = CodeForm()
    if form.validate_on_submit():
        step = _confirm(user, form, secret)
        if step is not None:
            with writing():
                account = db.session.get(User, user.id)
                # Sent twice (a double click): the first one's codes stand.
                codes = None if account.totp_secret else switch_on(account, secret, step)
                if codes:
                    audit.record("login.second_factor_on", subject=account.email)
            session.pop(SETUP_KEY, None)
            if not codes:
                return redirect(url_for("editorial.second_factor"), 303)
            return _codes_page(codes, url_for("editorial.own_account"))
    status = 422 if form.errors else 200
    action = url_for("editorial.second_factor")
    return _setup_page(user, form, secret, action, status, at_login=False)


def _manage_page(user: User, renew: CodeForm, disable: DisableForm, status: int, headers=None):
    html = render_template(
        "editorial/second_factor.html",
        account=user,
        left=recovery_codes_left(user),
        renew=renew,
        disable=disable,
        required=is_required(user),
    )
    return html, status, headers or {}


def _throttled(user: User, field) -> dict[str, str] | None:
    """The Retry-After header if this account is throttled from here (the field says so)."""
    wait = throttle_wait(user.email, client_network())
    if not wait:
        return None
    field.errors = [_too_many(wait)]
    return {"Retry-After": str(wait)}


@bp.post("/konto/zwei-faktor/neue-codes")
@login_required
def renew_recovery_codes():
    """New recovery codes for a current code; the old ones stop working."""
    user = current_user
    if not user.totp_secret:
        return redirect(url_for("editorial.second_factor"), 303)
    renew, disable = CodeForm(prefix="neu"), DisableForm(prefix="aus", formdata=None)
    if not renew.validate_on_submit():
        return _manage_page(user, renew, disable, 422)
    throttled = _throttled(user, renew.code)
    if throttled:
        return _manage_page(user, renew, disable, 429, throttled)
    network = client_network()
    with writing():
        account = db.session.get(User, user.id)
        accepted = accept_code(account, renew.code.data)
        if accepted:
            codes = new_recovery_codes(account)
            audit.record("login.recovery_codes", subject=account.email)
        else:
            record_failure(account.email, network, account)
    if not accepted:
        renew.code.errors = [str(WRONG_CODE)]
        return _manage_page(user, renew, disable, 422)
    return _codes_page(codes, url_for("editorial.second_factor"))


@bp.post("/konto/zwei-faktor/ausschalten")
@login_required
def disable_second_factor():
    """Switch one's second factor off: the password and a current code first."""
    user = current_user
    if not user.totp_secret:
        return redirect(url_for("editorial.second_factor"), 303)
    renew, disable = CodeForm(prefix="neu", formdata=None), DisableForm(prefix="aus")
    if is_required(user):
        abort(409, _("Administration accounts must use a second factor on this site."))
    if not disable.validate_on_submit():
        return _manage_page(user, renew, disable, 422)
    throttled = _throttled(user, disable.password)
    if throttled:
        return _manage_page(user, renew, disable, 429, throttled)
    network = client_network()
    password_ok = password_matches(user, disable.password.data)
    with writing():
        account = db.session.get(User, user.id)
        # Both are checked, so that a right code is used up even beside a wrong password.
        code_ok = accept_code(account, disable.code.data)
        if password_ok and code_ok:
            switch_off(account)
            audit.record("login.second_factor_off", subject=account.email)
        else:
            record_failure(account.email, network, account)
    if not password_ok:
        disable.password.errors = [_("This is not your current password.")]
    if not code_ok:
        disable.code.errors = [str(WRONG_CODE)]
    if disable.errors:
        return _manage_page(user, renew, disable, 422)
    flash(_("The second factor is switched off. Your recovery codes no longer work."), "success")
    return redirect(url_for("editorial.own_account"), 303)


def reset(account: User) -> None:
    """An admin's reset of another account's second factor (a lost phone), audited."""
    switch_off(account)
    audit.record("login.second_factor_reset", subject=account.email)


# Reachable while an admin who must have a second factor has none (logging out is too: it
# is on the auth blueprint).
_SETUP_ENDPOINTS = frozenset({"editorial.second_factor"})


@bp.before_request
def admins_set_it_up_first():
    """An admin logged in without a second factor when it became required: set it up first."""
    if request.endpoint in _SETUP_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.role != Role.ADMIN or current_user.totp_secret:
        return None
    if not get_setting(REQUIRED):
        return None
    return redirect(url_for("editorial.second_factor"), 303)
