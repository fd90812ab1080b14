"""/meine-daten: a reader asks for their data, gets a one-time link by mail (a real SMTP
server on loopback), downloads it as JSON and erases it; admins do the same from
/verwaltung/personendaten. Every request is in the audit log, never the address in clear."""

from __future__ import annotations

import json
import re
import time
import types

import pytest
from sqlalchemy import func, select

from editorial_helpers import login, make_user, session_token
from factories import make_article, make_comment
from helpers import HTMX, post_comment, soup
from mailserver import DEADLINE
from webapp.extensions import db
from webapp.mail import send_due
from webapp.mail.models import OutboxMail
from webapp.models import Article, AuditEntry, Comment, CommentStatus, Role, Subscription
from webapp.personal_data import links

LINK = re.compile(r"https?://\S+/meine-daten/\S+")
ASKED = (
    "Falls unter dieser Adresse Kommentare gespeichert sind, "
    "ist eine E-Mail mit einem Link unterwegs."
)


@pytest.fixture
def article(app):
    return make_article(title="Radwege im Winter")


@pytest.fixture
def erikas(app, article, client):
    """Erika's two comments (one a reply to Bernd), Bernd's comment, and a reply to Erika."""
    bernd = make_comment(article, name="Bernd", email="bernd@example.org", text="Bernds Text")
    post_comment(client, article, name="Erika Muster", email="Erika@Example.org", text="Erster")
    first = db.session.scalar(select(Comment).where(Comment.text == "Erster"))
    post_comment(
        client,
        article,
        name="Erika M.",
        email="erika@example.org",
        text="Zweiter",
        antwort_auf=str(bernd.id),
    )
    second = db.session.scalar(select(Comment).where(Comment.text == "Zweiter"))
    answer = make_comment(
        article, name="Clara", email="clara@example.org", text="Claras Antwort", parent=first
    )
    return types.SimpleNamespace(first=first, second=second, bernd=bernd, answer=answer)


def deliver(smtp, count: int) -> list:
    """Send what is due (as a worker's sender would) until `count` mails have arrived."""
    deadline = time.monotonic() + DEADLINE
    while len(smtp.messages()) < count and time.monotonic() < deadline:
        send_due()
        time.sleep(0.05)
    return smtp.messages()


def ask(client, email: str, **headers):
    """Ask for one's data as a reader does: the page's form, with its token."""
    page = soup(client.get("/meine-daten"))
    token = page.find("input", {"name": "csrf_token"})["value"]
    return client.post("/meine-daten", data={"email": email, "csrf_token": token}, headers=headers)


def link_path(message) -> str:
    [url] = LINK.findall(message.get_body(("plain",)).get_content())
    return "/" + url.split("/", 3)[3]


def press(client, path: str, button: str, **fields):
    """Open the link's page and press one of its buttons (a form's action ends in `button`)."""
    page = soup(client.get(path))
    form = next(f for f in page.find_all("form") if f["action"].endswith(button))
    data = {"csrf_token": form.find("input", {"name": "csrf_token"})["value"], **fields}
    return client.post(form["action"], data=data)


def counters(article_id: int) -> tuple[int, int]:
    """An article's comment count and version as stored now."""
    row = db.session.execute(
        select(Article.comment_count, Article.comment_version).where(Article.id == article_id)
    ).one()
    return tuple(row)


def audit_entries() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.like("personal_data.%"))
            .order_by(AuditEntry.id)
        )
    )


def no_address_anywhere(address: str) -> None:
    """The address is in no comment, subscription or audit entry, in any case."""
    lowered = address.lower()
    assert not db.session.scalar(
        select(func.count()).select_from(Comment).where(func.lower(Comment.email) == lowered)
    )
    assert not db.session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(func.lower(Subscription.email) == lowered)
    )
    for entry in audit_entries():
        for value in (entry.subject, entry.user_email, entry.before, entry.after):
            assert lowered not in value.lower()


def test_a_reader_asks_downloads_and_erases_their_data(app, client, article, erikas, smtp):
    reader = app.test_client()
    page = reader.get("/meine-daten")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers, "asking for nothing sets no cookie"
    form = soup(page).find("form", action="/meine-daten")
    assert form.find("label", {"for": "email"}).get_text() == "Ihre E-Mail-Adresse"

    answer = ask(reader, " ERIKA@example.org ")
    assert answer.status_code == 200
    assert ASKED in soup(answer).find(id="meine-daten-status").get_text()
    assert "Set-Cookie" not in answer.headers
    assert {"private", "no-store"} <= set(
        answer.headers["Cache-Control"].replace(" ", "").split(",")
    )

    [mail] = deliver(smtp, 1)
    assert mail["To"] == "erika@example.org"
    assert mail["Subject"] == "[Zirkel] Ihre Daten: herunterladen oder löschen"
    path = link_path(mail)
    assert "erika" not in path.lower(), "the address never stands in a URL"

    # The link shows; a GET changes nothing.
    shown = reader.get(path)
    assert shown.status_code == 200
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in shown.headers["Cache-Control"]
    page = soup(shown)
    assert "2 Kommentare" in page.find("main").get_text()
    names = [td.get_text() for td in page.select("td[data-label=Name]")]
    assert names == ["Erika Muster", "Erika M."]
    assert [b.get_text() for b in page.select("main form button")] == [
        "Als JSON herunterladen",
        "Löschen",
    ]
    box = page.find("input", {"name": "texts"})
    assert page.find("label", {"for": box["id"]}).get_text() == "Auch die Texte löschen"

    # The download: only Erika's comments, and nobody else's data.
    download = press(reader, path, "/json")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    data = json.loads(download.get_data(as_text=True))
    assert [c["text"] for c in data["comments"]] == ["Erster", "Zweiter"]
    first, second = data["comments"]
    assert first["name"] == "Erika Muster" and first["status"] == "visible"
    assert first["article"]["title"] == "Radwege im Winter"
    assert first["article"]["url"].endswith(f"/artikel/{article.slug}")
    assert first["replies_to"] is None and second["replies_to"] == erikas.bernd.id
    assert first["created_at"].endswith("Z")
    text = download.get_data(as_text=True)
    for other in ("Bernd", "bernd@example.org", "Clara", "clara@example.org", "Claras Antwort"):
        assert other not in text

    # Erase, the texts kept: the article shows "Gelöscht" where the name was.
    article_id, slug = article.id, article.slug
    count, version = counters(article_id)
    erased = press(reader, path, "/loeschen")
    assert erased.status_code == 200
    assert "Erledigt" in soup(erased).find("main").get_text()
    assert counters(article_id)[0] == count
    assert counters(article_id)[1] > version, "cached pages render anew"
    page = soup(reader.get(f"/artikel/{slug}"))
    authors = [a.get_text() for a in page.select(".comment-author")]
    assert authors.count("Gelöscht") == 2
    assert "Erika Muster" not in authors and "Erika M." not in authors
    assert "Erster" in page.get_text() and "Zweiter" in page.get_text()
    no_address_anywhere("erika@example.org")
    kept = db.session.execute(
        select(Comment.network, Comment.fingerprint).where(Comment.id == erikas.first.id)
    ).one()
    assert tuple(kept) == (None, None)

    # Once: the link is used up.
    again = reader.get(path)
    assert again.status_code == 410
    assert "bereits benutzt" in soup(again).find("main").get_text()

    actions = [entry.action for entry in audit_entries()]
    assert actions == ["personal_data.request", "personal_data.export", "personal_data.erase"]
    for entry in audit_entries():
        assert entry.subject == "e***@example.org"
        assert entry.user_email == "/meine-daten"
        assert len(json.loads(entry.after)["address_key"]) == 16


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, client, erikas, smtp):
    known = ask(app.test_client(), "erika@example.org")
    unknown = ask(app.test_client(), "niemand@example.org")
    assert unknown.status_code == known.status_code == 200
    assert (
        soup(unknown).find(id="meine-daten-status").get_text()
        == soup(known).find(id="meine-daten-status").get_text()
    )
    deliver(smtp, 1)
    send_due()
    assert [m["To"] for m in smtp.messages()] == ["erika@example.org"]
    entries = audit_entries()
    assert [json.loads(e.after)["mailed"] for e in entries] == [True, False]
    assert entries[1].subject == "n***@example.org"
    no_address_anywhere("niemand@example.org")


def test_erasing_the_texts_keeps_the_threads_shape(app, client, article, erikas, smtp):
    article_id, slug, first_id = article.id, article.slug, erikas.first.id
    ask(app.test_client(), "erika@example.org")
    path = link_path(deliver(smtp, 1)[0])
    count, _version = counters(article_id)

    press(app.test_client(), path, "/loeschen", texts="y")

    assert counters(article_id)[0] == count - 2
    page = soup(app.test_client().get(f"/artikel/{slug}"))
    texts = [t.get_text().strip() for t in page.select(".comment-text")]
    assert "Erster" not in texts and "Zweiter" not in texts
    assert "Claras Antwort" in texts and "Bernds Text" in texts
    assert "Dieser Kommentar wurde gelöscht." in page.get_text(), "Clara's reply stays in place"
    stored = db.session.get(Comment, first_id)
    assert (stored.name, stored.email, stored.text, stored.status) == (
        "Gelöscht",
        "",
        "",
        CommentStatus.DELETED,
    )
    assert json.loads(audit_entries()[-1].after)["texts_erased"] is True


def test_erasing_in_the_browser_that_kept_the_address_forgets_it(app, client, article, smtp):
    post_comment(client, article, email="erika@example.org", remember="y")
    assert client.get_cookie("zirkel_name") is not None
    ask(client, "erika@example.org")
    erased = press(client, link_path(deliver(smtp, 1)[0]), "/loeschen")
    assert erased.status_code == 200
    assert client.get_cookie("zirkel_name") is None


def test_subscriptions_of_the_address_go_with_it(app, client, article, smtp):
    post_comment(client, article, email="erika@example.org", text="Mit Abo", notify="y")
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 1
    ask(app.test_client(), "erika@example.org")
    path = link_path(deliver(smtp, 2)[1])
    press(app.test_client(), path, "/loeschen")
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_a_used_or_expired_or_forged_link_is_refused(app, client, erikas, smtp, monkeypatch):
    ask(app.test_client(), "erika@example.org")
    path = link_path(deliver(smtp, 1)[0])
    reader = app.test_client()

    assert reader.get(path + "x").status_code == 400
    later = types.SimpleNamespace(time=lambda: time.time() + links.LINK_MAX_AGE + 60)
    monkeypatch.setattr("itsdangerous.timed.time", later)
    assert reader.get(path).status_code == 410
    monkeypatch.undo()

    assert press(reader, path, "/loeschen").status_code == 200
    page = soup(reader.get("/meine-daten"))
    token = page.find("input", {"name": "csrf_token"})["value"]
    refused = reader.post(f"{path}/loeschen", data={"csrf_token": token})
    assert refused.status_code == 410
    assert reader.post(f"{path}/json", data={"csrf_token": token}).status_code == 410


def test_one_mail_per_address_in_ten_minutes_and_a_network_is_throttled(app, client, erikas, smtp):
    reader = app.test_client()
    for _ in range(3):
        assert ask(reader, "erika@example.org").status_code == 200
    deliver(smtp, 1)
    send_due()
    assert len(smtp.messages()) == 1, "no mail storm"
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1

    assert ask(reader, "a@example.org").status_code == 200
    assert ask(reader, "b@example.org").status_code == 200
    refused = ask(reader, "c@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "oft gefragt" in soup(refused).find(id="meine-daten-status").get_text()
    assert len(audit_entries()) == links.NETWORK_LIMIT, "a refused request stores nothing"


def test_the_form_with_htmx_answers_with_its_section(app, erikas, smtp):
    reader = app.test_client()
    answer = ask(reader, "erika@example.org", **HTMX)
    assert answer.status_code == 200
    section = soup(answer).find("section", id="meine-daten")
    assert section is not None and soup(answer).find("html") is None
    assert ASKED in section.get_text()
    assert "HX-Request" in answer.headers["Vary"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Bitte geben Sie Ihre E-Mail-Adresse ein."),
        ('"><script>alert(1)</script>', "gültige E-Mail-Adresse"),
        ("keine-adresse", "gültige E-Mail-Adresse"),
    ],
)
def test_a_wrong_address_is_said_beside_the_field_and_never_rendered_raw(app, typed, message):
    answer = ask(app.test_client(), typed)
    assert answer.status_code == 422
    page = soup(answer)
    field = page.find("input", id="email")
    assert field["aria-invalid"] == "true"
    assert message in page.find(id="email-fehler").get_text()
    assert "email-fehler" in field["aria-describedby"]
    assert field["value"] == typed.strip()
    assert page.find("main").find("script") is None
    assert not audit_entries()


def test_what_a_reader_typed_is_escaped_on_the_link_page(app, client, article, smtp):
    evil = '<img src=x onerror="alert(1)">Erika'
    post_comment(client, article, name=evil, email="erika@example.org", text="Hallo")
    ask(app.test_client(), "erika@example.org")
    page = soup(app.test_client().get(link_path(deliver(smtp, 1)[0])))
    cell = page.find("td", {"data-label": "Name"})
    assert cell.get_text() == evil
    assert cell.find("img") is None


def test_forms_from_other_sites_are_refused(app, erikas):
    reader = app.test_client()
    page = soup(reader.get("/meine-daten"))
    token = page.find("input", {"name": "csrf_token"})["value"]
    answer = reader.post(
        "/meine-daten",
        data={"email": "erika@example.org", "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403
    assert not audit_entries()


# --- the editorial area -----------------------------------------------------------------


@pytest.fixture
def admin(app):
    client = app.test_client()
    make_user("chefin@example.org", role=Role.ADMIN)
    login(client, "chefin@example.org")
    return client


def test_an_admin_looks_up_downloads_and_erases_a_persons_data(app, admin, article, erikas):
    url, slug = "/verwaltung/personendaten", article.slug
    page = soup(admin.get(url))
    assert page.find("label", {"for": "email"}).get_text() == "E-Mail-Adresse"
    assert page.find("a", href=url) is not None, "the menu links to it"
    token = session_token(admin, url)

    found = admin.post(url, data={"email": "Erika@example.org", "csrf_token": token})
    assert found.status_code == 200
    page = soup(found)
    assert "2 Kommentare." in page.get_text()
    assert "no-store" in found.headers["Cache-Control"]

    download = admin.post(f"{url}/json", data={"email": "erika@example.org", "csrf_token": token})
    assert download.mimetype == "application/json"
    assert [c["text"] for c in json.loads(download.get_data())["comments"]] == [
        "Erster",
        "Zweiter",
    ]

    asked = admin.post(f"{url}/loeschen", data={"email": "erika@example.org", "csrf_token": token})
    assert asked.status_code == 200
    assert "Endgültig löschen" in soup(asked).get_text()
    assert (
        db.session.scalar(select(func.count()).select_from(Comment).where(Comment.email != "")) == 4
    ), "asking changes nothing"

    done = admin.post(
        f"{url}/loeschen",
        data={"email": "erika@example.org", "csrf_token": token, "bestaetigt": "ja"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "e***@example.org" in soup(done).find(class_="flash-success").get_text()
    no_address_anywhere("erika@example.org")
    page = soup(admin.get(f"/artikel/{slug}"))
    assert [a.get_text() for a in page.select(".comment-author")].count("Gelöscht") == 2

    entries = audit_entries()
    assert [e.action for e in entries] == [
        "personal_data.lookup",
        "personal_data.export",
        "personal_data.erase",
    ]
    assert {e.user_email for e in entries} == {"chefin@example.org"}
    log = soup(admin.get("/verwaltung/protokoll?aktion=personendaten"))
    assert "Personendaten: gelöscht" in log.get_text()
    assert "erika@example.org" not in log.get_text()


def test_only_admins_see_personal_data(app, client):
    make_user("moderation@example.org", role=Role.MODERATOR)
    login(client, "moderation@example.org")
    assert client.get("/verwaltung/personendaten").status_code == 403
