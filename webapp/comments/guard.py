"""The spam guard: local layers, no CAPTCHA, no third party. Each layer is a setting.

- A honeypot field that people never see (nor assistive technology): filled in → spam.
- The form's signed timestamp: sent faster than ZIRKEL_MIN_SUBMIT_SECONDS → held.
- More than ZIRKEL_MAX_LINKS links, or a word of ZIRKEL_MODERATION_WORDS → held;
  a word of ZIRKEL_BLOCKED_WORDS → spam.
- The learning filter (spamfilter.py): at least ZIRKEL_SPAM_FILTER likely spam → held,
  for a person to decide (and so to teach the filter); a comment it has no evidence
  about (no verdict) is not held.
- Flood control per network (ZIRKEL_RATELIMIT) and the same comment twice are checked in
  the database, inside the write transaction (service.add_comment), so they hold across
  workers and parallel requests.

Every held or spam comment records why, in German, for the moderation queue; the
verdict also names the layers that fired (for `flask spam-report`).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from ..models import CommentStatus
from .spamfilter import SpamFilter, site_filter

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RULE = re.compile(r"^\s*(\d+)\s+per\s+(second|minute|hour|day)\s*$", re.IGNORECASE)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass
class Verdict:
    """What the guard makes of a comment: published, held or spam, and why."""

    status: CommentStatus = CommentStatus.VISIBLE
    reasons: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)  # which layers fired, by name
    spam_probability: float | None = None  # the learning filter's, when it ran and knew

    def hold(self, layer: str, reason: str) -> None:
        if self.status == CommentStatus.VISIBLE:
            self.status = CommentStatus.PENDING
        self.layers.append(layer)
        self.reasons.append(reason)

    def spam(self, layer: str, reason: str) -> None:
        self.status = CommentStatus.SPAM
        self.layers.append(layer)
        self.reasons.append(reason)


def judge(
    *,
    text: str,
    honeypot: str | None,
    issued_at: int | None,
    name: str = "",
    email: str = "",
    spam_filter: SpamFilter | None = None,
) -> Verdict:
    """Every layer but flood control and duplicates (those are checked as it is stored).

    The learning filter costs one query (the counts of this comment's tokens); none when
    ZIRKEL_SPAM_FILTER is 0, or for a `spam_filter` that does not read the database.
    """
    config = current_app.config
    verdict = Verdict()
    if honeypot:
        verdict.spam("honeypot", _("Honeypot filled in"))
    if issued_at is not None:
        seconds = int(time.time() - issued_at)
        if seconds < config["MIN_SUBMIT_SECONDS"]:
            verdict.hold(
                "speed",
                _(
                    "Sent %(seconds)s s after the form was served (minimum %(minimum)s s)",
                    seconds=seconds,
                    minimum=config["MIN_SUBMIT_SECONDS"],
                ),
            )
    links = len(_LINK.findall(text))
    if links > config["MAX_LINKS"]:
        verdict.hold(
            "links",
            _("%(count)s links (limit %(limit)s)", count=links, limit=config["MAX_LINKS"]),
        )
    words = _words(text)
    for word in _word_list(config["BLOCKED_WORDS"]):
        if word in words:
            verdict.spam("blocked word", _("Word from the block list: “%(word)s”", word=word))
    for word in _word_list(config["MODERATION_WORDS"]):
        if word in words:
            verdict.hold(
                "moderation word", _("Word from the moderation list: “%(word)s”", word=word)
            )
    threshold = float(config["SPAM_FILTER"] or 0)
    if threshold > 0:
        spam_filter = spam_filter or site_filter()
        verdict.spam_probability = spam_filter.probability(name, email, text)
        if verdict.spam_probability is not None and verdict.spam_probability >= threshold:
            verdict.hold(
                "spam filter",
                _(
                    "Spam filter: %(percent)s %% likely spam",
                    percent=math.floor(verdict.spam_probability * 100),
                ),
            )
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
