"""Photos: checked by content, re-encoded without metadata, stored and served in widths."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from factories import photo_bytes
from webapp.media import PhotoError, photo_srcset, store_photo


def with_exif_gps(data: bytes) -> bytes:
    """The photo with an EXIF block holding a GPS position and a camera name."""
    image = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    exif[0x010F] = "Kamera GmbH"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_photo_is_stored_in_widths_without_its_metadata(app):
    original = with_exif_gps(photo_bytes(2000, 1000))
    assert b"Kamera GmbH" in original

    photo = store_photo(original)

    assert (photo.width, photo.height, photo.widths) == (2000, 1000, "480,960,1600")
    for width in (480, 960, 1600):
        data = (Path(app.instance_path) / "media" / f"{photo.key}-{width}.jpg").read_bytes()
        assert b"Kamera GmbH" not in data
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert image.size == (width, width // 2)
        assert not image.getexif()


def test_a_small_photo_is_not_enlarged(app):
    photo = store_photo(photo_bytes(600, 400))
    assert photo.widths == "480,600"


def test_png_with_transparency_becomes_a_jpeg_on_white(app):
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    photo = store_photo(buffer.getvalue())
    with Image.open(Path(app.instance_path) / "media" / f"{photo.key}-400.jpg") as stored:
        assert stored.getpixel((10, 10)) == (255, 255, 255)


def test_the_same_photo_twice_is_stored_once(app):
    assert store_photo(photo_bytes()).id == store_photo(photo_bytes()).id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (photo_bytes(400, 300, "GIF"), "JPEG, PNG oder WebP"),
        (b"Das ist kein Bild, auch wenn es photo.jpg heisst.", "kein Foto"),
        (photo_bytes(1200, 675)[:500], "kein Foto"),
        (photo_bytes(150, 150), "zu klein"),
    ],
    ids=["gif", "text named jpg", "truncated jpeg", "tiny"],
)
def test_what_is_not_a_usable_photo_is_refused_in_german(app, data, message):
    with pytest.raises(PhotoError) as refused:
        store_photo(data)
    assert message in str(refused.value)


def test_a_decompression_bomb_is_refused(app):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(buffer, "PNG")  # tiny file, 50 megapixels
    with pytest.raises(PhotoError) as refused:
        store_photo(buffer.getvalue())
    assert "zu viele Pixel" in str(refused.value)


def test_stored_photos_are_served_for_a_year(app, client):
    photo = store_photo(photo_bytes())
    with app.test_request_context():
        url = photo_srcset(photo).split(", ")[0].split(" ")[0]
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/medien/..%2Finstance.jpg").status_code == 404
    assert client.get("/medien/nichts.png").status_code == 404
