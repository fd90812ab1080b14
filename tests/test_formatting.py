"""How things read in German: plurals, dates, excerpts, paragraphs."""

from __future__ import annotations

from datetime import datetime

import pytest

from webapp.formatting import comment_count, date_and_time, excerpt, long_date, wait_time
from webapp.text import comment_html


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(
    ("n", "label"),
    [(0, "0 Kommentare"), (1, "1 Kommentar"), (2, "2 Kommentare"), (10_000, "10.000 Kommentare")],
)
def test_comment_count_in_german(request_context, n, label):
    assert comment_count(n) == label


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2014, 3, 21, 13, 5), "21. März 2014 um 14:05"),  # CET, UTC+1
        (datetime(2014, 7, 1, 22, 30), "2. Juli 2014 um 00:30"),  # CEST, UTC+2, next day
    ],
)
def test_dates_are_german_in_berlin_time(request_context, utc, shown):
    assert date_and_time(utc) == shown
    assert long_date(utc) == shown.split(" um ")[0]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Kurz und gut.", 50, "Kurz und gut."),
        ("Ein Satz, der zu lang ist", 12, "Ein Satz…"),
        ("Worte   mit\nUmbruch und mehr", 16, "Worte mit…"),
        ("Donaudampfschifffahrt", 10, "Donaudampf…"),
        ("Genau zehn", 10, "Genau zehn"),
        ("Fragt: „Wie kann man", 19, "Fragt: „Wie kann…"),
    ],
)
def test_excerpt_cuts_at_a_word_boundary(text, limit, expected):
    assert excerpt(text, limit) == expected


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "in 1 Sekunde"),
        (30, "in 30 Sekunden"),
        (59, "in 59 Sekunden"),
        (60, "in etwa 1 Minute"),
        (3116, "in etwa 52 Minuten"),
        (3599, "in etwa 1 Stunde"),
        (7000, "in etwa 2 Stunden"),
        (86400, "in etwa 24 Stunden"),
    ],
)
def test_waiting_times_in_human_units(request_context, seconds, said):
    """Never "in 3116 Sekunden"."""
    assert wait_time(seconds) == said


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Eins\nZwei", "<p>Eins\nZwei</p>"),
        ("Eins\n\n\n\n\nZwei", "<p>Eins</p>\n<p>Zwei</p>"),
        ("*kursiv* und **fett**", "<p><em>kursiv</em> und <strong>fett</strong></p>"),
        (
            "> zitiert\n\n- eins\n- zwei",
            (
                "<blockquote>\n<p>zitiert</p>\n</blockquote>\n<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>"
            ),
        ),
        ("`code` und \\*Sternchen\\*", "<p><code>code</code> und *Sternchen*</p>"),
        # What the small Markdown leaves alone: shown as typed.
        ("# Kein Titel", "<p># Kein Titel</p>"),
        (
            "![Bild](https://x.example/b.png)",
            (
                '<p>![Bild](<a href="https://x.example/b.png" rel="nofollow ugc noopener">'
                "https://x.example/b.png</a>)</p>"
            ),
        ),
        ("<b>fett?</b> &copy;", "<p>&lt;b&gt;fett?&lt;/b&gt; &amp;copy;</p>"),
    ],
)
def test_comments_are_a_small_markdown(typed, shown):
    assert str(comment_html(typed)) == shown
