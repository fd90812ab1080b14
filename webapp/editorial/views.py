"""The editorial area's blueprint: dashboard and site settings; articles and authors
add their routes from their own modules."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..database import writing
from ..extensions import db
from ..models import Article, Comment, CommentStatus, Role
from ..site_settings import all_settings, set_setting
from .auth import role_required
from .forms import SettingsForm

bp = Blueprint("editorial", __name__, url_prefix="/verwaltung")


@bp.after_request
def not_for_search_engines(response: Response) -> Response:
    """Nothing of the editorial area belongs in a search index, nor in a shared cache."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.get("/")
@login_required
def dashboard():
    """What needs doing: drafts, held comments; where to go."""
    counts = {
        "drafts": db.session.scalar(
            select(func.count()).select_from(Article).where(Article.published_at.is_(None))
        ),
        "pending": db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING)
        ),
    }
    return render_template("editorial/dashboard.html", counts=counts, Role=Role, user=current_user)


@bp.route("/einstellungen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    """Site settings: moderation, closing comments, notifications."""
    form = SettingsForm(data=all_settings())
    if form.validate_on_submit():
        with writing():
            for key in ("moderation", "close_comments_after_days", "notify_moderators"):
                set_setting(key, getattr(form, key).data)
        flash(_("The settings have been saved."), "success")
        return redirect(url_for("editorial.settings"), 303)
    return render_template("editorial/settings.html", form=form), 422 if form.errors else 200


def register(app) -> None:
    from . import articles, authors, moderation  # noqa: F401 - they add their routes to bp

    app.register_blueprint(bp)
