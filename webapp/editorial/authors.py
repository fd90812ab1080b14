"""Authors: the names, pages and bios under the articles."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select, update
from wtforms.fields.choices import SelectChoice

from ..database import writing
from ..extensions import db
from ..media import PhotoError
from ..models import Article, Author, AuthorSlug, Role, utcnow
from ..text import make_slug
from .audit import record
from .auth import role_required
from .conflicts import EditConflict, check_version
from .forms import AuthorForm, MoveArticlesForm, keeps_what_was_typed
from .media_library import library_photos
from .staging import chosen_photo, photo_to_save, stage, uploaded
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
@keeps_what_was_typed
def new_author():
    """Add an author."""
    return _edit(None)


@bp.route("/autoren/<int:author_id>", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def edit_author(author_id: int):
    """Change an author's name, address or bio."""
    return _edit(get_author(author_id))


def _edit(author: Author | None):
    form = AuthorForm(obj=author)
    upload = uploaded(form)
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        slug = form.slug.data or make_slug(form.name.data)
        if slug_taken(slug, author.id if author else None):
            form.slug.errors = [_("Another author has (or had) this address already.")]
        else:
            try:
                with writing():
                    if author is not None:
                        check_version(
                            author.version,
                            form.version.data,
                            [
                                (_("Name"), author.name, False),
                                (_("Address (slug)"), author.slug, False),
                                (_("About"), author.bio, True),
                            ],
                            author.updated_at,
                        )
                    photo = photo_to_save(form, upload)
                    before = _logged(author) if author is not None else None
                    if author is None:
                        author = Author()
                        db.session.add(author)
                    elif slug != author.slug:
                        _keep_old_address(author, slug)
                    author.name = form.name.data
                    author.slug = slug
                    author.about_heading = form.about_heading.data
                    author.bio = form.bio.data or ""
                    if form.remove_photo.data:
                        author.photo = None
                    if photo is not None:
                        author.photo = photo
                    author.version = (author.version or 0) + 1
                    db.session.flush()
                    record(
                        "author.create" if before is None else "author.save",
                        subject=author.name,
                        before=before,
                        after=_logged(author),
                    )
            except EditConflict as conflict:
                stage(form, upload)
                form.version.data = str(db.session.get(Author, author.id).version)
                return _page(form, author, 409, conflict=conflict.stored)
            except PhotoError as error:
                form.photo.errors = [str(error)]
            else:
                flash(_("The author has been saved."), "success")
                return redirect(url_for("editorial.edit_author", author_id=author.id), 303)
    if request.method == "POST":
        stage(form, upload)
    return _page(form, author, status)


def _page(form: AuthorForm, author: Author | None, status: int, conflict=None):
    context = {}
    if conflict is not None:
        context = {
            "conflict": conflict,
            "conflict_message": _(
                "Someone else saved this author while you were editing. Your version is in "
                "the form, the saved one above it: compare them, then save again to keep yours."
            ),
        }
    return render_template(
        "editorial/author_form.html",
        form=form,
        author=author,
        chosen=chosen_photo(form),
        library=library_photos(1, 24),
        **context,
    ), status


def _logged(author: Author) -> dict:
    """What the audit log keeps of an author's state."""
    return {"name": author.name, "slug": author.slug, "version": author.version}


def slug_taken(slug: str, author_id: int | None) -> bool:
    """Whether another author has this slug, or had it (its old page still redirects)."""
    owners = {
        db.session.scalar(select(Author.id).where(Author.slug == slug)),
        db.session.scalar(select(AuthorSlug.author_id).where(AuthorSlug.slug == slug)),
    }
    return bool(owners - {None, author_id})


def _keep_old_address(author: Author, new_slug: str) -> None:
    """The old author page answers 301 to the new one; a slug taken back stops redirecting."""
    db.session.execute(delete(AuthorSlug).where(AuthorSlug.slug == new_slug))
    db.session.add(AuthorSlug(slug=author.slug, author_id=author.id))


@bp.route("/autoren/<int:author_id>/loeschen", methods=["GET", "POST"])
@editors_only
def delete_author(author_id: int):
    """Delete an author, after a confirmation; their articles, if any, go to another author
    in the same step."""
    author = get_author(author_id)
    articles = db.session.scalar(select(func.count()).where(Article.author_id == author.id))
    others = db.session.scalars(
        select(Author).where(Author.id != author.id).order_by(Author.name)
    ).all()
    form = MoveArticlesForm()
    form.target_id.choices = [SelectChoice(a.id, a.name) for a in others]
    if request.method == "POST" and (not articles or form.validate_on_submit()):
        name = author.name
        with writing():
            if articles:
                target = db.session.get(Author, form.target_id.data)
                db.session.execute(
                    update(Article)
                    .where(Article.author_id == author.id)
                    .values(author_id=target.id, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
            record(
                "author.delete",
                subject=name,
                before=_logged(author),
                after={"articles": articles, "author": target.name} if articles else None,
            )
            db.session.delete(db.session.get(Author, author.id))
        if articles:
            message = ngettext(
                "“%(name)s” has been deleted; %(num)d article now has the author “%(target)s”.",
                "“%(name)s” has been deleted; %(num)d articles now have the author “%(target)s”.",
                articles,
                name=name,
                target=target.name,
            )
        else:
            message = _("“%(name)s” has been deleted.", name=name)
        flash(message, "success")
        return redirect(url_for("editorial.authors"), 303)
    return render_template(
        "editorial/author_delete.html", author=author, articles=articles, form=form
    ), 422 if request.method == "POST" else 200
