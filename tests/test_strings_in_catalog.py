"""No words outside the catalog: what a template or module shows goes through gettext.

test_translations.py checks that every extracted string is translated; this checks that
nothing shown escapes extraction: text between a template's tags and in the attributes
people read (alt, title, aria-label, placeholder …), and strings a module hands to the
page or to a mail without gettext.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
WORD = re.compile(r"[^\W\d_]{2,}")
# Attributes whose values people read or hear.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description", "label"}
# What may be shown untranslated: each language's own name (the switch), the product's
# name, units.
NOT_WORDS = {"Deutsch", "English", "Zirkel", "px"}
# Where a template has an expression, a tag or a comment: a character that is no word and
# keeps the HTML around it parseable (`<h{{ level }}>`, `id="{{ id }}"`).
HOLE = "0"
ADDRESS = re.compile(r"/[\w/.-]*")  # "/thema/{{ slug }}": an address, not words


class ShownText(HTMLParser):
    """The text of an HTML template between its expressions, as a reader meets it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self._hidden = 0  # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES
                or (tag == "input" and name == "value" and dict(attrs).get("type") == "submit")
                or (name == "content" and dict(attrs).get("name") == "description")
            ):
                self.shown.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.shown.append(data)


def template_text(path: Path) -> list[str]:
    """The literal text of a template outside its Jinja tags, expressions and comments."""
    parts = []
    statement: list[str] = []
    # {% set x %}…{% endset %} and {% block …_attributes %} hold attributes, not text.
    in_set_block = False
    for _line, kind, value in jinja2.Environment().lex(path.read_text()):
        if kind == "block_begin":
            statement = []
        elif kind in ("name", "operator") and statement is not None:
            statement.append(value)
        elif kind == "block_end":
            if (statement[:1] == ["set"] and "=" not in statement) or (
                statement[:1] == ["block"] and statement[-1].endswith("attributes")
            ):
                in_set_block = True
            elif statement[:1] in (["endset"], ["endblock"]):
                in_set_block = False
        parts.append(value if kind == "data" and not in_set_block else HOLE)
    literal = "".join(parts)
    if path.suffix == ".html":
        parser = ShownText()
        parser.feed(literal)
        parser.close()
        return parser.shown
    if path.suffix == ".xml":
        return re.sub(r"<[^>]*>", HOLE, literal).split(HOLE)
    return literal.split(HOLE)


def words_shown(text: str) -> list[str]:
    return [word for word in WORD.findall(ADDRESS.sub(" ", text)) if word not in NOT_WORDS]


def test_templates_show_no_text_outside_the_catalog():
    found = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt", ".xml"):
            continue
        words = [w for text in template_text(path) for w in words_shown(text)]
        if words:
            found[str(path.relative_to(ROOT))] = words
    assert found == {}, "put these into _() (see README, Translations)"


# -- Python modules --------------------------------------------------------------------------

GETTEXT = {"_", "_l", "gettext", "ngettext", "pgettext", "lazy_gettext", "lazy_pgettext", "_lp"}
GERMAN = re.compile(r"[äöüÄÖÜß„“”]")
# Calls and keywords whose string arguments end up in front of a person.
SHOWN_CALLS = {"flash", "ValidationError", "StopValidation"}
SHOWN_KEYWORDS = {"label", "message", "description", "placeholder"}
WTFORMS_FIELDS = re.compile(r"^[A-Z]\w*Field$")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


class ShownStrings(ast.NodeVisitor):
    """String literals a module shows without gettext."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in GETTEXT:
            return  # its literals are the catalog's
        shown = []
        if name in SHOWN_CALLS or WTFORMS_FIELDS.match(name):
            shown += node.args[:1]
        shown += [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
        for value in shown:
            is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
            if is_text and words_shown(value.value):
                self.found.append((value.lineno, value.value))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and GERMAN.search(node.value) and words_shown(node.value):
            self.found.append((node.lineno, node.value))

    def visit_Expr(self, node: ast.Expr) -> None:
        # A bare string is a docstring or a comment: no one sees it.
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self.generic_visit(node)


def module_strings(path: Path) -> list[tuple[int, str]]:
    visitor = ShownStrings()
    visitor.visit(ast.parse(path.read_text(), str(path)))
    return visitor.found


def test_modules_show_no_text_outside_the_catalog():
    found = {}
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        if path.parent.name == "demo":
            continue  # the demo article: content, which stays in the language it is written in
        if strings := module_strings(path):
            found[str(path.relative_to(ROOT))] = strings
    assert found == {}, "put these into _() or _l() (see README, Translations)"


def test_the_checks_find_what_they_look_for(tmp_path):
    """The checks themselves: a word outside _() is found, one inside is not."""
    template = tmp_path / "t.html"
    template.write_text(
        '<p title="Hallo">{{ _("Fine") }} Ohne Katalog</p><img alt="{{ _("x") }}">'
        "{# Kommentar #}<script>var x = 'Skript';</script>"
    )
    assert sorted(w for t in template_text(template) for w in words_shown(t)) == [
        "Hallo",
        "Katalog",
        "Ohne",
    ]
    module = tmp_path / "m.py"
    module.write_text(
        '"""Über."""\n'
        'flash("Saved")\n'
        'flash(_("Fine"))\n'
        'x = StringField("Name", validators=[])\n'
        'y = StringField(_l("Name"))\n'
        'z = "Grüße"\n'
        'ok = pgettext("ctx", "Schön")\n'
    )
    assert [line for line, _text in module_strings(module)] == [2, 4, 6]
