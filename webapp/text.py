"""Text that editors write: Markdown to safe HTML, and slugs from titles."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
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
