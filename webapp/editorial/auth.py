"""Editorial accounts: login with throttling, server-side login sessions, roles."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
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

from ..clients import client_network
from ..database import writing
from ..extensions import db, login_manager
from ..models import LoginAttempt, LoginSession, Role, User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/verwaltung")

# Failed logins counted over this window: per account, and per network.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_NETWORK = 20
MIN_PASSWORD_LENGTH = 10
# Checked against when the e-mail is unknown, so both cases take as long.
_DUMMY_HASH = generate_password_hash("zirkel-dummy-password")


def hash_password(password: str) -> str:
    """scrypt, memory-hard (Werkzeug's default method)."""
    return generate_password_hash(password, method="scrypt")


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


def _recent_failures(column, value: str) -> int:
    since = utcnow() - THROTTLE_WINDOW
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.created_at >= since)
    )


def _throttled(email: str, network: str) -> bool:
    return (
        _recent_failures(LoginAttempt.email, email) >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(LoginAttempt.address, network) >= MAX_FAILURES_PER_NETWORK
    )


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
    """Log in with e-mail and password; the same answer for unknown e-mails and wrong passwords."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        network = client_network()
        if _throttled(email, network):
            error = _("Too many failed attempts. Please wait a few minutes and try again.")
            status = 429
        else:
            user = db.session.scalar(select(User).where(User.email == email))
            valid = check_password_hash(
                user.password_hash if user else _DUMMY_HASH, form.password.data
            )
            if user is not None and valid and user.active:
                with writing():
                    login_session = LoginSession(id=secrets.token_urlsafe(32), user=user)
                    db.session.add(login_session)
                    user.last_login_at = utcnow()
                user.login_session_id = login_session.id
                session.clear()  # nothing from before the login carries over
                login_user(user)
                return redirect(safe_next(request.args.get("next")), 303)
            with writing():
                db.session.add(LoginAttempt(email=email, address=network))
            error = _("E-mail address or password is wrong.")
            status = 401
    elif request.method == "POST":
        status = 422
    return render_template("editorial/login.html", form=form, error=error), status


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
