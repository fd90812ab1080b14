"""Authors: the names, pages and bios under the articles."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..database import writing
from ..extensions import db
from ..media import PhotoError, store_photo
from ..models import Article, Author, Role
from ..text import make_slug
from .auth import role_required
from .forms import AuthorForm
from .views import bp

editors_only = role_required(Role.EDITOR)


def get_author(author_id: int) -> Author:
    author = db.session.get(Author, author_id)
    if author is None:
        abort(404, _("There is no author at this address."))
    return author


@bp.get("/autoren")
@editors_only
def authors():
    """All authors with the number of their articles."""
    rows = db.session.execute(
        select(Author, func.count(Article.id))
        .outerjoin(Article, Article.author_id == Author.id)
        .group_by(Author.id)
        .order_by(Author.name)
    ).all()
    return render_template("editorial/authors.html", rows=rows)


@bp.route("/autoren/neu", methods=["GET", "POST"])
@editors_only
def new_author():
    """Add an author."""
    return _edit(None)


@bp.route("/autoren/<int:author_id>", methods=["GET", "POST"])
@editors_only
def edit_author(author_id: int):
    """Change an author's name, address or bio."""
    return _edit(get_author(author_id))


def _edit(author: Author | None):
    form = AuthorForm(obj=author)
    if form.validate_on_submit():
        slug = form.slug.data or make_slug(form.name.data)
        clash = db.session.scalar(select(Author.id).where(Author.slug == slug))
        if clash is not None and (author is None or clash != author.id):
            form.slug.errors = [_("Another author has this address already.")]
        else:
            upload = form.photo.data if getattr(form.photo.data, "filename", "") else None
            try:
                with writing():
                    photo = store_photo(upload.read()) if upload is not None else None
                    if author is None:
                        author = Author()
                        db.session.add(author)
                    author.name = form.name.data
                    author.slug = slug
                    author.about_heading = form.about_heading.data
                    author.bio = form.bio.data or ""
                    if form.remove_photo.data:
                        author.photo = None
                    if photo is not None:
                        author.photo = photo
            except PhotoError as error:
                form.photo.errors = [str(error)]
            else:
                flash(_("The author has been saved."), "success")
                return redirect(url_for("editorial.edit_author", author_id=author.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("editorial/author_form.html", form=form, author=author), status


@bp.route("/autoren/<int:author_id>/loeschen", methods=["GET", "POST"])
@editors_only
def delete_author(author_id: int):
    """Delete an author who has no articles, after a confirmation."""
    author = get_author(author_id)
    articles = db.session.scalar(select(func.count()).where(Article.author_id == author.id))
    if request.method == "POST" and not articles:
        with writing():
            db.session.delete(author)
        flash(_("“%(name)s” has been deleted.", name=author.name), "success")
        return redirect(url_for("editorial.authors"), 303)
    return render_template("editorial/author_delete.html", author=author, articles=articles)
