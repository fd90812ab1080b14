"""Settings editors change in the browser, kept in the database (unlike ZIRKEL_* ones)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from .extensions import db
from .models import SiteSetting


class Moderation(StrEnum):
    OFF = "off"  # comments appear at once
    FIRST = "first"  # the first comment of an unknown e-mail address is held
    ALL = "all"  # every comment is held


DEFAULTS: dict[str, Any] = {
    "moderation": Moderation.OFF.value,
    # Close comments on articles older than this many days; 0: never.
    "close_comments_after_days": 0,
    # E-mail moderators about new and held comments (needs ZIRKEL_SMTP_HOST).
    "notify_moderators": False,
    # Admins must log in with a second factor (editorial/second_factor.py).
    "require_second_factor_for_admins": False,
    # Versions kept per article or page (webapp/revisions.py), the newest; 0: all.
    "revisions_kept": 0,
    # Raised by every save of the settings page (editorial/conflicts.py).
    "version": 0,
}


def get_setting(key: str) -> Any:
    """A site setting's value, or its default."""
    row = db.session.get(SiteSetting, key)
    return DEFAULTS[key] if row is None else json.loads(row.value)


def all_settings() -> dict[str, Any]:
    """Every site setting, stored values over defaults, in one query."""
    stored = {row.key: json.loads(row.value) for row in db.session.query(SiteSetting)}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def set_setting(key: str, value: Any) -> None:
    """Store a site setting; call inside `writing()` in a request."""
    if key not in DEFAULTS:
        raise KeyError(key)
    db.session.merge(SiteSetting(key=key, value=json.dumps(value)))
