"""Messages in a live region: what a post, a refresh or a failed request did."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request


@dataclass(frozen=True)
class Status:
    """A message for the live region of the part of the page it is about.

    `kind`: "success", "held", "info", "error", or "invalid" (a form shows its errors
    beside its fields, so the region only tells screen readers). `focus`: the reader's
    focus moves to the message (a post that was held or refused). `title`: a short
    heading before the message (error pages' titles).
    """

    message: str
    kind: str = "success"
    focus: bool = False
    title: str = ""


# Where the messages of an in-place request go: static/js/zirkel.js names the live region
# of the part of the page the request came from (`data-meldungen`) in this header.
REGION_HEADER = "X-Meldungen"
FALLBACK_REGION = "meldungen"  # the page's own region, at the top of <main>
_REGION_ID = re.compile(r"[a-z][a-z0-9-]{0,40}")


def message_region() -> str:
    """The id of the live region this request's messages belong in."""
    region = request.headers.get(REGION_HEADER, "")
    return region if _REGION_ID.fullmatch(region) else FALLBACK_REGION
