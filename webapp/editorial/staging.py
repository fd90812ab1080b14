"""The photo a form will save: a new upload, or one chosen from the media library, or one
uploaded in an earlier round trip that saved nothing (a preview, a failed check, an
expired form, a conflict), so nobody has to choose it twice.

An upload is stored at once (checked and re-encoded by media.store_photo), which puts it
into the media library; from then on it travels in the form like a photo picked there,
as its id (`chosen_photo`, the picker's radio buttons), until the form is saved. An
unusable file gets its German message beside the field. For forms with `photo`,
`chosen_photo` and `remove_photo` fields (articles, authors). A photo uploaded but never
saved with anything stays in the library, unused, until someone deletes it there.
"""

from __future__ import annotations

from flask_wtf import FlaskForm

from ..database import writing
from ..extensions import db
from ..media import PhotoError, store_photo
from ..models import Photo


def uploaded(form: FlaskForm):
    """The file chosen in this request, if any."""
    data = form.photo.data
    return data if data and getattr(data, "filename", "") else None


def stage(form: FlaskForm, upload) -> None:
    """Store a chosen photo now and let the form carry it."""
    if upload is None:
        return
    try:
        with writing():
            photo = store_photo(upload.read())
        form.chosen_photo.data = str(photo.id)
    except PhotoError as error:
        form.photo.errors = [*form.photo.errors, str(error)]


def chosen_photo(form: FlaskForm) -> Photo | None:
    """The photo picked in the library or kept from a round trip, unless the editor chose
    to remove the photo."""
    if form.remove_photo.data or not (form.chosen_photo.data or "").isdigit():
        return None
    return db.session.get(Photo, int(form.chosen_photo.data))


def photo_to_save(form: FlaskForm, upload) -> Photo | None:
    """Inside the save's write: the photo uploaded now, else the one chosen, else None."""
    return store_photo(upload.read()) if upload is not None else chosen_photo(form)
