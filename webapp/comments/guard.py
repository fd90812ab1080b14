"""The spam guard: local layers, no CAPTCHA, no third party. Each layer is a setting.

- A honeypot field that people never see (nor assistive technology): filled in → spam.
- The form's signed timestamp: sent faster than ZIRKEL_MIN_SUBMIT_SECONDS → held.
- More than ZIRKEL_MAX_LINKS links, or a word of ZIRKEL_MODERATION_WORDS → held;
  a word of ZIRKEL_BLOCKED_WORDS → spam.
- Flood control per network (ZIRKEL_RATELIMIT) and the same comment twice are checked in
  the database, inside the write transaction (service.add_comment), so they hold across
  workers and parallel requests.

Every held or spam comment records why, in German, for the moderation queue.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from ..models import CommentStatus

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RULE = re.compile(r"^\s*(\d+)\s+per\s+(second|minute|hour|day)\s*$", re.IGNORECASE)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass
class Verdict:
    """What the guard makes of a comment: published, held or spam, and why."""

    status: CommentStatus = CommentStatus.VISIBLE
    reasons: list[str] = field(default_factory=list)

    def hold(self, reason: str) -> None:
        if self.status == CommentStatus.VISIBLE:
            self.status = CommentStatus.PENDING
        self.reasons.append(reason)

    def spam(self, reason: str) -> None:
        self.status = CommentStatus.SPAM
        self.reasons.append(reason)


def judge(*, text: str, honeypot: str | None, issued_at: int | None) -> Verdict:
    """The layers that need no database: honeypot, speed, links, word lists."""
    config = current_app.config
    verdict = Verdict()
    if honeypot:
        verdict.spam(_("Honeypot filled in"))
    if issued_at is not None:
        seconds = int(time.time() - issued_at)
        if seconds < config["MIN_SUBMIT_SECONDS"]:
            verdict.hold(
                _(
                    "Sent %(seconds)s s after the form was served (minimum %(minimum)s s)",
                    seconds=seconds,
                    minimum=config["MIN_SUBMIT_SECONDS"],
                )
            )
    links = len(_LINK.findall(text))
    if links > config["MAX_LINKS"]:
        verdict.hold(_("%(count)s links (limit %(limit)s)", count=links, limit=config["MAX_LINKS"]))
    words = _words(text)
    for word in _word_list(config["BLOCKED_WORDS"]):
        if word in words:
            verdict.spam(_("Word from the block list: “%(word)s”", word=word))
    for word in _word_list(config["MODERATION_WORDS"]):
        if word in words:
            verdict.hold(_("Word from the moderation list: “%(word)s”", word=word))
    return verdict


def fingerprint(article_id: int, text: str) -> str:
    """A hash of the article and the text, normalised (case, spacing, compatibility forms).

    Two comments with the same fingerprint and the same name or e-mail address are the
    same comment (service.add_comment refuses the second).
    """
    normal = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(f"{article_id}\0{normal}".encode()).hexdigest()


def rate_limits(value: str) -> list[tuple[int, int]]:
    """ "3 per minute; 20 per hour" → [(3, 60), (20, 3600)]; "off" → []."""
    if not value or value.strip().lower() == "off":
        return []
    limits = []
    for part in value.split(";"):
        match = _RULE.match(part)
        if match is None:
            raise ValueError(f"ZIRKEL_RATELIMIT: cannot read {part!r}")
        limits.append((int(match[1]), _SECONDS[match[2].lower()]))
    return limits


def _word_list(value: str) -> list[str]:
    return [w.strip().casefold() for w in (value or "").split(",") if w.strip()]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))
