"""Every page of the editorial area fits a 390 px phone and a 1280 px screen, whatever
editors and readers made long (names, compound words, addresses, file names): measured
in Chromium. The list of pages is the app's own: a new editorial page that is not
measured here fails the completeness test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from layout import DESKTOP, LONG_ADDRESS, LONG_NAME, LONG_WORD, PHONE, sticking_out, widest
from playwright.sync_api import expect
from sqlalchemy import select

from apps import make_app
from editorial_helpers import PASSWORD, make_user
from factories import make_article, make_author, make_comment, make_photo, make_topic
from webapp.editorial.accounts import make_password_token
from webapp.extensions import db
from webapp.models import ArticleRevision, Role
from webapp.notifications import make_link_token
from webapp.pages import Page, PageRevision
from webapp.revisions import keep

pytestmark = pytest.mark.browser

LONG_EMAIL = "z" * 60 + "@" + "lang" * 10 + ".example.org"
# Pages that only a flow in progress shows (a half-done login with a second factor);
# they are measured in the second factor's own browser-free tests' place: here, by reason.
NOT_REACHED_DIRECTLY = {
    "editorial.login_code": "only after a password, for an account with a second factor",
    "editorial.setup_at_login": "only after a password, when admins must have a second factor",
}


@pytest.fixture(scope="module")
def server(run_gunicorn, tmp_path_factory):
    with run_gunicorn(tmp_path_factory.mktemp("editorial-layout")) as live:
        yield live


@pytest.fixture(scope="module")
def site(server, tmp_path_factory):
    """An app on the live server's database, with its secret (for the links it signs)."""
    app = make_app(tmp_path_factory.mktemp("layout-app"), DATABASE_URL=server.database_url)
    app.config["SECRET_KEY"] = (server.instance / "secret_key").read_text().strip()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def editorial_pages(site):
    """The editorial area with long things everywhere; every GET page of it by path."""
    with site.app_context():
        author = make_author(name=LONG_NAME, slug="lang-" + "z" * 60)
        topic = make_topic(LONG_WORD[:100], slug="langes-thema", description=LONG_WORD)
        photo = make_photo()
        photo.alt_text = LONG_WORD
        photo.original_name = LONG_WORD + ".jpg"
        photo.title = LONG_WORD
        article = make_article(
            photo=photo,
            author=author,
            title=LONG_WORD,
            teaser=LONG_WORD,
            body=f"{LONG_WORD}\n\n{LONG_ADDRESS}",
            topics=[topic],
            published_at=None,
        )
        keep(article, None, "saved")  # two versions that differ, to compare
        article.title = LONG_WORD + " neu"
        article.body = f"{LONG_ADDRESS} {LONG_WORD}\n\nNeu"
        article.version += 1
        keep(article, None, "saved")
        privacy = db.session.get(Page, 2)  # two versions of a page that differ, too
        keep(privacy, None, "saved")
        privacy.title = LONG_WORD
        privacy.body = f"{LONG_WORD}\n\n{LONG_ADDRESS}\n\n{privacy.body}"
        privacy.version += 1
        keep(privacy, None, "saved")
        db.session.commit()
        comment = make_comment(
            make_article(photo=None, author=author, title=LONG_WORD),
            name=LONG_NAME,
            text=f"{LONG_WORD} {LONG_ADDRESS}",
            status="pending",
        )
        make_user(email="lang@example.org", role=Role.ADMIN)
        other = make_user(email=LONG_EMAIL, role=Role.EDITOR, name=LONG_NAME)
        revisions = list(
            db.session.scalars(
                select(ArticleRevision.id).where(ArticleRevision.article_id == article.id)
            )
        )
        page_revisions = list(
            db.session.scalars(select(PageRevision.id).where(PageRevision.page_id == privacy.id))
        )
        ids = {
            "article_id": article.id,
            "author_id": author.id,
            "topic_id": topic.id,
            "photo_id": photo.id,
            "user_id": other.id,
            "comment_id": comment.id,
        }
        password_token = make_password_token(other, "invite", timedelta(days=7))
        mail_token = make_link_token(comment.id, "freigeben", "lang@example.org")
        db.session.remove()
    pages = {
        "auth.login": "/verwaltung/anmelden",
        "editorial.dashboard": "/verwaltung/",
        "editorial.articles": "/verwaltung/artikel",
        "editorial.new_article": "/verwaltung/artikel/neu",
        "editorial.edit_article": "/verwaltung/artikel/{article_id}",
        "editorial.view_article": "/verwaltung/artikel/{article_id}/ansehen",
        "editorial.revisions": "/verwaltung/artikel/{article_id}/versionen",
        "editorial.compare_revisions": (
            f"/verwaltung/artikel/{{article_id}}/versionen/vergleich"
            f"?alt={revisions[0]}&neu={revisions[-1]}"
        ),
        "editorial.delete_article": "/verwaltung/artikel/{article_id}/loeschen",
        "editorial.authors": "/verwaltung/autoren",
        "editorial.new_author": "/verwaltung/autoren/neu",
        "editorial.edit_author": "/verwaltung/autoren/{author_id}",
        "editorial.delete_author": "/verwaltung/autoren/{author_id}/loeschen",
        "editorial.topics": "/verwaltung/themen",
        "editorial.new_topic": "/verwaltung/themen/neu",
        "editorial.edit_topic": "/verwaltung/themen/{topic_id}",
        "editorial.merge_topic": "/verwaltung/themen/{topic_id}/zusammenfuehren",
        "editorial.delete_topic_page": "/verwaltung/themen/{topic_id}/loeschen",
        # the shipped pages (migration b3e9d1f7a2c4): 1 Impressum, 2 Datenschutz
        "editorial.pages": "/verwaltung/seiten",
        "editorial.new_page": "/verwaltung/seiten/neu",
        "editorial.edit_page": "/verwaltung/seiten/2",
        "editorial.delete_page": "/verwaltung/seiten/1/loeschen",
        "editorial.page_revisions": "/verwaltung/seiten/2/versionen",
        "editorial.compare_page_revisions": (
            f"/verwaltung/seiten/2/versionen/vergleich?alt={page_revisions[0]}"
            f"&neu={page_revisions[-1]}"
        ),
        "editorial.media_library": "/verwaltung/medien",
        "editorial.media_upload": "/verwaltung/medien/hochladen",
        "editorial.media_photo": "/verwaltung/medien/{photo_id}",
        "editorial.media_delete": "/verwaltung/medien/{photo_id}/loeschen",
        "editorial.media_delete_unused": "/verwaltung/medien/ungenutzte-loeschen",
        "editorial.comments": "/verwaltung/kommentare?status=alle",
        "editorial.edit_comment": "/verwaltung/kommentare/{comment_id}/bearbeiten",
        "editorial.audit_log": "/verwaltung/protokoll",
        "editorial.settings": "/verwaltung/einstellungen",
        "editorial.accounts": "/verwaltung/konten",
        "editorial.invite": "/verwaltung/konten/einladen",
        "editorial.account": "/verwaltung/konten/{user_id}",
        "editorial.remove": "/verwaltung/konten/{user_id}/entfernen",
        "editorial.own_account": "/verwaltung/konto",
        "editorial.second_factor": "/verwaltung/konto/zwei-faktor",
        "editorial.forgot_password": "/verwaltung/passwort-vergessen",
        "editorial.set_password": f"/verwaltung/passwort/{password_token}",
        "editorial.mail_link": f"/verwaltung/e-mail-link/{mail_token}",
        "editorial.mail_link_done": "/verwaltung/e-mail-link/erledigt",
        "editorial.personal_data": "/verwaltung/personendaten",
    }
    return {endpoint: path.format(**ids) for endpoint, path in pages.items()}


def test_every_editorial_page_is_measured(site, editorial_pages):
    adapter = site.url_map.bind("localhost")
    measured = {adapter.match(path.split("?")[0])[0] for path in editorial_pages.values()}
    assert measured == set(editorial_pages), "each path leads to the page it is listed for"
    pages = {
        rule.endpoint
        for rule in site.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("editorial", "auth") and "GET" in rule.methods
    }
    assert pages - measured - set(NOT_REACHED_DIRECTLY) == set(), "measure every page"


def test_every_editorial_page_fits_a_phone_and_a_screen(new_page, server, editorial_pages):
    too_wide = {}
    for width in (PHONE, DESKTOP):
        page = new_page(viewport={"width": width, "height": 900})
        page.goto(server.url + "/verwaltung/anmelden")
        page.get_by_label("E-Mail", exact=True).fill("lang@example.org")
        page.get_by_label("Passwort", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        expect(page.get_by_role("heading", name="Verwaltung")).to_be_visible()
        for endpoint, path in editorial_pages.items():
            response = page.goto(server.url + path)
            assert response is not None and response.status < 400, (endpoint, response.status)
            if widest(page) > width:
                too_wide[f"{endpoint} at {width} px"] = (widest(page), sticking_out(page))
    assert too_wide == {}, "\n".join(f"{k}: {v}" for k, v in too_wide.items())
