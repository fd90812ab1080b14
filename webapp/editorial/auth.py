"""Editorial accounts: login with throttling, server-side login sessions, roles.

Throttling must slow guessing down without locking the real person out. Failed logins
are counted per account *and* network (IPv4 /24, IPv6 /48): MAX_FAILURES_PER_ACCOUNT
wrong passwords for an address from one network make the next try from there wait
FIRST_WAIT, and each further failure doubles the wait (up to LONGEST_WAIT), while the
owner, from their own network, still logs in. A network also has a cap across accounts
(MAX_FAILURES_PER_NETWORK in THROTTLE_WINDOW). The owner of an existing account gets a
mail (at most once per WARN_EVERY) when it is being guessed, and an admin can lift a
throttle on the accounts page (accounts.py). A throttled try is not checked at all, and
unknown addresses are counted like known ones: the answers say nothing about which
accounts exist.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from .. import mail
from ..clients import client_network
from ..database import writing
from ..extensions import db, login_manager
from ..formatting import wait_time
from ..language import site_language
from ..models import AuditEntry, LoginAttempt, LoginSession, Role, User, utcnow
from ..urls import absolute_url

bp = Blueprint("auth", __name__, url_prefix="/verwaltung")

# Per account and network: this many failures pass; then the next try waits FIRST_WAIT,
# and every further failure doubles the wait, up to LONGEST_WAIT.
MAX_FAILURES_PER_ACCOUNT = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
FAILURES_KEPT = timedelta(days=1)  # how long a failure counts for its account
# Per network, across accounts.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NETWORK = 20
# The owner hears at most this often that their account is being guessed.
WARN_EVERY = timedelta(days=1)
MIN_PASSWORD_LENGTH = 10
# Stored for accounts that have no password yet (invited): no password matches it.
UNUSABLE_PREFIX = "!"
# Checked against when the e-mail is unknown, so both cases take as long.
_DUMMY_HASH = generate_password_hash("zirkel-dummy-password")


def hash_password(password: str) -> str:
    """scrypt, memory-hard (Werkzeug's default method)."""
    return generate_password_hash(password, method="scrypt")


def unusable_password() -> str:
    """A password hash no password matches, different each time (one-time links use it)."""
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def has_password(user: User) -> bool:
    """Whether an account has a password set (an invited one has not, yet)."""
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


def password_matches(user: User | None, password: str) -> bool:
    """Check a password; as slow for unknown accounts and accounts without one."""
    usable = user is not None and has_password(user)
    valid = check_password_hash(user.password_hash if usable else _DUMMY_HASH, password)
    return usable and valid


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(_l("Please enter your e-mail address."))]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )


@login_manager.user_loader
def load_user(login_session_id: str) -> User | None:
    """The user of a login session that still exists: logging out deletes it."""
    login = db.session.get(LoginSession, login_session_id)
    if login is None or not login.user.active:
        return None
    login.user.login_session_id = login.id
    return login.user


def role_required(*roles: Role) -> Callable:
    """Only for logged-in users with one of these roles (admins may do everything)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403, _("Your account may not do this."))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _pair_wait(count: int) -> timedelta:
    """How long the next try waits after `count` failures for one account from one network."""
    if count < MAX_FAILURES_PER_ACCOUNT:
        return timedelta(0)
    doublings = min(count - MAX_FAILURES_PER_ACCOUNT, 20)
    return min(FIRST_WAIT * 2**doublings, LONGEST_WAIT)


def throttle_wait(email: str, network: str) -> int:
    """Seconds until `email` may be tried again from `network` (0: now)."""
    now = utcnow()
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email,
            LoginAttempt.address == network,
            LoginAttempt.created_at >= now - FAILURES_KEPT,
        )
    ).one()
    until = last + _pair_wait(count) if count else now
    since = now - THROTTLE_WINDOW
    in_window = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.address == network, LoginAttempt.created_at >= since)
    )
    if in_window >= MAX_FAILURES_PER_NETWORK:
        # Free again once enough of the network's failures have left the window.
        oldest_to_leave = db.session.scalar(
            select(LoginAttempt.created_at)
            .where(LoginAttempt.address == network, LoginAttempt.created_at >= since)
            .order_by(LoginAttempt.created_at)
            .offset(in_window - MAX_FAILURES_PER_NETWORK)
            .limit(1)
        )
        until = max(until, oldest_to_leave + THROTTLE_WINDOW)
    return max(0, math.ceil((until - now).total_seconds()))


@dataclass(frozen=True)
class Throttle:
    """An account's failed logins, for the accounts page."""

    failures: int  # within FAILURES_KEPT, from every network
    until: datetime | None  # the latest moment some network must wait for, if any


def throttles(emails: list[str]) -> dict[str, Throttle]:
    """The failed logins of these accounts that still count (accounts without: left out)."""
    now = utcnow()
    rows = db.session.execute(
        select(LoginAttempt.email, func.count(), func.max(LoginAttempt.created_at))
        .where(LoginAttempt.email.in_(emails), LoginAttempt.created_at >= now - FAILURES_KEPT)
        .group_by(LoginAttempt.email, LoginAttempt.address)
    ).all()
    found: dict[str, Throttle] = {}
    for email, count, last in rows:
        until = last + _pair_wait(count) if count >= MAX_FAILURES_PER_ACCOUNT else None
        before = found.get(email, Throttle(0, None))
        if until is None or until <= now:
            until = before.until
        elif before.until is not None:
            until = max(until, before.until)
        found[email] = Throttle(before.failures + count, until)
    return found


def lift_throttle(email: str) -> int:
    """Forget an account's failed logins, from every network; how many there were."""
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email)).rowcount


def record_failure(email: str, network: str, user: User | None) -> None:
    """Count a failed login (inside writing()); warn the owner if it is being guessed."""
    now = utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - FAILURES_KEPT))
    db.session.add(LoginAttempt(email=email, address=network, created_at=now))
    if user is None:
        return
    failures = db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)
    )
    if failures < MAX_FAILURES_PER_ACCOUNT:
        return
    from . import audit  # audit.py registers its routes on the blueprint that imports this

    warned = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == "login.guessed",
            AuditEntry.subject == user.email,
            AuditEntry.created_at >= now - WARN_EVERY,
        )
    )
    if warned:
        return
    audit.add_entry(
        "login.guessed",
        user=None,  # whoever guesses; the owner is the subject
        subject=user.email,
        after={"failures": failures, "network": network},
    )
    _warn_owner(user, failures, network)


def _warn_owner(user: User, failures: int, network: str) -> None:
    """The mail to an account's owner: someone is guessing its password."""
    if not current_app.config["SMTP_HOST"] or not mail.is_address(user.email):
        return
    site = mail.one_line(current_app.config["SITE_NAME"])
    # In the site's language: the request that sends it is the guesser's.
    with site_language():
        body = render_template(
            "email/login_warning.txt",
            site=site,
            failures=failures,
            network=network,
            account_url=absolute_url("editorial.own_account"),
            reset_url=absolute_url("editorial.forgot_password"),
        )
        subject = _("[%(site)s] Failed logins to your account", site=site)
    mail.enqueue(to=user.email, subject=subject, body=body, kind="login-warning")


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site, never another site.

    Browsers read "//host", "/\\host" and "\t//host" as other sites, and "https:host" as
    a URL; only a plain absolute path without them passes.
    """
    default = url_for("editorial.dashboard")
    if not target or any(ch in target for ch in "\\\t\r\n") or not target.isprintable():
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password; the same answer for unknown e-mails and wrong passwords.

    An account with a second factor goes on to its code (second_factor.py) before it is in.
    """
    form = LoginForm()
    error = None
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        network = client_network()
        wait = throttle_wait(email, network)
        if wait:
            error = _("Too many failed attempts. Please try again %(when)s.", when=wait_time(wait))
            headers["Retry-After"] = str(wait)
            status = 429
        else:
            user = db.session.scalar(select(User).where(User.email == email))
            if password_matches(user, form.password.data) and user.active:
                from . import second_factor  # it builds on this module

                # An account with a second factor is not logged in yet (second_factor.py).
                second_step = second_factor.after_password(user, request.args.get("next"))
                if second_step is not None:
                    return second_step
                with writing():
                    user = db.session.get(User, user.id)
                    login_session = open_login_session(user, network)
                log_in(user, login_session)
                return redirect(safe_next(request.args.get("next")), 303)
            with writing():
                record_failure(email, network, db.session.get(User, user.id) if user else None)
            error = _("E-mail address or password is wrong.")
            status = 401
    elif request.method == "POST":
        status = 422
    html = render_template("editorial/login.html", form=form, error=error)
    return html, status, headers


def open_login_session(user: User, network: str) -> LoginSession:
    """A new server-side login for `user`, inside writing(); the owner's own typos from
    `network` are forgiven now that the whole login (password, second factor) is right."""
    login_session = LoginSession(id=secrets.token_urlsafe(32), user=user)
    db.session.add(login_session)
    user.last_login_at = utcnow()
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.email == user.email, LoginAttempt.address == network
        )
    )
    return login_session


def log_in(user: User, login_session: LoginSession) -> None:
    """Let this browser in through `login_session` (after open_login_session's transaction)."""
    user.login_session_id = login_session.id
    session.clear()  # nothing from before the login carries over
    login_user(user)


def password_fingerprint(user: User) -> str:
    """Changes whenever the account's password changes (a half-done login dies with it)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


@bp.post("/abmelden")
@login_required
def logout():
    """End this login for real: its server-side session is deleted, copied cookies die."""
    with writing():
        db.session.execute(
            delete(LoginSession).where(LoginSession.id == current_user.login_session_id)
        )
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), 303)


def end_other_logins(user: User, keep: str | None = None) -> None:
    """Delete every login session of a user but `keep` (after a password change)."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.id != keep)
    db.session.execute(query)


def register(app) -> None:
    # Flask-Login's context processor would load the user for every template (and so read
    # the session on every reader page); the proxy below loads it only where a template
    # asks, in the editorial area.
    login_manager.init_app(app, add_context_processor=False)
    # Zirkel never sets "remember me" cookies. Flask-Login's hook that maintains them reads
    # the session on every response, which would make every reader page vary by Cookie.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    app.add_template_global(current_user, "current_user")
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
