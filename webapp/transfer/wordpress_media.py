"""A WordPress site's images, from its `wp-content/uploads` folder copied here.

`import-wordpress --media-folder PATH` brings featured images (a post's `_thumbnail_id`,
the attachment's file) as the article's photo, and images in bodies as images of the text.
An image is found by its address's path below `/wp-content/uploads/`, the file WordPress
records for its attachment preferred (the original, not a resized copy such as
`name-300x200.jpg`: Zirkel makes its own widths). Nothing is downloaded, and nothing
outside the folder is read, whatever an address says. Every file goes through
`media.store_photo`: checked by its content, stripped of metadata, resized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _

from ..media import MAX_BYTES, PhotoError, decode_photo, store_photo
from ..models import Photo

UPLOADS = "/wp-content/uploads/"
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")  # name-300x200.jpg: a resized copy


@dataclass(frozen=True)
class WxrAttachment:
    id: str
    title: str
    url: str  # wp:attachment_url
    file: str  # _wp_attached_file: its path below uploads, "2014/03/name.jpg"
    alt: str  # _wp_attachment_image_alt


class NotBrought(Exception):
    """An image that could not be brought; the message says why, in German."""


@dataclass(frozen=True)
class Brought:
    """An image brought in: the photo (None in a dry run) and where it came from."""

    photo: Photo | None
    path: str  # below the folder, for the report


class Uploads:
    """The copied uploads folder; `bring` turns an image's address into a stored photo."""

    def __init__(self, folder: Path, *, dry_run: bool) -> None:
        self.folder = folder.resolve()
        self.dry_run = dry_run
        self._brought: dict[Path, Brought] = {}  # each file is read and stored once

    def bring(self, url: str, attachment: WxrAttachment | None = None) -> Brought:
        """The photo of an image address (and its attachment, if known), or NotBrought."""
        path = self._find(url, attachment)
        if path in self._brought:
            return self._brought[path]
        shown = path.relative_to(self.folder).as_posix()
        try:
            if path.stat().st_size > MAX_BYTES:  # not read into memory at all
                raise NotBrought(
                    _(
                        "%(path)s is not a usable photo: %(reason)s",
                        path=shown,
                        reason=_("The photo is too large (at most 15 MB)."),
                    )
                )
            data = path.read_bytes()
        except OSError as error:
            raise NotBrought(
                _("%(path)s cannot be read (%(error)s)", path=shown, error=error.strerror)
            ) from None
        try:
            photo = None if self.dry_run else store_photo(data)
            if self.dry_run:
                _check(data)
        except PhotoError as error:
            raise NotBrought(
                _("%(path)s is not a usable photo: %(reason)s", path=shown, reason=str(error))
            ) from None
        self._brought[path] = Brought(photo, shown)
        return self._brought[path]

    def _find(self, url: str, attachment: WxrAttachment | None) -> Path:
        candidates: list[str] = []
        if attachment is not None and attachment.file:
            candidates.append(attachment.file)
        relative = uploads_path(url)
        if relative is None and not candidates:
            raise NotBrought(_("%(url)s is not in the uploads folder", url=url))
        if relative is not None:
            candidates += [_SIZE_SUFFIX.sub("", relative), relative]
        for candidate in dict.fromkeys(candidates):
            if (path := self._inside(candidate)) is not None and path.is_file():
                return path
        raise NotBrought(_("file missing: %(path)s", path=candidates[-1]))

    def _inside(self, relative: str) -> Path | None:
        """The file below the folder, or None for a path that would lead out of it."""
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
            return None
        path = self.folder.joinpath(*parts).resolve()
        return path if path.is_relative_to(self.folder) else None


def uploads_path(url: str) -> str | None:
    """'2014/03/name.jpg' of '…/wp-content/uploads/2014/03/name.jpg'; None for other addresses."""
    path = unquote(urlsplit(url.strip()).path)
    if UPLOADS not in path:
        return None
    return path.split(UPLOADS, 1)[1] or None


def _check(data: bytes) -> None:
    """What store_photo checks, without storing (a dry run writes no files)."""
    if len(data) > MAX_BYTES:
        raise PhotoError(_("The photo is too large (at most 15 MB)."))
    decode_photo(data)
