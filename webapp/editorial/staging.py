"""A photo chosen in a round trip that saves nothing (a preview, a failed check, an
expired form, a conflict) is kept, so nobody has to choose it twice.

It is stored at once (checked and re-encoded by media.store_photo) and travels in the
form as its id (`staged_photo`) until the form is saved; an unusable file gets its
German message beside the field. For forms with `photo`, `staged_photo` and
`remove_photo` fields (articles, authors). A staged photo never saved with anything
stays in the media library, unused, until someone deletes it there.
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
        form.staged_photo.data = str(photo.id)
    except PhotoError as error:
        form.photo.errors = [*form.photo.errors, str(error)]


def staged(form: FlaskForm) -> Photo | None:
    """The photo an earlier round trip kept, unless the editor chose to remove it."""
    if form.remove_photo.data or not (form.staged_photo.data or "").isdigit():
        return None
    return db.session.get(Photo, int(form.staged_photo.data))


def photo_to_save(form: FlaskForm, upload) -> Photo | None:
    """Inside the save's write: the photo chosen now, else the one carried, else None."""
    return store_photo(upload.read()) if upload is not None else staged(form)
