"""Text that editors and readers write: Markdown to safe HTML (the editors' and the
readers' smaller kind), and slugs from titles."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup
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


# --- what readers write ----------------------------------------------------------------------
#
# A comment is Markdown of a small kind: paragraphs and line breaks as typed, *emphasis*,
# **strong**, > quotes, lists, `code`, and its http(s) addresses as links. Nothing else:
# no headings, images, tables or Markdown links, no raw HTML (shown as typed), no HTML
# entities (an "&copy;" stays what was typed). The result passes an nh3 allowlist all the
# same, so a mistake here cannot put other markup on a page.

COMMENT_TAGS = {"p", "br", "em", "strong", "blockquote", "ul", "ol", "li", "code", "a"}
# Readers' links count for nothing with search engines and give the target no window.opener.
COMMENT_LINK_REL = "nofollow ugc noopener"

# A web address in a comment: http(s) only, a host of letters, digits, dots and hyphens
# (IDN too), a port, then up to white space, quotes or angle brackets. A host with other
# characters (an emoji) is no address a browser could open: it stays text.
_WEB_ADDRESS = re.compile(
    r"\bhttps?://[^\W_][\w.-]*(?::\d{1,5})?(?:[/?#][^\s<>\"'`]*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\")]}»«“”„‚‘’…*_"
# The scheme of an address, at the end of the text before its ":" (not "xhttp").
_SCHEME = re.compile(r"(?:^|(?<=[^\w]))(https?)$", re.IGNORECASE)


def _web_address(state: StateInline, silent: bool) -> bool:
    """Inline rule: an http(s) address becomes a link to exactly what was typed. Punctuation
    that ends a sentence is not part of it; a closing parenthesis is, when the address opened
    one (Wikipedia's "Bonn_(Begriffsklärung)"). Runs at its ":", as markdown-it's linkify."""
    pos = state.pos
    if not state.src.startswith("://", pos) or not (scheme := _SCHEME.search(state.pending)):
        return False
    start = pos - len(scheme.group(1))
    match = _WEB_ADDRESS.match(state.src, start)
    if match is None:
        return False
    address = _without_trailing_punctuation(match.group())
    if not address.partition("://")[2]:
        return False  # "https://" and nothing after it
    if not silent:
        state.pending = state.pending[: -len(scheme.group(1))]
        state.push("link_open", "a", 1).attrs = {"href": address}
        state.push("text", "", 0).content = address
        state.push("link_close", "a", -1)
    state.pos = start + len(address)
    return True


_LINK_WITHOUT_ADDRESS = re.compile(rf'<a rel="{COMMENT_LINK_REL}">(.*?)</a>')

_comment_markdown = MarkdownIt("zero", {"html": False}).enable(
    ["emphasis", "blockquote", "list", "backticks", "escape", "newline"]
)
_comment_markdown.inline.ruler.after("text", "web_address", _web_address)


def comment_html(text: str) -> Markup:
    """A reader's comment as shown (and previewed): the small Markdown above, cleaned."""
    html = _comment_markdown.render(text)
    cleaned = nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}},
        url_schemes={"http", "https"},
        link_rel=COMMENT_LINK_REL,
    )
    # An address the allowlist's URL parser refuses loses its href: then it is text again.
    cleaned = _LINK_WITHOUT_ADDRESS.sub(r"\1", cleaned)
    return Markup(cleaned.rstrip("\n"))


def _without_trailing_punctuation(address: str) -> str:
    while address and address[-1] in _TRAILING:
        if address[-1] == ")" and address.count("(") >= address.count(")"):
            break
        address = address[:-1]
    return address
