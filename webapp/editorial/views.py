"""The editorial area's blueprint: dashboard and site settings; articles and authors
add their routes from their own modules."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select

from .. import mail
from ..database import writing
from ..errors import handle_http_error
from ..extensions import db
from ..models import Article, Comment, CommentStatus, Role, utcnow
from ..revisions import prune
from ..site_settings import all_settings, get_setting, set_setting
from .auth import role_required
from .conflicts import EditConflict, check_version
from .forms import SettingsForm, keeps_what_was_typed, token_is_ours_but_old

bp = Blueprint("editorial", __name__, url_prefix="/verwaltung")


@bp.after_request
def not_for_search_engines(response: Response) -> Response:
    """Nothing of the editorial area belongs in a search index. (Nor in any cache: no view
    here marks its answer shared, so caching.private_unless_shared makes it
    `private, no-store`.)"""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError):
    """A form left open past its token's time: shown again with what was typed and a
    fresh token, saving nothing (for views marked `keeps_what_was_typed`)."""
    view = current_app.view_functions.get(request.endpoint)
    if (
        request.method == "POST"
        and getattr(view, "keeps_what_was_typed", False)
        and token_is_ours_but_old()
    ):
        g.form_expired = True
        return view(**request.view_args)
    return handle_http_error(error)


@bp.get("/")
@login_required
def dashboard():
    """What needs doing: drafts, scheduled articles, held comments; where to go."""
    now = utcnow()
    scheduled = db.session.scalars(
        select(Article)
        .where(Article.published_at > now)
        .order_by(Article.published_at, Article.id)
        .limit(5)
    ).all()
    counts = {
        "drafts": db.session.scalar(
            select(func.count()).select_from(Article).where(Article.published_at.is_(None))
        ),
        "scheduled": db.session.scalar(
            select(func.count()).select_from(Article).where(Article.published_at > now)
        ),
        "pending": db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING)
        ),
    }
    return render_template(
        "editorial/dashboard.html",
        counts=counts,
        scheduled=scheduled,
        Role=Role,
        user=current_user,
    )


@bp.route("/einstellungen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
@keeps_what_was_typed
def settings():
    """Site settings: moderation, closing comments, notifications; the outbox's state."""
    stored = all_settings()
    form = SettingsForm(data=stored)
    if form.validate_on_submit():
        try:
            with writing():
                now = all_settings()  # inside the write: what the check compares with
                check_version(
                    now["version"],
                    form.version.data,
                    [(form[k].label.text, _shown(form, k, now[k]), False) for k in _EDITABLE],
                )
                from .audit import record  # audit adds its page to this module's bp

                before = {key: _shown(form, key, now[key]) for key in _EDITABLE}
                for key in _EDITABLE:
                    set_setting(key, getattr(form, key).data)
                record(
                    "settings.save",
                    before=before,
                    after={key: _shown(form, key, getattr(form, key).data) for key in _EDITABLE},
                )
                set_setting("version", (now["version"] or 0) + 1)
                prune()
        except EditConflict as conflict:
            form.version.data = str(get_setting("version"))
            return _settings_page(form, stored, 409, conflict=conflict.stored)
        flash(_("The settings have been saved."), "success")
        # Stored all the same: the mail server is the operator's setting (ZIRKEL_*), the
        # admin may well tick this first, and the choice should hold the day a server is
        # set up. Until then the page says so, beside the setting.
        if form.notify_moderators.data and not current_app.config["SMTP_HOST"]:
            flash(
                _(
                    "No mail server is configured (ZIRKEL_SMTP_HOST): the moderators get no "
                    "e-mail until one is."
                ),
                "error",
            )
        return redirect(url_for("editorial.settings"), 303)
    return _settings_page(form, stored, 422 if form.errors else 200)


# The settings the form changes; "version" is raised by every save (editorial/conflicts.py).
_EDITABLE = (
    "moderation",
    "close_comments_after_days",
    "notify_moderators",
    "revisions_kept",
    "require_second_factor_for_admins",
)


def _shown(form: SettingsForm, key: str, value) -> str:
    """A setting's value as the form names it (a choice's label, yes/no, a number)."""
    field = form[key]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    labels = {str(c.value): str(c.label) for c in getattr(field, "choices", None) or []}
    return labels.get(str(value), str(value))


def _settings_page(form: SettingsForm, stored: dict, status: int, conflict=None):
    context = {}
    if conflict is not None:
        context = {
            "conflict": conflict,
            "conflict_message": _(
                "Someone else saved the settings while you were changing them. Your choices "
                "are in the form, the saved ones above it: compare them, then save again to "
                "keep yours."
            ),
        }
    return render_template(
        "editorial/settings.html",
        form=form,
        notify_stored=stored["notify_moderators"],
        smtp=smtp_summary(),
        outbox=mail.outbox_state(),
        kind_label=mail.kind_label,
        **context,
    ), status


@bp.post("/einstellungen/test-e-mail")
@role_required(Role.ADMIN)
def test_mail():
    """Put a test mail to the admin's own address into the outbox (CSRF-checked POST)."""
    address = current_user.email
    if not current_app.config["SMTP_HOST"]:
        flash(no_mail_server_message(), "error")
    elif not mail.is_address(address):
        message = _("Your account's address cannot receive mail: %(address)s", address=address)
        flash(message, "error")
    else:
        site = mail.one_line(current_app.config["SITE_NAME"])
        body = render_template(
            "email/test_mail.txt",
            text=_(
                "This is a test mail from %(site)s, sent from the settings page at your "
                "request. If it reached you, e-mail from %(site)s works.",
                site=site,
            ),
            footer=_("This mail was sent automatically by %(site)s.", site=site),
        )
        with writing():
            mail.enqueue(
                to=address,
                subject=_("[%(site)s] Test mail", site=site),
                body=body,
                kind="test",
            )
        flash(
            _(
                "A test mail to %(address)s is in the outbox. Its state is shown below.",
                address=address,
            ),
            "success",
        )
    return redirect(url_for("editorial.settings", _anchor="e-mail"), 303)


def no_mail_server_message() -> str:
    """What the settings page says while ZIRKEL_SMTP_HOST is unset."""
    return _("No mail server is configured (ZIRKEL_SMTP_HOST): Zirkel cannot send any e-mail.")


def smtp_summary() -> str | None:
    """The configured mail server as "host:port", or None if there is none."""
    config = current_app.config
    if not config["SMTP_HOST"]:
        return None
    return f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"


def register(app) -> None:
    from . import (  # noqa: F401
        accounts,
        articles,
        audit,
        authors,
        mail_links,
        media_library,
        moderation,
        pages,
        personal_data,
        revisions,
        second_factor,
        topics,
    )

    app.register_blueprint(bp)
