"""Photos: checked by their content, stripped of metadata, stored in several widths.

An upload is decoded with Pillow (whatever its name or declared type says), turned
upright by its EXIF orientation, and re-encoded as JPEG in each width of WIDTHS that is
not wider than the original. Nothing of the original file is kept: no EXIF, no GPS, no
embedded thumbnails, no colour profile tricks. Files are named by the hash of the
original's content, served from `instance/media/` under `/medien/` with year-long caching.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory, url_for
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from .assets import cache_forever
from .extensions import db
from .models import Photo

WIDTHS = (480, 960, 1600)
FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs)
MAX_BYTES = 15 * 1024 * 1024
MIN_SIDE = 200

bp = Blueprint("media", __name__)


class PhotoError(ValueError):
    """An upload that is not a usable photo; the message is for the editor, in German."""


def media_folder() -> Path:
    return Path(current_app.instance_path) / "media"


def file_name(key: str, width: int) -> str:
    return f"{key}-{width}.jpg"


def store_photo(data: bytes) -> Photo:
    """Check, re-encode and store an uploaded photo; the same image twice is stored once.

    Call it where the request may write (inside `writing()`); the files are written at once.
    """
    if len(data) > MAX_BYTES:
        raise PhotoError(_l("The photo is too large (at most 15 MB)."))
    key = hashlib.blake2b(data, digest_size=16).hexdigest()
    existing = db.session.query(Photo).filter_by(key=key).one_or_none()
    if existing is not None:
        return existing
    image = decode_photo(data)
    width, height = image.size
    folder = media_folder()
    folder.mkdir(parents=True, exist_ok=True)
    widths = sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])})
    for target in widths:
        copy = image.copy()
        if target < width:
            copy = copy.resize((target, round(height * target / width)), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        # A fresh encode: no EXIF, ICC or XMP of the upload is written.
        copy.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
        (folder / file_name(key, target)).write_bytes(buffer.getvalue())
    photo = Photo(key=key, width=width, height=height, widths=",".join(map(str, widths)))
    db.session.add(photo)
    db.session.flush()  # the caller may link it by id right away
    return photo


def decode_photo(data: bytes) -> Image.Image:
    """The upload as an upright RGB image, or PhotoError."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise PhotoError(_l("Please upload a JPEG, PNG or WebP photo."))
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(_l("The photo has too many pixels (at most 40 megapixels)."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError(_l("This file is not a photo we can read.")) from None
    if min(upright.size) < MIN_SIDE:
        raise PhotoError(_l("The photo is too small (at least 200 pixels on each side)."))
    if upright.mode != "RGB":
        # Transparent areas become white, as on the page.
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    return upright


def photo_url(photo: Photo, width: int | None = None) -> str:
    """The URL of a stored width (the largest not above `width`, else the smallest)."""
    widths = [int(w) for w in photo.widths.split(",")]
    chosen = max((w for w in widths if width is None or w <= width), default=widths[0])
    return url_for("media.file", name=file_name(photo.key, chosen))


def photo_srcset(photo: Photo) -> str:
    """Every stored width, for <img srcset>."""
    return ", ".join(
        f"{url_for('media.file', name=file_name(photo.key, int(w)))} {w}w"
        for w in photo.widths.split(",")
    )


@bp.get("/medien/<name>")
def file(name: str):
    """A stored photo file; names carry the content hash, so they never change."""
    if not name.endswith(".jpg") or "/" in name:
        abort(404)
    return cache_forever(send_from_directory(media_folder(), name, mimetype="image/jpeg"))


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(photo_url)
    app.add_template_global(photo_srcset)
