"""Avatars made here: an identicon from a keyed hash of the commenter's e-mail address.

Gravatar would tell a third party who reads which article, and its URL is an unkeyed hash
of the address (a list of addresses finds its owner). Here the picture's name is an HMAC
of the address under a key derived from SECRET_KEY: the same address gets the same picture
on every comment, and nobody without the key can tell whose it is or test a guess.

The picture is a 5 × 5 grid mirrored left to right, its cells and colour taken from a hash
of the name. Any well-formed name draws a picture without a database lookup, so the address
`/avatare/<name>.svg` says nothing about who has commented; being made of the name alone,
it never changes and is cached for a year. It is decorative (`alt=""`): the name beside it
says who wrote.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import Response, abort, current_app

from ..assets import cache_forever

NAME = re.compile(r"[0-9a-f]{12}")  # 48 bits: pictures enough for any site, short markup
GRID = 5
_HALF = (GRID + 1) // 2  # the columns drawn; the others mirror them


def avatar_name(email: str, fallback: str = "") -> str:
    """The picture's name for an address (or, for old comments without one, a name)."""
    key = hashlib.blake2b(
        current_app.config["SECRET_KEY"].encode(), person=b"zirkel-avatar", digest_size=32
    ).digest()
    who = (email.strip().lower() or fallback.strip()).encode()
    return hmac.new(key, who, hashlib.sha256).hexdigest()[:12]


def identicon(name: str) -> str:
    """The SVG drawn from a picture's name: only numbers and fixed text go into it."""
    bits = int.from_bytes(hashlib.sha256(name.encode()).digest(), "big")
    hue = bits % 360
    bits >>= 9
    cells = []
    for row in range(GRID):
        for column in range(_HALF):
            if bits & 1:
                cells.append((column, row))
                if column != GRID - 1 - column:
                    cells.append((GRID - 1 - column, row))
            bits >>= 1
    if not cells:  # one name in 32,768: draw the middle
        cells.append((GRID // 2, GRID // 2))
    path = "".join(f"M{x} {y}h1v1h-1z" for x, y in sorted(cells))
    # Dark enough on its pale ground to be seen (3:1 or more for any hue).
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" '
        'height="48" shape-rendering="crispEdges">'
        f'<rect x="-0.5" y="-0.5" width="6" height="6" fill="hsl({hue} 40% 94%)"/>'
        f'<path fill="hsl({hue} 55% 36%)" d="{path}"/></svg>'
    )


def avatar_response(name: str) -> Response:
    if not NAME.fullmatch(name):
        abort(404)
    response = Response(identicon(name), mimetype="image/svg+xml")
    # An SVG opened on its own is a document: it may not run or fetch anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return cache_forever(response)
