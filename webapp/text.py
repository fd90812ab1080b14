"""Text that editors and readers write: Markdown to safe HTML (the editors' and the
readers' smaller kind), and slugs from titles.

An article's Markdown (`render_markdown`) is CommonMark with tables and strikethrough, its
headings one level down (the title is the page's h1), images only of the site's own photos
(with alternative text), raw HTML allowed and everything cleaned by an nh3 allowlist.
`dropped_markup` tells the editor, before saving, what of their text the page will not
show as written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup
from slugify import slugify
from sqlalchemy import select

if TYPE_CHECKING:
    from .models import Photo

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
# nh3 drops these with everything inside them; other refused tags lose only the tag.
CONTENT_DROPPED = {"script", "style"}

# An image in an article is one of the site's own photos, named as media.py stores them.
MEDIA_ADDRESS = re.compile(r"/medien/(?P<key>[0-9a-f]{16,64})-(?P<width>[0-9]{1,5})\.jpg")
# The body is about as wide as the lead photo (templates/_photo.html).
BODY_IMAGE_SIZES = "(min-width: 44rem) 42rem, 100vw"

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
    """An article body's (or a bio's) Markdown as sanitized HTML, to be stored and shown.

    Headings move one level down, as the page's title is its only h1 (`#` is h2, `######`
    stays h6). `![Alt text](/medien/<key>-<width>.jpg)` of one of the site's own photos
    becomes a responsive <img> in every stored width; an image without alt text, or from
    anywhere else, is left out (`dropped_markup` names it). The <img> is put in after the
    allowlist, which admits no image at all: HTML typed into the text cannot make one.
    Looks the photos up in one query, and only when the body has images.
    """
    env: dict = {}
    tokens = _markdown.parse(source, env)
    images = [token for token in _inline_tokens(tokens) if token.type == "image"]
    photos = _photos({src for token in images if (src := _own_photo_key(token))})
    nonce = secrets.token_hex(8)
    shown: dict[str, str] = {}
    for number, token in enumerate(images):
        alt = _alt_text(token)
        photo = photos.get(_own_photo_key(token) or "")
        # The image's token becomes a placeholder only our code can know, replaced below.
        placeholder = f"zirkelbild{nonce}n{number}e" if alt and photo else ""
        if placeholder:
            shown[placeholder] = _image_html(photo, alt)
        token.type, token.content, token.children = "text", placeholder, None
    html = sanitize_html(_markdown.renderer.render(tokens, _markdown.options, env))
    for placeholder, image in shown.items():
        html = html.replace(placeholder, image)
    # A paragraph that held only an image left out would be an empty gap on the page.
    return _EMPTY_PARAGRAPH.sub("", html) if len(shown) < len(images) else html


_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")


def _shift_headings(state) -> None:
    """Core rule: `#` is the page's h2, `##` its h3 …; h6 is as deep as HTML goes."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


_markdown.core.ruler.push("shift_headings", _shift_headings)


def _inline_tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _inline_tokens(token.children)


def _alt_text(image: Token) -> str:
    children = image.children or []
    return _markdown.renderer.renderInlineAsText(children, _markdown.options, {}).strip()


def _own_photo_key(image: Token) -> str | None:
    """The photo key of a /medien/ address, or None for any other address."""
    match = MEDIA_ADDRESS.fullmatch(str(image.attrs.get("src", "")))
    return match["key"] if match else None


def _photos(keys: set[str]) -> dict[str, Photo]:
    """The stored photos of these keys, in one query (none without keys)."""
    if not keys:
        return {}
    from .extensions import db  # text.py is below models.py, which imports it
    from .models import Photo

    # Called from the Article's validator, maybe before its other fields are set.
    with db.session.no_autoflush:
        found = db.session.scalars(select(Photo).where(Photo.key.in_(sorted(keys))))
        return {photo.key: photo for photo in found}


def _image_html(photo: Photo, alt: str) -> str:
    """A stored photo as <img> in every width it has, as templates/_photo.html does."""
    widths = [int(w) for w in photo.widths.split(",")]
    src = max((w for w in widths if w <= 960), default=widths[0])
    srcset = ", ".join(f"{media_path(photo.key, w)} {w}w" for w in widths)
    return str(
        Markup(
            '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="lazy">'
        ).format(
            media_path(photo.key, src), srcset, BODY_IMAGE_SIZES, photo.width, photo.height, alt
        )
    )


def media_path(key: str, width: int) -> str:
    """The address of one stored width of a photo (media.py serves it), as Markdown uses it."""
    return f"/medien/{key}-{width}.jpg"


# --- what the editor is told -----------------------------------------------------------------


def dropped_markup(source: str) -> list[str]:
    """What `render_markdown` leaves out of this Markdown or does not show as written, each a
    short German description for the editor (preview and save); [] when nothing is lost.

    Images: without alt text, from another address, not in the media library. Links whose
    address Markdown or the allowlist refuses (javascript:, data: …). HTML elements and
    attributes outside the allowlist (and the content of <script> and <style>), and HTML
    comments. One query for all images.
    """
    found: list[str] = []
    refused: list[str] = []
    token = _refused_links.set(refused)
    try:
        env: dict = {}
        tokens = _markdown.parse(source, env)
    finally:
        _refused_links.reset(token)
    for address in refused:
        found.append(
            _("Link with an address that is not allowed: %(address)s", address=_cut(address))
        )
    images = [t for t in _inline_tokens(tokens) if t.type == "image"]
    photos = _photos({key for t in images if (key := _own_photo_key(t))})
    for image in images:
        src = str(image.attrs.get("src", ""))
        key = _own_photo_key(image)
        if not _alt_text(image):
            found.append(_("Image without alternative text: %(address)s", address=_cut(src)))
        elif key is None:
            found.append(_("Image from another address: %(address)s", address=_cut(src)))
        elif key not in photos:
            found.append(_("Image not in the media library: %(address)s", address=_cut(src)))
        image.type, image.content, image.children = "text", "", None
    checker = _DroppedHtml()
    checker.feed(_markdown.renderer.render(tokens, _markdown.options, env))
    checker.close()
    found.extend(checker.found)
    return list(dict.fromkeys(str(text) for text in found))


_refused_links: ContextVar[list[str] | None] = ContextVar("refused_links", default=None)
_validate_link = _markdown.validateLink


def _validating(url: str) -> bool:
    """markdown-it's own check of link addresses, noting the ones it refuses."""
    allowed = _validate_link(url)
    if not allowed and (refused := _refused_links.get()) is not None:
        refused.append(url)
    return allowed


_markdown.validateLink = _validating  # type: ignore[method-assign]


def _cut(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _DroppedHtml(HTMLParser):
    """Walks the HTML that Markdown made and notes what the allowlist will take out of it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            if tag in CONTENT_DROPPED:
                self.found.append(_("HTML element <%(tag)s> removed with its content", tag=tag))
            elif tag == "img":
                self.found.append(
                    _(
                        "HTML image removed: insert photos from the media library as "
                        "![alternative text](address)"
                    )
                )
            else:
                self.found.append(_("HTML element <%(tag)s> removed", tag=tag))
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.found.append(
                    _("Attribute %(name)s removed from <%(tag)s>", name=name, tag=tag)
                )
            elif name == "href" and value and not allowed_address(value):
                self.found.append(
                    _("Link with an address that is not allowed: %(address)s", address=_cut(value))
                )

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.found.append(_("HTML comment removed"))

    def handle_decl(self, decl: str) -> None:
        self.found.append(_("HTML declaration removed"))

    def handle_pi(self, data: str) -> None:
        self.found.append(_("HTML processing instruction removed"))


def allowed_address(address: str) -> bool:
    """Whether the allowlist keeps a link to this address: relative, or a scheme it allows."""
    scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", address)
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


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
