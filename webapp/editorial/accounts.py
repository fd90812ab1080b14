"""Accounts in the browser: admins invite, change roles, deactivate, remove and lift login
throttles; everyone changes their own password; a forgotten one is reset by mail.

Passwords are set through one-time links (signed with the app's secret, a salt of their
own, timed). A link names the account and a fingerprint of its password hash as it was
when the link was made: once a password is set, every older link of that account is
dead, and the link's own id is stored as a UsedLink in the same transaction as well. An
invited account has no usable password until its owner sets one (auth.unusable_password).
The mails go through the outbox; without a mail server (ZIRKEL_SMTP_HOST) the admin
gets the link on screen, to pass on. Every change is one transaction with its audit entry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .. import mail
from ..clients import client_network
from ..comments.forms import normalize, strip
from ..database import writing
from ..extensions import db
from ..formatting import wait_time
from ..models import LoginSession, Role, UsedLink, User, utcnow
from ..notifications import LinkError
from ..urls import absolute_url
from . import audit, second_factor
from .auth import (
    MIN_PASSWORD_LENGTH,
    end_other_logins,
    has_password,
    hash_password,
    lift_throttle,
    password_matches,
    record_failure,
    role_required,
    throttle_wait,
    throttles,
    unusable_password,
)
from .views import bp

admins_only = role_required(Role.ADMIN)

_SALT = "zirkel.password-link"
INVITATION_MAX_AGE = timedelta(days=7)  # an invitation's link, and one an admin makes
RESET_MAX_AGE = timedelta(hours=2)  # a link asked for with "Passwort vergessen?"
# A forgotten password's mail goes to one account at most this often.
RESET_MAIL_EVERY = timedelta(minutes=15)


def role_choices() -> list[SelectChoice]:
    """The roles, in German words, for a select field."""
    return [SelectChoice(role.value, audit.ROLE_LABELS[role]) for role in Role]


# --- forms ------------------------------------------------------------------------------


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _mail_address(_form, field) -> None:
    if field.data and not mail.is_address(field.data):
        raise ValidationError(_l("Please enter one e-mail address, such as name@example.org."))


def _long_enough(_form, field) -> None:
    if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("At least %(min)d characters, please.", min=MIN_PASSWORD_LENGTH))


def _new_password(label) -> PasswordField:
    return PasswordField(
        label,
        description=_l("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
        validators=[DataRequired(_l("Please enter a new password.")), _long_enough],
        render_kw={"autocomplete": "new-password"},
    )


def _repeat_password() -> PasswordField:
    return PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Please enter the new password once more.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class InviteForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[normalize, strip],
        validators=[
            DataRequired(_l("Please enter a name.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
    )
    email = EmailField(
        _l("E-mail"),
        filters=[strip, _lower],
        description=_l("The invitation goes to this address; it is also the login."),
        validators=[DataRequired(_l("Please enter the e-mail address.")), _mail_address],
    )
    role = SelectField(
        _l("Role"),
        choices=role_choices,
        default=Role.EDITOR.value,
        description=_l(
            "Administration: everything. Editorial team: articles, authors, topics. "
            "Moderation: comments."
        ),
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)


class SetPasswordForm(FlaskForm):
    password = _new_password(_l("New password"))
    confirm = _repeat_password()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password(_l("New password"))
    confirm = _repeat_password()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[strip, _lower],
        validators=[DataRequired(_l("Please enter your e-mail address."))],
        render_kw={"autocomplete": "username"},
    )


# --- one-time links to set a password ---------------------------------------------------


@dataclass(frozen=True)
class PasswordLink:
    """A genuine, unexpired, unused link to set an account's password."""

    id: str  # random; a UsedLink once it has been used
    user: User
    purpose: str  # "invite" or "reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the account's password (or its invitation) changes."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def make_password_token(user: User, purpose: str, max_age: timedelta) -> str:
    """A signed, one-time token to set `user`'s password, valid for `max_age`."""
    return _serializer().dumps(
        {
            "id": secrets.token_urlsafe(16),
            "u": user.id,
            "p": _fingerprint(user),
            "k": purpose,
            "m": int(max_age.total_seconds()),
        }
    )


def password_link(user: User, purpose: str, max_age: timedelta) -> str:
    """The absolute address of a new one-time link for `user`."""
    return absolute_url("editorial.set_password", token=make_password_token(user, purpose, max_age))


def read_password_token(token: str) -> PasswordLink:
    """The link a token stands for; LinkError ("invalid", "expired", "used") otherwise."""
    serializer = _serializer()
    try:
        data, signed_at = serializer.loads(
            token, max_age=int(INVITATION_MAX_AGE.total_seconds()), return_timestamp=True
        )
    except SignatureExpired as error:
        raise LinkError("expired") from error
    except BadData as error:
        raise LinkError("invalid") from error
    if not isinstance(data, dict) or not all(key in data for key in "upkm") or "id" not in data:
        raise LinkError("invalid")
    if data["k"] not in ("invite", "reset") or not isinstance(data["u"], int):
        raise LinkError("invalid")
    age = utcnow() - signed_at.replace(tzinfo=None)
    if not isinstance(data["m"], int) or age > timedelta(seconds=data["m"]):
        raise LinkError("expired")
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        raise LinkError("invalid")
    if _fingerprint(user) != data["p"] or db.session.get(UsedLink, str(data["id"])):
        raise LinkError("used")
    return PasswordLink(id=str(data["id"]), user=user, purpose=data["k"])


def _link_refusal(reason: str) -> tuple[str, int]:
    if reason == "expired":
        return _("This link has expired. Please ask for a new one."), 410
    if reason == "used":
        return _("This link has been used already. It works only once."), 410
    return _("This link is not valid. Please copy it from the e-mail in full."), 400


def _no_referrer(response: Response) -> Response:
    # The token is in the address: it must not travel on in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/passwort/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password through a one-time link (an invitation or a reset)."""
    try:
        link = read_password_token(token)
    except LinkError as error:
        message, status = _link_refusal(error.reason)
        html = render_template("editorial/account_password.html", refusal=message, form=None)
        return _no_referrer(make_response(html, status))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with writing():
                link = read_password_token(token)  # again, now that writers queue
                user = link.user
                user.password_hash = hash_password(form.password.data)
                db.session.add(UsedLink(id=link.id))
                end_other_logins(user)
                lift_throttle(user.email)
                action = "password.set" if link.purpose == "invite" else "password.reset"
                audit.add_entry(action, user=user, subject=user.email)
        except LinkError as error:
            message, status = _link_refusal(error.reason)
        except IntegrityError:  # the same link used at the same moment (PostgreSQL)
            message, status = _link_refusal("used")
        else:
            flash(_("Your password has been saved. You can log in now."), "success")
            return _no_referrer(redirect(url_for("auth.login"), 303))
        html = render_template("editorial/account_password.html", refusal=message, form=None)
        return _no_referrer(make_response(html, status))
    html = render_template(
        "editorial/account_password.html",
        refusal=None,
        form=form,
        link=link,
    )
    return _no_referrer(make_response(html, 422 if form.errors else 200))


# --- a forgotten password ---------------------------------------------------------------


def _reset_mail_sent_recently(email: str) -> bool:
    since = utcnow() - RESET_MAIL_EVERY
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(mail.OutboxMail)
            .where(
                mail.OutboxMail.kind == "password-reset",
                mail.OutboxMail.recipient == email,
                mail.OutboxMail.created_at >= since,
            )
        )
    )


def can_mail(user: User) -> bool:
    """Whether Zirkel can mail this account (a mail server, an address the outbox takes)."""
    return bool(current_app.config["SMTP_HOST"]) and mail.is_address(user.email)


def _password_mail(user: User, purpose: str, link: str) -> None:
    """Put the mail with a link to set the password into the outbox (inside writing())."""
    site = mail.one_line(current_app.config["SITE_NAME"])
    if purpose == "invite":
        subject = _("[%(site)s] Your invitation to the editorial area", site=site)
    else:
        subject = _("[%(site)s] Set a new password", site=site)
    body = render_template(
        "email/account_link.txt",
        purpose=purpose,
        site=site,
        name=mail.one_line(user.name),
        role=audit.role_label(user.role),
        link=link,
        login_url=absolute_url("auth.login"),
        hours=int(RESET_MAX_AGE.total_seconds() // 3600),
    )
    kind = "invitation" if purpose == "invite" else "password-reset"
    mail.enqueue(to=user.email, subject=subject, body=body, kind=kind)


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the same answer whether the account exists."""
    form = ForgotPasswordForm()
    can_mail = bool(current_app.config["SMTP_HOST"])
    sent = False
    if form.validate_on_submit() and can_mail:
        email = form.email.data
        with writing():
            user = db.session.scalar(select(User).where(User.email == email))
            if (
                user is not None
                and user.active
                and mail.is_address(email)
                and not _reset_mail_sent_recently(email)
            ):
                link = password_link(user, "reset", RESET_MAX_AGE)
                _password_mail(user, "reset", link)
        sent = True
    status = 422 if form.errors else 200
    html = render_template(
        "editorial/account_forgot.html",
        form=form,
        can_mail=can_mail,
        sent=sent,
        hours=int(RESET_MAX_AGE.total_seconds() // 3600),
    )
    return _no_referrer(make_response(html, status))


# --- one's own account ------------------------------------------------------------------


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def own_account():
    """Change one's own password: the current one first; other logins end."""
    form = ChangePasswordForm()
    user = current_user
    status = 200
    if form.validate_on_submit():
        network = client_network()
        wait = throttle_wait(user.email, network)
        if wait:
            form.current.errors = [
                _("Too many failed attempts. Please try again %(when)s.", when=wait_time(wait))
            ]
            status = 429
        elif not password_matches(user, form.current.data):
            with writing():
                record_failure(user.email, network, db.session.get(User, user.id))
            form.current.errors = [_("This is not your current password.")]
            status = 422
        else:
            keep = user.login_session_id
            with writing():
                account = db.session.get(User, user.id)
                account.password_hash = hash_password(form.password.data)
                end_other_logins(account, keep=keep)
                audit.record("password.change", subject=account.email)
            flash(
                _("Your password has been changed. Your other logins have been ended."),
                "success",
            )
            return redirect(url_for("editorial.own_account"), 303)
    if form.errors and status == 200:
        status = 422
    sessions = db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )
    html = render_template(
        "editorial/account_own.html",
        form=form,
        user=user,
        role_label=audit.role_label,
        other_sessions=max(sessions - 1, 0),
    )
    return html, status


# --- the admins' pages ------------------------------------------------------------------


def get_account(user_id: int) -> User:
    account = db.session.get(User, user_id)
    if account is None:
        abort(404, _("There is no account at this address."))
    return account


def _other_active_admins(account: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != account.id)
    )


def _keeps_an_admin(account: User) -> bool:
    """Whether the site still has an active admin if this account stops being one."""
    return not (account.role == Role.ADMIN and account.active) or _other_active_admins(account)


LAST_ADMIN = _l("At least one active administration account must remain.")
NOT_YOURSELF = _l("You cannot do this to your own account.")


def state(account: User) -> dict[str, Any]:
    """What the audit log keeps of an account's state."""
    return {"name": account.name, "role": account.role, "active": account.active}


@bp.get("/konten")
@admins_only
def accounts():
    """Every account: role, state, last login, login throttle."""
    users = db.session.scalars(select(User).order_by(func.lower(User.email))).all()
    return render_template(
        "editorial/accounts.html",
        users=users,
        throttles=throttles([user.email for user in users]),
        has_password=has_password,
        role_label=audit.role_label,
        now=utcnow(),
    )


def _link_page(account: User, link: str, purpose: str) -> str:
    """The link on screen, when there is no mail server to send it."""
    return render_template(
        "editorial/account_link.html",
        account=account,
        link=link,
        purpose=purpose,
        days=INVITATION_MAX_AGE.days,
    )


@bp.route("/konten/einladen", methods=["GET", "POST"])
@admins_only
def invite():
    """Invite someone: the account is created without a password, its owner sets one."""
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            form.email.errors = [_("There is an account with this address already.")]
        else:
            try:
                with writing():
                    account = User(
                        email=email,
                        name=form.name.data,
                        role=form.role.data,
                        password_hash=unusable_password(),
                        active=True,
                    )
                    db.session.add(account)
                    db.session.flush()
                    link = password_link(account, "invite", INVITATION_MAX_AGE)
                    audit.record("account.invite", subject=email, after=state(account))
                    if can_mail(account):
                        _password_mail(account, "invite", link)
            except IntegrityError:
                form.email.errors = [_("There is an account with this address already.")]
            else:
                if not can_mail(account):
                    return _no_referrer(make_response(_link_page(account, link, "invite")))
                flash(_("The invitation to %(email)s is in the outbox.", email=email), "success")
                return redirect(url_for("editorial.account", user_id=account.id), 303)
    status = 422 if request.method == "POST" else 200
    html = render_template("editorial/account_invite.html", form=form)
    return html, status


@bp.route("/konten/<int:user_id>", methods=["GET", "POST"])
@admins_only
def account(user_id: int):
    """One account: its role (changed here), its state and what can be done with it."""
    account = get_account(user_id)
    form = RoleForm(role=account.role)
    if form.validate_on_submit():
        with writing():
            account = db.session.get(User, user_id)
            new = form.role.data
            if new == account.role:
                flash(_("Nothing was changed."), "success")
            elif new != Role.ADMIN and not _keeps_an_admin(account):
                flash(str(LAST_ADMIN), "error")
            else:
                before = state(account)
                account.role = new
                audit.record(
                    "account.role", subject=account.email, before=before, after=state(account)
                )
                flash(
                    _(
                        "%(email)s now has the role “%(role)s”.",
                        email=account.email,
                        role=audit.role_label(new),
                    ),
                    "success",
                )
        if user_id == current_user.id and new != Role.ADMIN:
            # An admin who stepped down may no longer see the accounts.
            return redirect(url_for("editorial.dashboard"), 303)
        return redirect(url_for("editorial.account", user_id=user_id), 303)
    status = 422 if request.method == "POST" else 200
    html = render_template(
        "editorial/account.html",
        account=account,
        form=form,
        throttle=throttles([account.email]).get(account.email),
        has_password=has_password(account),
        role_label=audit.role_label,
        is_self=account.id == current_user.id,
        now=utcnow(),
    )
    return html, status


@bp.post("/konten/<int:user_id>/deaktivieren")
@admins_only
def deactivate(user_id: int):
    """Deactivate an account: it cannot log in, and its logins end now."""
    get_account(user_id)
    with writing():
        account = db.session.get(User, user_id)
        if account.id == current_user.id:
            flash(str(NOT_YOURSELF), "error")
        elif not _keeps_an_admin(account):
            flash(str(LAST_ADMIN), "error")
        elif account.active:
            before = state(account)
            account.active = False
            end_other_logins(account)
            audit.record(
                "account.deactivate", subject=account.email, before=before, after=state(account)
            )
            flash(_("%(email)s has been deactivated.", email=account.email), "success")
    return redirect(url_for("editorial.account", user_id=user_id), 303)


@bp.post("/konten/<int:user_id>/reaktivieren")
@admins_only
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    get_account(user_id)
    with writing():
        account = db.session.get(User, user_id)
        if not account.active:
            before = state(account)
            account.active = True
            audit.record(
                "account.reactivate", subject=account.email, before=before, after=state(account)
            )
            flash(_("%(email)s can log in again.", email=account.email), "success")
    return redirect(url_for("editorial.account", user_id=user_id), 303)


@bp.post("/konten/<int:user_id>/link")
@admins_only
def new_link(user_id: int):
    """A new link to set the account's password: mailed, or shown without a mail server."""
    account = get_account(user_id)
    if not account.active:
        flash(_("Reactivate the account first."), "error")
        return redirect(url_for("editorial.account", user_id=user_id), 303)
    purpose = "reset" if has_password(account) else "invite"
    with writing():
        account = db.session.get(User, user_id)
        if purpose == "invite":
            account.password_hash = unusable_password()  # the earlier invitations die
        link = password_link(account, purpose, INVITATION_MAX_AGE)
        audit.record("account.link", subject=account.email)
        if can_mail(account):
            _password_mail(account, purpose, link)
    if not can_mail(account):
        return _no_referrer(make_response(_link_page(account, link, purpose)))
    message = _("A mail with a new link to %(email)s is in the outbox.", email=account.email)
    flash(message, "success")
    return redirect(url_for("editorial.account", user_id=user_id), 303)


@bp.post("/konten/<int:user_id>/sperre-aufheben")
@admins_only
def unthrottle(user_id: int):
    """Forget an account's failed logins, so that it can be tried again at once."""
    get_account(user_id)
    with writing():
        account = db.session.get(User, user_id)
        lifted = lift_throttle(account.email)
        if lifted:
            audit.record("login.unthrottle", subject=account.email, before={"failures": lifted})
    flash(_("The login throttle of %(email)s has been lifted.", email=account.email), "success")
    target = request.form.get("zurueck") == "liste"
    return redirect(
        url_for("editorial.accounts") if target else url_for("editorial.account", user_id=user_id),
        303,
    )


@bp.post("/konten/<int:user_id>/zwei-faktor-zuruecksetzen")
@admins_only
def reset_second_factor(user_id: int):
    """Switch another account's second factor off (a lost phone); its owner may set up anew."""
    get_account(user_id)
    with writing():
        account = db.session.get(User, user_id)
        if account.id == current_user.id:
            flash(str(NOT_YOURSELF), "error")
        elif account.totp_secret:
            second_factor.reset(account)
            flash(
                _(
                    "The second factor of %(email)s has been reset; its recovery codes no "
                    "longer work.",
                    email=account.email,
                ),
                "success",
            )
    return redirect(url_for("editorial.account", user_id=user_id), 303)


@bp.route("/konten/<int:user_id>/entfernen", methods=["GET", "POST"])
@admins_only
def remove(user_id: int):
    """Remove an account for good, after a confirmation; never one's own, nor the last admin."""
    account = get_account(user_id)
    refusal = None
    if account.id == current_user.id:
        refusal = str(NOT_YOURSELF)
    elif not _keeps_an_admin(account):
        refusal = str(LAST_ADMIN)
    if request.method == "POST" and refusal is None:
        with writing():
            account = db.session.get(User, user_id)
            if _keeps_an_admin(account):
                email = account.email
                audit.record("account.remove", subject=email, before=state(account))
                lift_throttle(email)
                db.session.execute(delete(User).where(User.id == user_id))
                flash(_("The account %(email)s has been removed.", email=email), "success")
                return redirect(url_for("editorial.accounts"), 303)
            refusal = str(LAST_ADMIN)
    html = render_template("editorial/account_delete.html", account=account, refusal=refusal)
    return html, 409 if request.method == "POST" else 200
