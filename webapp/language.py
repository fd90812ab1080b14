"""The interface language: German or English, chosen by the reader.

A reader who never clicks gets the language their browser asks for (Accept-Language),
German when it asks for neither. The switch in every page's footer ("English" /
"Deutsch") is a small form: it posts the choice, which is kept in the cookie
`zirkel_sprache` for a year, and goes back to the page. That cookie is set by nothing
else, so a reader who only reads gets no cookie unless they click.

Every answer of the app depends on the language, so every answer names both inputs in
`Vary`; ETags and the render cache carry the language (caching.version_tag). Article
content is not translated: it stays in the language it was written in.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import Blueprint, Flask, Response, current_app, has_request_context, redirect, request
from flask_babel import force_locale, get_locale
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept

from .caching import add_vary
from .extensions import csrf

COOKIE = "zirkel_sprache"
COOKIE_DAYS = 365
# Each language under its own name: a reader who cannot read the page still finds theirs.
NAMES = {"de": "Deutsch", "en": "English"}

bp = Blueprint("language", __name__)


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The reader's choice, else the browser's wish, else the site's default language
    (also outside a request: commands, the mail thread)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    offered = languages()
    chosen = request.cookies.get(COOKIE)
    if chosen in offered:
        return chosen
    accepted: LanguageAccept = request.accept_languages
    return accepted.best_match(offered) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current() -> str:
    """The language this request is answered in ("de", "en")."""
    return str(get_locale())


def site_language() -> AbstractContextManager[None]:
    """Speak the site's default language inside: for mails to the editorial team (not
    to whoever made the request that sends them) and for what is stored as text."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def content_lang() -> Markup:
    """` lang="de"` on what editors wrote, when the interface speaks another language:
    articles and pages are in the site's language, and screen readers should say so."""
    written_in = current_app.config["BABEL_DEFAULT_LOCALE"]
    return Markup(' lang="%s"') % written_in if written_in != current() else Markup("")


def other_languages(current: str) -> list[tuple[str, str]]:
    """(code, name) of every language the switch offers on a page shown in `current`."""
    return [(code, NAMES.get(code, code)) for code in languages() if code != current]


def back_to(target: str | None) -> str:
    """The page to go back to: a path of this site, never another site (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@bp.post("/sprache")
@csrf.exempt  # it only chooses the language of the asker's own pages
def choose() -> Response:
    """Keep the chosen language and show the page again, now in it."""
    response = redirect(back_to(request.form.get("weiter")), 303)
    chosen = request.form.get("sprache")
    if chosen in languages():
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_DAYS * 24 * 60 * 60,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def vary_on_language(response: Response) -> Response:
    """Caches keep one copy per language: what the browser asks for, and the cookie.

    Files (stylesheets, photos) are the same in every language.
    """
    if request.blueprint != "media" and request.endpoint != "static":
        add_vary(response, "Accept-Language", "Cookie")
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(vary_on_language)
    app.add_template_global(other_languages)
    app.add_template_global(content_lang)
