"""Pages: Impressum, Datenschutz and whatever else editors add ("Über uns").

Written in Markdown like articles and stored as sanitized HTML beside it. The two pages
the footer links on every page (FIXED) have addresses of their own, `/impressum` and
`/datenschutz`; they cannot be deleted, and their slugs stay. Every other page lives at
`/seite/<slug>` (a bare `/<slug>` would collide with the site's other addresses).

Every editorial save keeps a revision (PageRevision), as articles do.

A page's text may say `{tage}`: the page shows ZIRKEL_KEEP_NETWORK_DAYS there, so the
Datenschutz text always names the setting in force.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym, validates

from .caching import shared_view
from .extensions import db
from .models import Revision, utcnow
from .text import render_markdown

# Slug -> endpoint of the pages the footer links: fixed addresses, never deleted.
FIXED = {"impressum": "pages.imprint", "datenschutz": "pages.privacy"}
DAYS_TOKEN = "{tage}"

bp = Blueprint("pages", __name__)


class Page(db.Model):
    """A page of the site outside the articles (Impressum, Datenschutz, Über uns …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    # Markdown as written, and the sanitized HTML the page shows (see webapp/text.py).
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Raised by every editorial save; a form opened at an older one is not saved over it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"

    @property
    def is_fixed(self) -> bool:
        """Linked from every page's footer: cannot be deleted, keeps its address."""
        return self.slug in FIXED

    @validates("body")
    def _render_body(self, _key: str, source: str) -> str:
        # The stored HTML always follows the Markdown, whoever sets it.
        self.body_html = render_markdown(source)
        return source


class PageRevision(Revision, db.Model):
    """A page as one editorial save left it: title, address, text (webapp/revisions.py).

    Deleting the page deletes its revisions (ON DELETE CASCADE).
    """

    __tablename__ = "page_revision"
    __table_args__ = (Index("ix_page_revision_page_version", "page_id", "version"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    owner_id = synonym("page_id")

    page: Mapped[Page] = relationship()


def page_url(page: Page) -> str:
    """Where readers find a page."""
    if page.slug in FIXED:
        return url_for(FIXED[page.slug])
    return url_for("pages.show", slug=page.slug)


def shown_html(page: Page) -> Markup:
    """The page's stored HTML with `{tage}` replaced by the retention setting in force."""
    days = current_app.config["KEEP_NETWORK_DAYS"]
    # 0 keeps the networks forever (settings.py): say so rather than "0".
    figure = str(int(days)) if days else _("an unlimited number of")
    # The HTML was sanitized when stored; the figure is a number or our own words.
    return Markup(page.body_html.replace(DAYS_TOKEN, str(Markup.escape(figure))))


def _render(slug: str):
    page = db.session.scalar(select(Page).where(Page.slug == slug))
    if page is None:
        abort(404, _("There is no page at this address."))
    return render_template("pages/page.html", page=page, body=shown_html(page))


@bp.get("/impressum")
@shared_view
def imprint():
    """The Impressum, linked from every page's footer."""
    return _render("impressum")


@bp.get("/datenschutz")
@shared_view
def privacy():
    """The privacy policy, linked from every page's footer and the comment form."""
    return _render("datenschutz")


@bp.get("/seite/<slug>")
@shared_view
def show(slug: str):
    """Any other page; the footer's pages answer 301 to their own address."""
    if slug in FIXED:
        return redirect(url_for(FIXED[slug]), 301)
    return _render(slug)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
