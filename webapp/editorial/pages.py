"""Pages in the editorial area: list, add, edit (version check, audit, revisions), delete.

Every save keeps a revision, as for articles (webapp/revisions.py; the list, comparison
and restore are editorial/revisions.py's).

Impressum and Datenschutz are linked from every page's footer: they cannot be deleted,
and their addresses stay (webapp/pages.py, FIXED).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..comments.forms import normalize, strip
from ..database import writing
from ..extensions import db
from ..models import RevisionNote, Role
from ..pages import FIXED, Page, page_url
from ..revisions import keep, keep_earlier, prune
from ..text import make_slug
from .audit import record
from .auth import role_required
from .conflicts import EditConflict, check_version
from .forms import keeps_what_was_typed, slug_field
from .views import bp

editors_only = role_required(Role.EDITOR)


class PageForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[normalize, strip],
        validators=[
            DataRequired(_l("Please enter a title.")),
            Length(max=300, message=_l("At most %(max)d characters.")),
        ],
    )
    slug = slug_field(_l("Part of the page's address (/seite/…); made from the title if empty."))
    body = TextAreaField(
        _l("Text"),
        filters=[normalize],
        description=_l(
            "Markdown, as in articles. “{tage}” shows the number of days comments keep "
            "their network (ZIRKEL_KEEP_NETWORK_DAYS)."
        ),
        validators=[DataRequired(_l("Please write the page's text."))],
        render_kw={"rows": 18},
    )
    version = HiddenField()  # see editorial/conflicts.py


def get_page(page_id: int) -> Page:
    page = db.session.get(Page, page_id)
    if page is None:
        abort(404, _("There is no page at this address."))
    return page


def _logged(page: Page) -> dict:
    """What the audit log keeps of a page's state."""
    return {"title": page.title, "slug": page.slug, "version": page.version}


def _slug_taken(slug: str, page_id: int | None) -> bool:
    other = db.session.scalar(select(Page.id).where(Page.slug == slug))
    return other is not None and other != page_id


@bp.get("/seiten")
@editors_only
def pages():
    """All pages, the footer's first."""
    rows = sorted(
        db.session.scalars(select(Page).order_by(Page.title)), key=lambda p: not p.is_fixed
    )
    return render_template("editorial/pages.html", pages=rows, page_url=page_url)


@bp.route("/seiten/neu", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def new_page():
    """Add a page (“Über uns”)."""
    return _edit(None)


@bp.route("/seiten/<int:page_id>", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def edit_page(page_id: int):
    """Change a page's title, address or text."""
    return _edit(get_page(page_id))


def _edit(page: Page | None):
    form = PageForm(obj=page)
    if form.validate_on_submit():
        page_id = page.id if page else None
        slug = form.slug.data or make_slug(form.title.data) or "seite"
        if page is not None and page.is_fixed and slug != page.slug:
            form.slug.errors = [
                _("This page is linked from the footer of every page: its address stays.")
            ]
        elif _slug_taken(slug, page_id) or (slug in FIXED and page_id is None):
            form.slug.errors = [_("Another page has this address already.")]
        else:
            try:
                with writing():
                    if page is not None:
                        page = db.session.get(Page, page.id)
                        check_version(
                            page.version,
                            form.version.data,
                            [
                                (_("Title"), page.title, False),
                                (_("Address (slug)"), page.slug, False),
                                (_("Text"), page.body, True),
                            ],
                            page.updated_at,
                        )
                    before = _logged(page) if page is not None else None
                    if page is None:
                        page = Page()
                        db.session.add(page)
                    else:
                        keep_earlier(page)
                    page.title = form.title.data
                    page.slug = slug
                    page.body = form.body.data
                    page.version = (page.version or 0) + 1
                    keep(page, current_user, RevisionNote.SAVED)
                    prune(page)
                    db.session.flush()
                    record(
                        "page.create" if before is None else "page.save",
                        subject=page.title,
                        before=before,
                        after=_logged(page),
                    )
            except EditConflict as conflict:
                form.version.data = str(db.session.get(Page, page.id).version)
                return render_template(
                    "editorial/page_form.html",
                    form=form,
                    page=page,
                    page_url=page_url,
                    conflict=conflict.stored,
                    conflict_message=_(
                        "Someone else saved this page while you were editing. Your version "
                        "is in the form, the saved one above it: compare them, then save "
                        "again to keep yours."
                    ),
                ), 409
            flash(_("The page has been saved."), "success")
            return redirect(url_for("editorial.edit_page", page_id=page.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "editorial/page_form.html", form=form, page=page, page_url=page_url
    ), status


@bp.route("/seiten/<int:page_id>/loeschen", methods=["GET", "POST"])
@editors_only
def delete_page(page_id: int):
    """Delete a page after a confirmation; never one the footer links."""
    page = get_page(page_id)
    if request.method == "POST" and not page.is_fixed:
        with writing():
            record("page.delete", subject=page.title, before=_logged(page))
            db.session.delete(db.session.get(Page, page.id))
        flash(_("“%(title)s” has been deleted.", title=page.title), "success")
        return redirect(url_for("editorial.pages"), 303)
    return render_template("editorial/page_delete.html", page=page), (
        409 if request.method == "POST" else 200
    )
