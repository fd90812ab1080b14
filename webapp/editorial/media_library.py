"""The media library: photos uploaded once, described once, used anywhere, deleted when unused.

A photo is *used* as an article's lead photo, as an author's photo, or inside an article's
Markdown body by its address (`/medien/<key>-<width>.jpg`). Where it is used is counted per
kind in one query for a whole page of photos, never one query per photo. Only a photo used
nowhere can be deleted: its row and its files under `instance/media/` go together.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import ColumnElement, exists, func, literal, select
from werkzeug.datastructures import FileStorage
from wtforms import Form, FormField, StringField
from wtforms.fields import FieldList
from wtforms.validators import DataRequired, Length

from ..comments.forms import normalize, strip
from ..database import writing
from ..extensions import db
from ..media import PhotoError, file_name, media_folder, photo_url, store_photo
from ..models import Article, ArticleRevision, Author, Photo, Role, utcnow
from .audit import record
from .auth import role_required
from .views import bp

editors_only = role_required(Role.EDITOR)

PER_PAGE = 30
RECENT = timedelta(hours=1)  # unused photos this new are not deleted in bulk
UPLOAD_SLOTS = 5  # files in one upload form, each with its own description
_text = [normalize, strip]
_at_most = _l("At most %(max)d characters.")


def _alt_text_field() -> StringField:
    return StringField(
        _l("Alternative text"),
        filters=_text,
        description=_l(
            "What the photo shows, for people who cannot see it. Used wherever the photo is "
            "placed, unless the article says otherwise."
        ),
        validators=[
            DataRequired(_l("Please describe the photo for people who cannot see it.")),
            Length(max=300, message=_at_most),
        ],
    )


def _title_field() -> StringField:
    return StringField(
        _l("Title"),
        filters=_text,
        description=_l("Optional; for finding it in the library."),
        validators=[Length(max=300, message=_at_most)],
    )


def _credit_field() -> StringField:
    return StringField(
        _l("Credit"),
        filters=_text,
        description=_l("Optional: who took the photo, e.g. “Jana Beispiel”."),
        validators=[Length(max=300, message=_at_most)],
    )


class PhotoDetailsForm(FlaskForm):
    """A photo's description in the library."""

    alt_text = _alt_text_field()
    title = _title_field()
    credit = _credit_field()


class UploadSlot(Form):
    """One file of an upload and its description (no CSRF of its own: the outer form's)."""

    file = FileField(_l("File"))
    alt_text = StringField(
        _l("Alternative text"),
        filters=_text,
        description=_l("What the photo shows, for people who cannot see it."),
        validators=[Length(max=300, message=_at_most)],
    )
    title = _title_field()
    credit = _credit_field()

    @property
    def upload(self) -> FileStorage | None:
        data = self.file.data
        return data if isinstance(data, FileStorage) and data.filename else None


class UploadForm(FlaskForm):
    photos = FieldList(FormField(UploadSlot), min_entries=UPLOAD_SLOTS, max_entries=UPLOAD_SLOTS)


# -- Where photos are used ----------------------------------------------------------------


def _in_body(photo: Photo | None = None) -> ColumnElement[bool]:
    """An article's Markdown body names the photo's address (any width, any host): this
    photo's, or (without one) the photo of the row the query is about."""
    # Keys are hex digits: nothing in them is a LIKE wildcard.
    if photo is not None:
        return Article.body.like(f"%/medien/{photo.key}-%")
    return Article.body.like(literal("%/medien/") + Photo.key + literal("-%"))


def _unused() -> ColumnElement[bool]:
    """The condition for a photo used nowhere (not lead photo, author photo or in a body)."""
    return (
        ~exists().where(Article.photo_id == Photo.id)
        & ~exists().where(Author.photo_id == Photo.id)
        & ~exists().where(_in_body())
    )


@dataclass
class Usage:
    """Where one photo is used: counts for lists, and the articles and authors for its page."""

    lead: int = 0
    authors: int = 0
    body: int = 0
    lead_articles: list[Article] = field(default_factory=list)
    author_list: list[Author] = field(default_factory=list)
    body_articles: list[Article] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.lead + self.authors + self.body


def usage_counts(photos: list[Photo]) -> dict[int, Usage]:
    """How often each photo is used, per kind: three queries, however many photos."""
    ids = [photo.id for photo in photos]
    usage = {photo_id: Usage() for photo_id in ids}
    if not ids:
        return usage
    lead = select(Article.photo_id, func.count()).where(Article.photo_id.in_(ids))
    for photo_id, count in db.session.execute(lead.group_by(Article.photo_id)):
        usage[photo_id].lead = count
    authors = select(Author.photo_id, func.count()).where(Author.photo_id.in_(ids))
    for photo_id, count in db.session.execute(authors.group_by(Author.photo_id)):
        usage[photo_id].authors = count
    body = (
        select(Photo.id, func.count(Article.id))
        .join(Article, _in_body())
        .where(Photo.id.in_(ids))
        .group_by(Photo.id)
    )
    for photo_id, count in db.session.execute(body):
        usage[photo_id].body = count
    return usage


def usage_of(photo: Photo) -> Usage:
    """Where one photo is used, with the articles and authors themselves."""
    by_title = (Article.title, Article.id)
    lead = db.session.scalars(
        select(Article).where(Article.photo_id == photo.id).order_by(*by_title)
    ).all()
    authors = db.session.scalars(
        select(Author).where(Author.photo_id == photo.id).order_by(Author.name)
    ).all()
    body = db.session.scalars(select(Article).where(_in_body(photo)).order_by(*by_title)).all()
    return Usage(len(lead), len(authors), len(body), list(lead), list(authors), list(body))


def alt_text_suggestion(photo: Photo) -> str:
    """For a photo without alternative text: what an article using it as lead photo says."""
    return (
        db.session.scalar(
            select(Article.photo_alt)
            .where(Article.photo_id == photo.id, Article.photo_alt != "")
            .order_by(Article.id.desc())
            .limit(1)
        )
        or ""
    )


# -- For other forms: the picker ----------------------------------------------------------


def library_photos(page: int = 1, per_page: int = 24) -> Pagination:
    """A page of the library, newest first: what templates/editorial/_photo_picker.html shows."""
    return db.paginate(
        select(Photo).order_by(Photo.created_at.desc(), Photo.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def chosen_photo(value: str | None) -> Photo | None:
    """The photo a picker's radio button named (its value, as sent), or None."""
    if not value or not value.isdigit():
        return None
    return db.session.get(Photo, int(value))


# -- Files ----------------------------------------------------------------------------------


def photo_files(photo: Photo) -> list[Path]:
    """The paths of a photo's stored widths."""
    folder = media_folder()
    return [folder / file_name(photo.key, int(width)) for width in photo.widths.split(",")]


def stored_size(photo: Photo) -> int:
    """Bytes on disk, all widths together (files gone missing count nothing)."""
    total = 0
    for path in photo_files(photo):
        with suppress(OSError):
            total += path.stat().st_size
    return total


def human_size(size: int) -> str:
    """A file size as German readers write it: "412 kB", "1,4 MB"."""
    if size < 1024 * 1024:
        return _("%(num)s kB", num=format_decimal(max(1, round(size / 1024))))
    return _("%(num)s MB", num=format_decimal(round(size / (1024 * 1024), 1)))


@bp.app_template_global()
def photo_name(photo: Photo) -> str:
    """How the library names a photo: its title, else the uploaded file's name."""
    return photo.title or photo.original_name or _("Photo %(num)d", num=photo.id)


def markdown_snippet(photo: Photo) -> str:
    """What puts the photo inside an article's text: `![alt text](address of the 960 width)`."""
    # Escaped as Markdown reads them back: brackets in the text cannot end the image early.
    alt = photo.alt_text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({photo_url(photo, 960)})"


def _delete(photos: list[Photo]) -> None:
    """Delete photos and their files; call inside writing(), after checking they are unused.

    The files go last, inside the write: no upload of the same image can store it anew
    between the row's deletion and the files'.
    """
    paths = [path for photo in photos for path in photo_files(photo)]
    for photo in photos:
        record("photo.delete", subject=photo_name(photo), before={"alt_text": photo.alt_text})
        db.session.delete(photo)
    db.session.flush()
    for path in paths:
        path.unlink(missing_ok=True)


# -- Views ----------------------------------------------------------------------------------


def get_photo(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        abort(404, _("There is no photo at this address."))
    return photo


@bp.get("/medien")
@editors_only
def media_library():
    """The library: every photo with its description, size and where it is used."""
    page = db.paginate(
        select(Photo).order_by(Photo.created_at.desc(), Photo.id.desc()),
        page=request.args.get("seite", 1, type=int),
        per_page=PER_PAGE,
    )
    return render_template(
        "editorial/media.html",
        page=page,
        usage=usage_counts(page.items),
        sizes={photo.id: human_size(stored_size(photo)) for photo in page.items},
    )


@bp.route("/medien/hochladen", methods=["GET", "POST"])
@editors_only
def media_upload():
    """Upload one or several photos, each with its description."""
    form = UploadForm()
    stored: list[Photo] = []
    already: list[Photo] = []
    if form.validate_on_submit():
        for slot in form.photos:
            upload = slot.form.upload
            if upload is None:
                if slot.form.alt_text.data:
                    slot.form.file.errors = [_("Please choose a file for this description.")]
                continue
            if not slot.form.alt_text.data:
                slot.form.alt_text.errors = [
                    _("Please describe the photo for people who cannot see it.")
                ]
                continue
            try:
                with writing():
                    # Inside the write lock: whatever gets a higher id is this upload.
                    last_id = db.session.scalar(select(func.max(Photo.id))) or 0
                    photo = store_photo(upload.read())
                    # The same image again is the photo stored before (store_photo): its
                    # description stays, unless it has none yet.
                    new = photo.id > last_id
                    if not photo.alt_text:
                        photo.alt_text = slot.form.alt_text.data
                        photo.title = slot.form.title.data or photo.title
                        photo.credit = slot.form.credit.data or photo.credit
                    if not photo.original_name:
                        photo.original_name = upload.filename[:255]
            except PhotoError as error:
                slot.form.file.errors = [str(error)]
            else:
                (stored if new else already).append(photo)
                # Stored: this slot is done, and must not be sent again.
                for name in ("alt_text", "title", "credit"):
                    slot.form[name].data = ""
        if not stored and not already and not _slot_errors(form):
            form.photos[0].form.file.errors = [_("Please choose at least one photo.")]
        if not _slot_errors(form):
            _flash_stored(stored, already)
            return redirect(url_for("editorial.media_library"), 303)
    status = 422 if request.method == "POST" else 200
    limit = current_app.config["MAX_UPLOAD_LENGTH"] // (1024 * 1024)
    return render_template(
        "editorial/media_upload.html",
        form=form,
        stored=stored,
        already=already,
        failed=bool(form.errors) or _slot_errors(form),
        limit=limit,
    ), status


def _slot_errors(form: UploadForm) -> bool:
    return any(slot.form[name].errors for slot in form.photos for name in slot.form._fields)


def _flash_stored(stored: list[Photo], already: list[Photo]) -> None:
    if stored:
        message = ngettext(
            "%(num)d photo has been added to the library.",
            "%(num)d photos have been added to the library.",
            len(stored),
        )
        flash(message, "success")
    if already:
        message = ngettext(
            "%(num)d photo was in the library already.",
            "%(num)d photos were in the library already.",
            len(already),
        )
        flash(message, "success")


@bp.route("/medien/<int:photo_id>", methods=["GET", "POST"])
@editors_only
def media_photo(photo_id: int):
    """One photo: its preview, its description, where it is used, its Markdown."""
    photo = get_photo(photo_id)
    form = PhotoDetailsForm(obj=photo)
    if form.validate_on_submit():
        with writing():
            before = {"alt_text": photo.alt_text}
            photo.alt_text = form.alt_text.data
            photo.title = form.title.data or ""
            photo.credit = form.credit.data or ""
            record(
                "photo.describe",
                subject=photo_name(photo),
                before=before,
                after={"alt_text": photo.alt_text},
            )
        flash(_("The photo's description has been saved."), "success")
        return redirect(url_for("editorial.media_photo", photo_id=photo.id), 303)
    suggestion = ""
    if request.method == "GET" and not photo.alt_text:
        suggestion = alt_text_suggestion(photo)
        form.alt_text.data = suggestion
    status = 422 if request.method == "POST" else 200
    return render_template(
        "editorial/media_photo.html",
        photo=photo,
        form=form,
        usage=usage_of(photo),
        suggestion=suggestion,
        size=human_size(stored_size(photo)),
        snippet=markdown_snippet(photo) if photo.alt_text else "",
    ), status


@bp.route("/medien/<int:photo_id>/loeschen", methods=["GET", "POST"])
@editors_only
def media_delete(photo_id: int):
    """Delete a photo used nowhere, after a confirmation; a used one says where it is used."""
    photo = get_photo(photo_id)
    usage = usage_of(photo)
    if request.method == "POST" and not usage.total:
        with writing():
            # Checked again inside the write: nobody placed it meanwhile.
            if db.session.scalar(select(_unused()).select_from(Photo).where(Photo.id == photo.id)):
                _delete([photo])
                deleted = True
            else:
                deleted = False
        if deleted:
            flash(_("The photo has been deleted."), "success")
            return redirect(url_for("editorial.media_library"), 303)
        usage = usage_of(photo)
    revisions = db.session.scalar(select(func.count()).where(ArticleRevision.photo_id == photo.id))
    return render_template(
        "editorial/media_delete.html", photo=photo, usage=usage, revisions=revisions
    ), 409 if request.method == "POST" else 200


@bp.route("/medien/ungenutzte-loeschen", methods=["GET", "POST"])
@editors_only
def media_delete_unused():
    """Delete every photo used nowhere, after a confirmation that says how many.

    Photos uploaded within the last hour are kept: an article form may have just stored one
    (a preview, a failed check) that its save is about to place.
    """
    recent = Photo.created_at >= utcnow() - RECENT
    if request.method == "POST":
        with writing():
            photos = list(db.session.scalars(select(Photo).where(_unused(), ~recent)))
            _delete(photos)
        message = ngettext(
            "%(num)d unused photo has been deleted.",
            "%(num)d unused photos have been deleted.",
            len(photos),
        )
        flash(message, "success")
        return redirect(url_for("editorial.media_library"), 303)
    count, kept = db.session.execute(
        select(func.count().filter(~recent), func.count().filter(recent)).where(_unused())
    ).one()
    return render_template("editorial/media_delete_unused.html", count=count, kept=kept)
