"""Two people saving the same thing: the later save is never written over the earlier
one silently.

Each editable record (article, author, topic; the site settings) has a version that
every editorial save raises. Its form carries the version it was opened at; the save
checks it inside its write (`check_version`, in `writing()`: nobody can save between
the check and the write). On a mismatch nothing is written and the form is shown again
(409) with what the other person saved above it and what this one typed kept in it,
now naming the stored version: saving again replaces the other version knowingly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class StoredVersion:
    """What the other save left, shown beside the form: (label, value, is long text)."""

    fields: list[tuple[str, str, bool]]
    updated_at: datetime | None


class EditConflict(Exception):
    """Saved by someone else since the form was opened."""

    def __init__(self, stored: StoredVersion) -> None:
        super().__init__("saved by someone else")
        self.stored = stored


def check_version(
    current: int | None,
    opened_at: str | None,
    fields: list[tuple[str, str, bool]],
    updated_at: datetime | None = None,
) -> None:
    """Raise EditConflict when the stored version is not the one the form was opened at."""
    if str(current) != (opened_at or ""):
        raise EditConflict(StoredVersion(fields, updated_at))
