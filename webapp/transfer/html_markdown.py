"""WordPress's HTML as Markdown, block by block, where that can be done faithfully.

An imported body should be Markdown the editor can work with, not a page of HTML. Each
top-level block of the (cleaned, paragraphed) HTML is converted with markdownify, and the
result is checked: rendered as every article is (text.render_markdown), it must have the
same elements, attributes and text as the HTML itself rendered the same way. Only then is
the Markdown kept; otherwise the block stays HTML (reduced to what the allowlist keeps, when
that shows the same), and `Conversion.kept` says what in it Markdown cannot say (a table, a
<cite>, a <sup> …). The parts together are checked once more (two lists in a row would be
one in Markdown: the second takes another marker); should they still read differently, the
whole text stays HTML. So the conversion can lose nothing by construction: paragraphs, line
breaks, emphasis, strong, links, headings, lists, quotes, code and rules become Markdown.

WordPress's headings start at h2 under the post's title, as Zirkel's do; `<h2>` becomes `#`,
which Zirkel renders as h2 again, and so on (an `<h1>` in a post counts as h2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

from bs4 import BeautifulSoup, NavigableString, Tag
from flask_babel import gettext as _
from markdownify import MarkdownConverter

from ..text import ALLOWED_TAGS, allowed_address, render_markdown, sanitize_html

# What Markdown can say; any other element in a block that stays HTML is named in the report.
MARKDOWN_TAGS = {
    "p", "br", "em", "i", "strong", "b", "a", "h1", "h2", "h3", "h4", "h5", "h6", "ul",
    "ol", "li", "blockquote", "code", "pre", "hr", "s", "del", "strike",
}  # fmt: skip
_SAME = {"b": "strong", "i": "em", "del": "s", "strike": "s"}  # what renders alike
# Elements that only group others: the allowlist takes them out and nothing is lost.
_STRUCTURE = {"span", "div", "section", "article", "header", "footer", "aside", "nav", "main"}
_TABLE_PARTS = {"thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col"}
_INLINE = {"a", "em", "strong", "code", "s", "q", "abbr", "sup", "sub", "cite"}


@dataclass
class Conversion:
    """The Markdown of a body, and what in it stayed HTML (element names, e.g. "<table>")."""

    markdown: str
    kept: list[str] = field(default_factory=list)
    styles: bool = False  # style attributes, which no article keeps, were left out
    lost: list[str] = field(default_factory=list)  # image placeholders in parts kept as HTML
    removed: list[str] = field(default_factory=list)  # elements no article keeps ("<iframe>")


def html_to_markdown(html: str, images: dict[str, str] | None = None) -> Conversion:
    """The body as Markdown where each block converts faithfully, HTML where it does not.

    `images`: placeholders in the text (letters and digits) and the Markdown images they
    stand for; they are put in where the text became Markdown, and listed as lost where it
    stayed HTML (an HTML block cannot hold a Markdown image).
    """
    images = images or {}
    soup = BeautifulSoup(html, "html.parser")
    for heading in soup.find_all("h1"):
        heading.name = "h2"
    for figure in soup.find_all("figure"):
        # The block editor's image: the image, then its caption as a paragraph below it.
        if not figure.find("table") and any(p in figure.get_text() for p in images):
            for caption in figure.find_all("figcaption"):
                caption.name = "p"
            figure.unwrap()
    conversion = Conversion("")
    conversion.styles = any(
        element.get("style", "").strip() for element in soup.find_all(style=True)
    )
    conversion.removed = [
        f"<{name}>"
        for name in dict.fromkeys(e.name for e in soup.find_all(True))
        if name not in ALLOWED_TAGS and name not in _STRUCTURE
    ]
    parts: list[str] = []
    shown: list[str] = []  # each part rendered alone
    for node in list(soup.contents):
        if isinstance(node, NavigableString) and not node.strip():
            continue
        source = str(node)
        expected = _shape(render_markdown(source))
        if not re.sub(r"<[^>]*>", "", expected).strip() and "<hr>" not in expected:
            continue  # nothing a reader would see (an embed in a paragraph of its own)
        markdown = _Converter().convert(source).strip()
        if markdown and _shape(render_markdown(markdown)) == expected:
            markdown = _apart_from_the_last_list(markdown, parts[-1] if parts else "")
            parts.append(markdown)
            shown.append(render_markdown(markdown))
            continue
        cleaned = sanitize_html(source).strip()
        kept = cleaned if _shape(render_markdown(cleaned)) == expected else source
        for placeholder in images:
            if placeholder in kept:
                conversion.lost.append(placeholder)
                kept = kept.replace(placeholder, "")
        parts.append(kept)
        shown.append(render_markdown(kept))
        if isinstance(node, Tag):
            _name_what_stays_html(node, conversion)
    markdown = "\n\n".join(parts)
    if _shape(render_markdown(markdown)) != _shape("".join(shown)):
        # The parts read differently together than alone: the whole text stays HTML.
        markdown = "\n\n".join(str(node) for node in soup.contents if str(node).strip())
        for placeholder in images:
            if placeholder in markdown and placeholder not in conversion.lost:
                conversion.lost.append(placeholder)
                markdown = markdown.replace(placeholder, "")
        conversion.kept = [str(_("the whole text"))]
    for placeholder, image in images.items():
        markdown = markdown.replace(placeholder, image)
    conversion.markdown = markdown
    return conversion


def _apart_from_the_last_list(markdown: str, previous: str) -> str:
    """Two lists in a row are one list in Markdown unless their markers differ: a list right
    after another takes the other bullet (`-`, `*`) or delimiter (`1.`, `1)`)."""
    if re.match(r"[-*] ", markdown) and re.match(r"[-*] ", previous):
        return re.sub(r"(?m)^[-*] ", "* " if previous[0] == "-" else "- ", markdown)
    if re.match(r"\d+[.)] ", markdown) and (before := re.match(r"\d+([.)]) ", previous)):
        other = ")" if before.group(1) == "." else "."
        return re.sub(r"(?m)^(\d+)[.)] ", rf"\1{other} ", markdown)
    return markdown


def _name_what_stays_html(node: Tag, conversion: Conversion) -> None:
    """Note the elements of a part kept as HTML that Markdown cannot say ("<table>")."""
    names = [node.name, *(e.name for e in node.find_all(True))]
    if "table" in names:  # a table is named once, not by its rows and cells
        names = [n for n in names if n not in _TABLE_PARTS]
    unsaid = [f"<{n}>" for n in dict.fromkeys(names) if n not in MARKDOWN_TAGS]
    unsaid = [n for n in unsaid if n[1:-1] in ALLOWED_TAGS] or [f"<{node.name}>"]
    conversion.kept.extend(n for n in unsaid if n not in conversion.kept)


class _Converter(MarkdownConverter):
    """markdownify with ATX headings one level up, `-` bullets, backslash line breaks, and
    escapes where Markdown would read text as markup (and nowhere else, to stay readable)."""

    def __init__(self) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            newline_style="BACKSLASH",
            escape_misc=False,
            autolinks=False,
        )

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: set[str]) -> str:
        return super().convert_hN(max(1, n - 1), el, text, parent_tags)

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        href = el.get("href")
        if isinstance(href, str) and not allowed_address(href):
            return text  # the allowlist would take the address: text, as readers see it
        if isinstance(href, str) and re.search(r"[\s<>()]", href):
            # An address with spaces or brackets, in the form Markdown takes it whole.
            el["href"] = "<" + href.replace("<", "%3C").replace(">", "%3E") + ">"
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return ""  # the import puts in the images it could bring (wordpress.py)

    def process_text(self, el: NavigableString, parent_tags: set[str] | None = None) -> str:
        text = super().process_text(el, parent_tags)
        if "pre" in (parent_tags or set()):
            return text
        # A line break in HTML text is a space; a new line in Markdown could start a list.
        text = text.replace("\n", " ")
        if _starts_line(el) and "_inline" not in (parent_tags or set()):
            text = _escape_line_start(text.lstrip())
        return text

    def escape(self, text: str, parent_tags: set[str]) -> str:
        text = re.sub(r"\\(?=[!-/:-@\[-`{-~])", r"\\\\", text)
        text = super().escape(text, parent_tags)  # * and _
        text = text.replace("`", r"\`")
        text = text.replace("[", r"\[")  # no link, image or footnote can begin
        text = re.sub(r"<(?=[A-Za-z/!?])", r"\<", text)
        text = re.sub(r"&(?=#?\w+;)", r"\&", text)
        return text.replace("~~", r"\~\~")  # strikethrough needs two


def _starts_line(text: NavigableString) -> bool:
    """Whether a text node begins a line of Markdown: first in its block, or after <br>."""
    parent, previous = text.parent, text.previous_sibling
    while isinstance(previous, NavigableString) and not previous.strip():
        previous = previous.previous_sibling
    if isinstance(previous, Tag):
        return previous.name == "br"
    return previous is None and (parent is None or parent.name not in _INLINE)


def _escape_line_start(text: str) -> str:
    """Escapes for what Markdown reads at the start of a line: headings, quotes, list
    markers, numbered items, rules and setext underlines, tables."""
    stripped = text.lstrip()
    lead = text[: len(text) - len(stripped)]
    if re.match(r"#{1,6}(\s|$)|[>|+=-]", stripped):
        return lead + "\\" + stripped
    if match := re.match(r"(\d{1,9})([.)])(\s|$)", stripped):
        return lead + match[1] + "\\" + stripped[len(match[1]) :]
    return text


def _shape(html: str) -> str:
    """Rendered HTML reduced to what a reader gets: elements, attributes and text, with
    white space as the browser shows it (runs as one, none at block edges)."""
    parser = _Shape()
    parser.feed(html)
    parser.close()
    shape = re.sub(r"\s+", " ", "".join(parser.parts))
    inline = "|".join(sorted(_INLINE))
    for _round in range(3):  # a space at an inline element's inner edge shows outside it
        shape = re.sub(rf"(<(?:{inline})\b[^>]*>) ", r" \1", shape)
        shape = re.sub(rf" (</(?:{inline})>)", r"\1 ", shape)
        shape = re.sub(r"\s+", " ", shape)
    shape = re.sub(r" ?(</?(?!(?:" + inline + r")\b)[a-z0-9]+[^>]*>) ?", r"\1", shape).strip()
    # Fenced code is <pre><code>, WordPress's <pre> has none: monospace either way.
    return shape.replace("<pre><code>", "<pre>").replace("</code></pre>", "</pre>")


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[bool] = []  # open <a>: whether it is a link (has an address)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = _SAME.get(tag, tag)
        if tag == "a":
            # An <a> whose address the allowlist refused is text to a reader.
            self._links.append(any(k == "href" for k, _ in attrs))
            if not self._links[-1]:
                return
        shown = "".join(
            f' {k}="{_address(v or "") if k in ("href", "src") else v}"'
            for k, v in sorted(attrs)
            if k != "rel"
        )
        self.parts.append(f"<{tag}{shown}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links and not self._links.pop():
            return
        self.parts.append(f"</{_SAME.get(tag, tag)}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data.replace("<", "&lt;").replace(">", "&gt;"))


def _address(value: str) -> str:
    """An address as a browser reads it: Markdown percent-encodes it and writes its host in
    punycode, WordPress need not."""
    value = unquote(value)
    return re.sub(r"xn--[a-z0-9-]+", lambda m: _from_punycode(m.group()), value)


def _from_punycode(label: str) -> str:
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label
