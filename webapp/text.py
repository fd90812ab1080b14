"""Text that editors write: Markdown to safe HTML, and slugs from titles. Comments'
web addresses as links."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from slugify import slugify

# CommonMark with tables and strikethrough; raw HTML passes Markdown and is then
# cleaned by the same allowlist as everything else (WordPress imports bring HTML).
_markdown = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "s", "del",
    "blockquote", "q", "cite", "ul", "ol", "li", "a", "code", "pre", "sup", "sub",
    "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
    "td": {"colspan", "rowspan"},
}
# Links from articles may go to the web and to mail, nowhere else (no javascript:, no data:).
URL_SCHEMES = {"http", "https", "mailto"}

# German letters that slugify would otherwise reduce to their base letter.
_GERMAN = [
    ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"),
]  # fmt: skip


def sanitize_html(html: str) -> str:
    """HTML reduced to an allowlist of tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(source: str) -> str:
    """Markdown (HTML allowed inside) as sanitized HTML, ready to be stored and shown."""
    return sanitize_html(_markdown.render(source))


def make_slug(text: str, max_length: int = 80) -> str:
    """A URL slug with German transliteration: "Jubiläum 2014" -> "jubilaeum-2014"."""
    return slugify(text, replacements=_GERMAN, max_length=max_length, word_boundary=True)


# A web address in a comment: http(s) only, up to white space, quotes or angle brackets.
_WEB_ADDRESS = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}»«“”„‚‘’…"
# Readers' links count for nothing with search engines and give the target no window.opener.
COMMENT_LINK = Markup('<a href="{href}" rel="nofollow ugc noopener">{text}</a>')


# A line break, then blank lines (spaces allowed), then the next line.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")


def collapse_blank_lines(text: str) -> str:
    """Runs of blank lines as one: a paragraph break is a paragraph break, however typed."""
    return _BLANK_LINES.sub("\n\n", text)


def comment_text(text: str) -> Markup:
    """A reader's comment as shown: as typed, with runs of blank lines as one paragraph
    break and http(s) addresses as links; nothing else becomes markup."""
    return link_web_addresses(collapse_blank_lines(text))


def link_web_addresses(text: str) -> Markup:
    """A reader's plain text, escaped, with its http(s) addresses as links.

    Nothing else becomes markup: what a reader types is text, and a link's address is
    exactly what was typed (escaped in the attribute as in the text). Punctuation that
    ends a sentence is not part of the address; a closing parenthesis is, when the
    address opened one (Wikipedia's "Bonn_(Begriffsklärung)").
    """
    parts: list[Markup] = []
    end = 0
    for match in _WEB_ADDRESS.finditer(text):
        address = _without_trailing_punctuation(match.group())
        if not address.partition("://")[2]:
            continue  # "https://" and nothing after it
        parts += [escape(text[end : match.start()]), _link(address)]
        end = match.start() + len(address)
    parts.append(escape(text[end:]))
    return Markup("").join(parts)


def _without_trailing_punctuation(address: str) -> str:
    while address and address[-1] in _TRAILING:
        if address[-1] == ")" and address.count("(") >= address.count(")"):
            break
        address = address[:-1]
    return address


def _link(address: str) -> Markup:
    return COMMENT_LINK.format(href=address, text=address)
