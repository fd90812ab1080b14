"""With `Accept-Language: en`, every page is English: public and editorial, found from the
app's own URL map (a new page that is not visited here fails), on a site whose content is
English too, so that any German left on a page is the interface's."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from editorial_helpers import login, make_user
from factories import make_article, make_author, make_comment, make_topic
from webapp.comments.subscriptions import confirm_token, stop_token
from webapp.editorial.accounts import make_password_token
from webapp.extensions import db
from webapp.models import Role, Subscription
from webapp.notifications import make_link_token
from webapp.pages import Page
from webapp.personal_data.links import make_token
from webapp.previews import preview_link
from webapp.revisions import keep

ENGLISH = "en-GB,en;q=0.8"
# Words of German interface text that English never uses (content here is English).
GERMAN_WORDS = set(
    [
        "und",
        "oder",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "nicht",
        "mit",
        "für",
        "auf",
        "zum",
        "zur",
        "von",
        "ist",
        "sind",
        "wird",
        "werden",
        "wurde",
        "Sie",
        "Ihr",
        "Ihre",
        "Ihren",
        "bitte",
        "Bitte",
        "noch",
        "keine",
        "kein",
        "alle",
        "neu",
        "neue",
        "Kommentar",
        "Kommentare",
        "Kommentaren",
        "Seite",
        "Seiten",
        "Artikel",
        "Speichern",
        "Löschen",
        "Abbrechen",
        "Zurück",
        "Anmelden",
        "Abmelden",
        "Suche",
        "Suchen",
        "Thema",
        "Themen",
        "Autor",
        "Autoren",
        "Autorin",
        "Einstellungen",
        "Konto",
        "Konten",
        "Versionen",
        "Vorschau",
        "Freigeben",
        "Antworten",
        "Antwort",
        "Verwaltung",
        "Übersicht",
        "Datenschutz",
        "Impressum",
        "Meine",
        "Daten",
        "Titel",
        "Adresse",
        "Foto",
        "Hinweis",
        "Fehler",
        "geändert",
        "gespeichert",
        "gelöscht",
        "Benachrichtigung",
        "Passwort",
    ]
)
GERMAN_LETTERS = re.compile(r"[äöüÄÖÜß„]")
READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
# GET pages that are not pages a person reads in a language.
NOT_TEXT = {
    "static": "files",
    "media.file": "photos",
    "comments.avatar": "pictures",
    "sitemap.robots": "for crawlers",
    "sitemap.sitemap": "for crawlers",
    "editorial.login_code": "only after a password, for an account with a second factor",
    "editorial.setup_at_login": "only after a password, when admins must have a second factor",
}


def german_in(body: str, xml: bool = False) -> list[str]:
    """German words a page shows or reads out (text and the attributes people hear)."""
    if xml:  # a feed: its titles and texts
        texts = list(ElementTree.fromstring(body).itertext())
    else:
        page = BeautifulSoup(body, "html.parser")
        for hidden in page.select("script, style"):
            hidden.decompose()
        texts = [page.get_text(" ")]
        texts += [tag[name] for name in READ_ATTRIBUTES for tag in page.select(f"[{name}]")]
    found = []
    for text in texts:
        found += GERMAN_LETTERS.findall(text)
        found += [word for word in re.findall(r"\w+", text) if word in GERMAN_WORDS]
    return found


@pytest.fixture
def english_site(app):
    """A site written in English, with one of everything a page can show."""
    author = make_author(name="Ann Smith", slug="ann-smith", bio="Writes about transport.")
    topic = make_topic("Transport", slug="transport", description="Getting around.")
    article = make_article(
        title="Bike lanes in winter",
        slug="bike-lanes",
        teaser="What the city clears first.",
        body="Snow falls.\n\nThe lanes stay open.",
        photo_alt="A bike lane under snow",
        author=author,
        topics=[topic],
    )
    draft = make_article(
        title="Coming soon",
        slug="coming-soon",
        teaser="Soon.",
        body="Not yet.",
        author=author,
        published_at=None,
        photo=None,
    )
    keep(article, None, "saved")
    article.title = "Bike lanes in the winter"
    article.version += 1
    keep(article, None, "saved")
    comment = make_comment(article, name="Bob", text="Good to know.", email="bob@example.org")
    make_comment(article, name="Cleo", text="Thanks!", parent=comment)
    make_comment(article, name="Dan", text="Held back.", status="pending")
    subscription = Subscription(comment_id=comment.id, email="bob@example.org")
    db.session.add(subscription)
    for page in db.session.query(Page):
        page.title = {"impressum": "Legal notice", "datenschutz": "Privacy"}[page.slug]
        page.body = page.body_html = "<p>Who runs this site.</p>"
    db.session.add(Page(title="About us", slug="about-us", body="Us.", body_html="<p>Us.</p>"))
    admin = make_user(email="admin@example.org", role=Role.ADMIN, name="Admin")
    other = make_user(email="editor@example.org", role=Role.EDITOR, name="Eve")
    db.session.commit()
    return {
        "article": article,
        "draft": draft,
        "author": author,
        "topic": topic,
        "comment": comment,
        "subscription": subscription,
        "admin": admin,
        "other": other,
    }


def paths(app, site) -> dict[str, str]:
    """A path for every GET page of the app, by endpoint."""
    from flask import url_for

    article, comment, other = site["article"], site["comment"], site["other"]
    with app.test_request_context():
        values = {
            "articles.show": {"slug": article.slug},
            "comments.listing": {"slug": article.slug},
            "feeds.article_comments": {"slug": article.slug},
            "comments.news": {"slug": article.slug},
            "articles.author": {"slug": site["author"].slug},
            "articles.topic": {"slug": site["topic"].slug},
            "feeds.topic": {"slug": site["topic"].slug},
            "pages.show": {"slug": "about-us"},
            "search.results": {"q": "winter"},
            "comments.unsubscribe": {"token": stop_token(site["subscription"])},
            "comments.confirm_subscription": {"token": confirm_token(site["subscription"])},
            "personal_data.link": {"token": make_token("bob@example.org", comment.id)},
            "previews.shared": {"token": preview_link(site["draft"])[0].rsplit("/", 1)[1]},
            "editorial.mail_link": {
                "token": make_link_token(comment.id, "freigeben", "admin@example.org")
            },
            "editorial.set_password": {
                "token": make_password_token(other, "invite", timedelta(days=7))
            },
            "editorial.compare_revisions": {"alt": 1, "neu": 2},
            "editorial.compare_page_revisions": {"alt": 1, "neu": 2},
        }
        ids = {
            "article_id": article.id,
            "author_id": site["author"].id,
            "topic_id": site["topic"].id,
            "photo_id": article.photo_id,
            "user_id": other.id,
            "comment_id": comment.id,
            "page_id": 2,
        }
        found = {}
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_TEXT:
                continue
            arguments = {name: ids[name] for name in rule.arguments if name in ids}
            arguments |= values.get(rule.endpoint, {})
            found[rule.endpoint] = url_for(rule.endpoint, **arguments)
    return found


def test_every_page_speaks_english(app, client, english_site):
    pages = paths(app, english_site)
    editorial = {e: p for e, p in pages.items() if p.startswith("/verwaltung")}
    public = {e: p for e, p in pages.items() if e not in editorial}
    german = {}
    for endpoint, path in public.items():
        response = client.get(path, headers={"Accept-Language": ENGLISH})
        assert response.status_code < 500, endpoint
        if found := german_in(response.text, xml="xml" in response.mimetype):
            german[f"{endpoint} {path}"] = found
    # Logged in, so the editorial pages are themselves, not the login form.
    assert login(client, "admin@example.org", **{"Accept-Language": ENGLISH}).status_code == 303
    for endpoint, path in editorial.items():
        response = client.get(path, headers={"Accept-Language": ENGLISH})
        assert response.status_code < 500, endpoint
        if found := german_in(response.text):
            german[f"{endpoint} {path}"] = found
    missing = client.get("/nirgends", headers={"Accept-Language": ENGLISH})
    assert missing.status_code == 404
    if found := german_in(missing.text):
        german["404"] = found
    assert german == {}


def test_the_check_finds_german():
    assert german_in("<p>Fine words</p>") == []
    assert german_in('<p>Fine</p><button aria-label="Löschen">x</button>') == ["ö", "Löschen"]
    assert german_in("<p>1 Kommentar</p>") == ["Kommentar"]
