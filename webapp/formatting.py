"""How things read: German plurals, dates and excerpts, as Jinja filters."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import (
    format_date,
    format_number,
    format_time,
    get_locale,
    gettext,
    ngettext,
    pgettext,
)

from .models import AboutHeading
from .text import comment_html


def comment_count(n: int) -> str:
    """'0 Kommentare', '1 Kommentar', '10.000 Kommentare'."""
    return ngettext("%(count)s comment", "%(count)s comments", n, count=format_number(n))


def long_date(value: datetime) -> str:
    """'21. März 2014', in the site's time zone."""
    return format_date(value, "long")


def date_and_time(value: datetime) -> str:
    """'21. März 2014 um 14:05', in the site's time zone."""
    return gettext(
        "%(date)s at %(time)s", date=format_date(value, "long"), time=format_time(value, "short")
    )


def about_heading(choice: str) -> str:
    """The heading of the box about an article's author, as the author's record chooses."""
    if choice == AboutHeading.AUTHOR_FEMALE:
        return pgettext("a woman", "About the author")
    if choice == AboutHeading.EDITORIAL_TEAM:
        return gettext("About the editorial team")
    return gettext("About the author")


def wait_time(seconds: int) -> str:
    """How long to wait, as people say it: 'in 30 Sekunden', 'in etwa 52 Minuten'."""
    if seconds < 60:
        return ngettext("in %(num)d second", "in %(num)d seconds", max(seconds, 1))
    if seconds < 3600 - 30:
        return ngettext("in about %(num)d minute", "in about %(num)d minutes", round(seconds / 60))
    return ngettext("in about %(num)d hour", "in about %(num)d hours", round(seconds / 3600))


def time_of_day(value: datetime) -> str:
    """'15:42', in the site's time zone."""
    return format_time(value, "short")


def quote_lines(text: str) -> str:
    """A text quoted for a plain-text mail: every line after "> "."""
    return "\n".join(f"> {line}" for line in text.split("\n"))


def excerpt(text: str, limit: int = 200) -> str:
    """The text, or its start cut at a word boundary with '…' if longer than limit."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    # A single overlong word has no boundary to cut at; cut inside it.
    cut = cut[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,;:.-–—(„\"'") + "…"


def language() -> str:
    """The interface language as a BCP 47 tag, for <html lang>."""
    return str(get_locale()).replace("_", "-")


def register(app: Flask) -> None:
    """Make the helpers available as Jinja filters."""
    app.add_template_global(language)
    app.add_template_filter(format_number, "number")
    app.add_template_filter(comment_count)
    app.add_template_filter(long_date)
    app.add_template_filter(date_and_time)
    app.add_template_filter(time_of_day)
    app.add_template_filter(quote_lines)
    app.add_template_filter(excerpt)
    app.add_template_filter(about_heading)
    app.add_template_filter(comment_html, "comment_text")
