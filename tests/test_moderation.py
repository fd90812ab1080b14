"""Moderation: the queue, actions in place and without JavaScript, bulk actions, editing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache

import pytest
from sqlalchemy import select

from factories import make_article, make_comment
from helpers import HTMX, soup, textarea_value
from webapp.editorial.auth import hash_password
from webapp.extensions import db
from webapp.models import Article, AuditEntry, Comment, CommentStatus, Role, User, utcnow

PASSWORD = "moderation-geheim-42"
QUEUE = "/verwaltung/kommentare"


@cache
def password_hash() -> str:
    # scrypt is slow on purpose; one hash serves every account of the test run.
    return hash_password(PASSWORD)


def make_user(email: str = "moderation@example.org", role: Role = Role.MODERATOR) -> User:
    user = User(email=email, role=role, password_hash=password_hash())
    db.session.add(user)
    db.session.commit()
    return user


def login(client, email: str, password: str = PASSWORD):
    """Log in through the form, with the session's CSRF token from the login page."""
    page = client.get("/verwaltung/anmelden")
    token = soup(page).find("input", {"name": "csrf_token"})["value"]
    response = client.post(
        "/verwaltung/anmelden", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def session_token(client) -> str:
    """The session's CSRF token, as the editorial pages hand it to htmx (hx-headers)."""
    body = soup(client.get("/verwaltung/")).find("body")
    return json.loads(body["hx-headers"])["X-CSRFToken"]


def htmx_post(client, url: str, data: dict | None = None):
    """Post as htmx does from an editorial page: the form's fields (with its hidden token)
    and the token in the header from hx-headers."""
    token = session_token(client)
    return client.post(
        url, data={**(data or {}), "csrf_token": token}, headers={**HTMX, "X-CSRFToken": token}
    )


def fresh(comment: Comment) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment.id)


def article_count(article: Article) -> int:
    db.session.expire_all()
    return db.session.get(Article, article.id).comment_count


def rows(page) -> list:
    return page.select("li.moderation-item")


def audit_entries() -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


@pytest.fixture
def article(app):
    return make_article(title="Über Zirkel")


@pytest.fixture
def moderator(app, client):
    user = make_user()
    login(client, user.email)
    return user


@pytest.fixture
def pending(article):
    return make_comment(
        article,
        status=CommentStatus.PENDING,
        name="Erika",
        email="erika@example.org",
        text="Erste Zeile\nZweite Zeile <b>nicht fett</b>",
        created_at=datetime(2014, 3, 21, 13, 5),
    )


# --- the queue ----------------------------------------------------------------------------


def test_queue_shows_held_comments_newest_first_with_everything_a_moderator_needs(
    client, moderator, article, pending
):
    """Title (link), name, e-mail, German date, text with line breaks, status in words."""
    newer = make_comment(article, status=CommentStatus.PENDING, name="Otto")
    make_comment(article, name="Sichtbar")  # visible: not in the default view

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.find("h1").get_text() == "Kommentare"
    assert page.find("select", id="filter-status").find("option", selected=True).get_text() == (
        "Wartet auf Freigabe"
    )
    assert [row["id"] for row in rows(page)] == [
        f"moderation-kommentar-{newer.id}",
        f"moderation-kommentar-{pending.id}",
    ]
    row = page.find("li", id=f"moderation-kommentar-{pending.id}")
    assert row.find("h2").get_text() == "Kommentar von Erika"
    link = row.find("a", href=f"/artikel/{article.slug}")
    assert link.get_text() == "Über Zirkel"
    assert row.find(class_="moderation-email").get_text() == "erika@example.org"
    assert row.find("time").get_text() == "21. März 2014 um 14:05"
    assert row.find(class_="moderation-state").get_text() == "Wartet auf Freigabe"
    text = row.find(class_="comment-text")
    assert text.get_text() == "Erste Zeile\nZweite Zeile <b>nicht fett</b>"
    assert text.find("b") is None, "reader text is escaped"
    checkbox = row.find("input", type="checkbox")
    assert checkbox["form"] == "sammelaktion"
    assert row.find("label", attrs={"for": checkbox["id"]}).get_text() == (
        "Kommentar von Erika auswählen"
    )
    buttons = [b.get_text(" ", strip=True) for b in row.find_all("button")]
    assert buttons == [
        "Freigeben : Kommentar von Erika",
        "Als Spam markieren : Kommentar von Erika",
        "Löschen : Kommentar von Erika",
    ]
    assert page.find("p", class_="moderation-total").get_text() == "2 Kommentare"
    assert page.find(id="moderation-status")["role"] == "status"


def test_every_action_form_posts_with_and_without_htmx_and_carries_its_token(
    client, moderator, pending
):
    """method/action and hx-post to the same URL, the row as target, the session token."""
    row = soup(client.get(f"{QUEUE}?suche=Erika")).find("li", class_="moderation-item")
    forms = row.find_all("form")
    assert len(forms) == 3
    for form in forms:
        assert form["method"] == "post"
        assert form["action"] == form["hx-post"]
        assert form["action"].endswith("?suche=Erika"), "the filters travel with the action"
        assert form["hx-target"] == f"#moderation-kommentar-{pending.id}"
        # The same session token; its signature carries the second it was made in.
        token = form.find("input", {"name": "csrf_token"})["value"]
        assert token.split(".")[0] == session_token(client).split(".")[0]


def test_approve_in_place_with_htmx(client, moderator, article, pending):
    """The answer is the row in its new state, the announcement out of band; readers see it."""
    response = htmx_post(client, f"{QUEUE}/{pending.id}/freigeben")

    assert response.status_code == 200
    page = soup(response)
    assert page.find("html") is None, "htmx gets fragments"
    row = page.find("li", id=f"moderation-kommentar-{pending.id}")
    assert row.find(class_="moderation-state").get_text() == "Freigegeben"
    assert row.find("h2").has_attr("autofocus"), "focus stays on the changed row"
    labels = [b.get_text(" ", strip=True).split(" :")[0] for b in row.find_all("button")]
    assert labels == ["Als Spam markieren", "Löschen"]
    status = page.find(id="moderation-status")
    assert status["hx-swap-oob"] == "innerHTML"  # the region stays, its content changes
    assert status.get_text(strip=True) == "Der Kommentar von Erika ist freigegeben."
    total = page.find(id="moderation-total")
    assert total["hx-swap-oob"] == "true"
    assert total.get_text() == "0 Kommentare", "the queue's number follows the action"

    assert fresh(pending).status == CommentStatus.VISIBLE
    public = soup(client.get(f"/artikel/{article.slug}"))
    assert public.find(id="kommentar-anzahl").get_text() == "1 Kommentar"
    assert public.find("li", id=f"kommentar-{pending.id}") is not None


def test_approve_without_javascript_redirects_back_with_the_filters(client, moderator, pending):
    """303 to the queue with the same filters, and a flashed message there."""
    response = client.post(
        f"{QUEUE}/{pending.id}/freigeben?status=alle&suche=Erika&seite=1",
        data={"csrf_token": session_token(client)},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"{QUEUE}?status=alle&suche=Erika"
    page = soup(client.get(response.headers["Location"]))
    assert page.find(class_="flash").get_text() == "Der Kommentar von Erika ist freigegeben."
    row = page.find("li", id=f"moderation-kommentar-{pending.id}")
    assert row.find(class_="moderation-state").get_text() == "Freigegeben"


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("spam", CommentStatus.SPAM, "Der Kommentar von Erika ist als Spam markiert."),
        ("loeschen", CommentStatus.DELETED, "Der Kommentar von Erika ist gelöscht."),
    ],
)
def test_spam_and_delete_hide_a_visible_comment_and_keep_the_row(
    client, moderator, article, action, status, message
):
    """The count goes down, the public page no longer shows it; nothing is deleted for real."""
    comment = make_comment(article, name="Erika")
    assert article_count(article) == 1

    response = htmx_post(client, f"{QUEUE}/{comment.id}/{action}")

    assert response.status_code == 200
    page = soup(response)
    assert page.find(id="moderation-status").get_text(strip=True) == message
    assert fresh(comment).status == status, "the row stays in the database"
    assert article_count(article) == 0
    public = soup(client.get(f"/artikel/{article.slug}"))
    assert public.find(id="kommentar-anzahl").get_text() == "0 Kommentare"
    assert public.find("li", id=f"kommentar-{comment.id}") is None


def test_a_deleted_comment_can_be_approved_again(client, moderator, article, pending):
    htmx_post(client, f"{QUEUE}/{pending.id}/loeschen")
    htmx_post(client, f"{QUEUE}/{pending.id}/freigeben")

    assert fresh(pending).status == CommentStatus.VISIBLE
    assert article_count(article) == 1


def test_approving_twice_counts_once(client, moderator, article, pending):
    """A double click changes nothing the second time, and logs nothing either."""
    for _ in range(2):
        htmx_post(client, f"{QUEUE}/{pending.id}/freigeben")

    assert article_count(article) == 1
    assert [entry.action for entry in audit_entries()] == ["approve"]


def test_action_on_unknown_comment_is_404(client, moderator):
    response = htmx_post(client, f"{QUEUE}/999/freigeben")

    assert response.status_code == 404
    assert "Unter dieser Adresse gibt es keinen Kommentar." in response.get_data(as_text=True)


# --- bulk actions -------------------------------------------------------------------------


def test_bulk_approve_two_in_place(client, moderator, article, pending):
    """Each ticked row comes back out of band; the bulk form comes back reset."""
    other = make_comment(article, status=CommentStatus.PENDING, name="Otto")
    untouched = make_comment(article, status=CommentStatus.PENDING, name="Nicht")

    response = htmx_post(
        client,
        f"{QUEUE}/sammelaktion",
        {"kommentar": [str(pending.id), str(other.id)], "aktion": "freigeben"},
    )

    assert response.status_code == 200
    page = soup(response)
    form = page.find("form", id="sammelaktion")
    assert form.find("select").find("option", selected=True) is None, "reset to “choose”"
    for comment in (pending, other):
        row = page.find("li", id=f"moderation-kommentar-{comment.id}")
        assert row["hx-swap-oob"] == "true"
        assert row.find(class_="moderation-state").get_text() == "Freigegeben"
        assert fresh(comment).status == CommentStatus.VISIBLE
    assert page.find("li", id=f"moderation-kommentar-{untouched.id}") is None
    assert page.find(id="moderation-status").get_text(strip=True) == (
        "2 Kommentare wurden freigegeben."
    )
    assert fresh(untouched).status == CommentStatus.PENDING
    assert article_count(article) == 2
    entries = audit_entries()
    assert {(e.action, e.comment_id) for e in entries} == {
        ("bulk_approve", pending.id),
        ("bulk_approve", other.id),
    }


def test_bulk_action_without_javascript(client, moderator, article, pending):
    other = make_comment(article, status=CommentStatus.PENDING, name="Otto")

    response = client.post(
        f"{QUEUE}/sammelaktion?status=alle",
        data={
            "kommentar": [str(pending.id), str(other.id)],
            "aktion": "spam",
            "csrf_token": session_token(client),
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"{QUEUE}?status=alle"
    page = soup(client.get(response.headers["Location"]))
    assert page.find(class_="flash").get_text() == "2 Kommentare wurden als Spam markiert."
    assert {fresh(pending).status, fresh(other).status} == {CommentStatus.SPAM}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"aktion": "freigeben"}, "Bitte wählen Sie mindestens einen Kommentar aus."),
        ({"aktion": ""}, "Bitte wählen Sie eine Aktion."),
    ],
    ids=["nothing ticked", "no action chosen"],
)
def test_incomplete_bulk_action_is_422_and_changes_nothing(
    client, moderator, pending, data, message
):
    """The whole queue with the message at the select, and the ticks kept."""
    if "kommentar" not in data and data["aktion"] == "":
        data = {**data, "kommentar": [str(pending.id)]}

    response = client.post(
        f"{QUEUE}/sammelaktion", data={**data, "csrf_token": session_token(client)}
    )

    assert response.status_code == 422
    page = soup(response)
    select_field = page.find("select", {"name": "aktion"})
    assert select_field["aria-invalid"] == "true"
    error = page.find(id=select_field["aria-describedby"].split()[-1])
    assert message in error.get_text()
    checkbox = page.find("input", id=f"auswahl-{pending.id}")
    assert checkbox.has_attr("checked") == ("kommentar" in data)
    assert fresh(pending).status == CommentStatus.PENDING
    assert audit_entries() == []


def test_incomplete_bulk_action_with_htmx_announces_the_problem(client, moderator, pending):
    response = htmx_post(client, f"{QUEUE}/sammelaktion", {"aktion": "freigeben"})

    assert response.status_code == 422
    page = soup(response)
    assert page.find("form", id="sammelaktion").find(class_="field-error") is not None
    assert page.find(id="moderation-status").get_text(strip=True) == (
        "Bitte wählen Sie mindestens einen Kommentar aus."
    )


# --- editing ------------------------------------------------------------------------------


def test_edit_page_shows_the_comment_in_the_public_form_fields(client, moderator, pending):
    response = client.get(f"{QUEUE}/{pending.id}/bearbeiten")

    assert response.status_code == 200
    page = soup(response)
    assert page.find("h1").get_text() == "Kommentar bearbeiten"
    form = page.find("form", id="kommentar-bearbeiten")
    assert form["action"] == form["hx-post"] == f"{QUEUE}/{pending.id}/bearbeiten"
    assert form.has_attr("novalidate")
    assert form.find("input", {"name": "name"})["value"] == "Erika"
    assert form.find("input", {"name": "email"})["value"] == "erika@example.org"
    assert textarea_value(form.find("textarea", {"name": "text"})) == pending.text
    for name in ("name", "email", "text"):
        field = form.find(attrs={"name": name})
        assert form.find("label", attrs={"for": field["id"]}) is not None
    # The editorial area's session token, not the readers' session-less one.
    token = form.find("input", {"name": "csrf_token"})["value"]
    assert token.split(".")[0] == session_token(client).split(".")[0]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "Bitte geben Sie Ihren Namen ein."),
        ({"email": "keine-adresse"}, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        (
            {"text": "t" * 5001},
            "text",
            "Der Kommentar darf höchstens 5.000 Zeichen lang sein (Ihrer hat 5.001).",
        ),
    ],
    ids=["empty name", "invalid e-mail", "text too long"],
)
def test_edit_with_invalid_input_is_422_and_changes_nothing(
    client, moderator, pending, fields, field, message
):
    """The public form's rules and German messages, tied to the field."""
    data = {"name": "Erika", "email": "erika@example.org", "text": "Neu", **fields}

    response = client.post(
        f"{QUEUE}/{pending.id}/bearbeiten", data={**data, "csrf_token": session_token(client)}
    )

    assert response.status_code == 422
    page = soup(response)
    element = page.find(attrs={"name": field})
    assert element["aria-invalid"] == "true"
    assert message in page.find(id=f"{field}-fehler").get_text()
    assert f"{field}-fehler" in element["aria-describedby"].split()
    assert element.has_attr("autofocus")
    assert page.find("a", href=f"#{field}") is not None, "the summary links to the field"
    assert fresh(pending).text == pending.text
    assert audit_entries() == []


def test_edit_with_invalid_input_through_htmx_returns_the_form(client, moderator, pending):
    response = htmx_post(
        client,
        f"{QUEUE}/{pending.id}/bearbeiten",
        {"name": "", "email": "erika@example.org", "text": "Neu"},
    )

    assert response.status_code == 422
    page = soup(response)
    assert page.find("html") is None
    assert page.find("form", id="kommentar-bearbeiten") is not None
    assert page.find(id="moderation-status").get_text(strip=True) == (
        "Bitte füllen Sie alle Felder aus."
    )


def test_edit_with_valid_input_changes_the_public_page(client, moderator, article):
    comment = make_comment(article, name="Erika", text="Mit Tippfeler")

    response = client.post(
        f"{QUEUE}/{comment.id}/bearbeiten?status=sichtbar",
        data={
            "name": "Erika M.",
            "email": "erika@example.org",
            "text": "Ohne Tippfehler",
            "csrf_token": session_token(client),
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"{QUEUE}?status=sichtbar"
    flash = soup(client.get(response.headers["Location"])).find(class_="flash")
    assert flash.get_text() == "Der Kommentar von Erika M. wurde gespeichert."
    item = soup(client.get(f"/artikel/{article.slug}")).find("li", id=f"kommentar-{comment.id}")
    assert item.find(class_="comment-author").get_text() == "Erika M."
    assert item.find(class_="comment-text").get_text() == "Ohne Tippfehler"
    assert article_count(article) == 1
    [entry] = audit_entries()
    assert entry.action == "edit"
    assert json.loads(entry.before)["text"] == "Mit Tippfeler"
    assert json.loads(entry.after)["text"] == "Ohne Tippfehler"


def test_edit_with_htmx_sends_the_browser_back_to_the_queue(client, moderator, pending):
    response = htmx_post(
        client,
        f"{QUEUE}/{pending.id}/bearbeiten?suche=Erika",
        {"name": "Erika", "email": "erika@example.org", "text": "Neu"},
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"{QUEUE}?suche=Erika"
    assert fresh(pending).text == "Neu"


def test_edit_without_changes_logs_nothing(client, moderator, pending):
    response = client.post(
        f"{QUEUE}/{pending.id}/bearbeiten",
        data={
            "name": pending.name,
            "email": pending.email,
            "text": pending.text,
            "csrf_token": session_token(client),
        },
    )

    assert response.status_code == 303
    assert audit_entries() == []


# --- search, filters, pages ---------------------------------------------------------------


def texts_in(response) -> set[str]:
    return {row.find(class_="comment-text").get_text() for row in rows(soup(response))}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("erika", {"Hallo"}),  # name, case-insensitive
        ("OTTO@EXAMPLE", {"Über Ärger"}),  # e-mail
        ("ärger", {"Über Ärger"}),  # text, case-insensitive beyond ASCII
        ("100%", {"100% sicher"}),  # % is no wildcard …
        ("a_b", {"a_b"}),  # … and neither is _
        ("nichts dergleichen", set()),
    ],
)
def test_search_finds_name_email_and_text(client, moderator, article, term, expected):
    for name, email, text in [
        ("Erika", "erika@example.org", "Hallo"),
        ("Otto", "otto@example.org", "Über Ärger"),
        ("Anna", "anna@example.org", "100% sicher"),
        ("Bert", "bert@example.org", "1000 Dinge"),
        ("Carla", "carla@example.org", "a_b"),
        ("Dora", "dora@example.org", "axb"),
    ]:
        make_comment(article, status=CommentStatus.PENDING, name=name, email=email, text=text)

    response = client.get(QUEUE, query_string={"suche": term})

    assert texts_in(response) == expected
    assert soup(response).find("input", id="filter-suche")["value"] == term


def test_filters_by_status_and_article(client, moderator, article, pending):
    other_article = make_article(title="Anderes")
    visible = make_comment(article, text="sichtbar")
    spam = make_comment(article, status=CommentStatus.SPAM, text="spam")
    deleted = make_comment(article, status=CommentStatus.DELETED, text="weg")
    elsewhere = make_comment(other_article, status=CommentStatus.PENDING, text="anderswo")

    def ids(**query) -> set[int]:
        page = soup(client.get(QUEUE, query_string=query))
        return {int(row["id"].rsplit("-", 1)[1]) for row in rows(page)}

    assert ids() == {pending.id, elsewhere.id}
    assert ids(status="sichtbar") == {visible.id}
    assert ids(status="spam") == {spam.id}
    assert ids(status="geloescht") == {deleted.id}
    assert ids(status="alle") == {pending.id, visible.id, spam.id, deleted.id, elsewhere.id}
    assert ids(status="alle", artikel=other_article.id) == {elsewhere.id}
    assert ids(status="unsinn") == {pending.id, elsewhere.id}, "unknown filters fall back"
    options = soup(client.get(QUEUE)).find("select", id="filter-artikel").find_all("option")
    assert [o.get_text() for o in options] == ["Alle Artikel", "Anderes", "Über Zirkel"]


def test_pagination_keeps_the_filters(client, moderator, article):
    start = utcnow() - timedelta(hours=1)
    for n in range(30):
        make_comment(
            article,
            status=CommentStatus.PENDING,
            text=f"Nummer {n}",
            created_at=start + timedelta(minutes=n),
        )

    first = soup(client.get(QUEUE, query_string={"suche": "Nummer"}))
    assert len(rows(first)) == 25
    assert rows(first)[0].find(class_="comment-text").get_text() == "Nummer 29"
    nav = first.find("nav", class_="pagination")
    assert "Seite 1 von 2" in nav.get_text()
    next_url = nav.find("a", rel="next")["href"]
    assert next_url == f"{QUEUE}?suche=Nummer&seite=2"

    second = soup(client.get(next_url))
    assert [r.find(class_="comment-text").get_text() for r in rows(second)] == [
        f"Nummer {n}" for n in range(4, -1, -1)
    ]
    # Actions on page 2 come back to page 2.
    form = rows(second)[0].find("form")
    assert form["action"].endswith("?suche=Nummer&seite=2")


def test_filter_form_swaps_the_results_in_place(client, moderator, article, pending):
    """htmx gets the results and, out of band, how many; the same URL varies by HX-Request."""
    page = soup(client.get(QUEUE))
    form = page.find("form", role="search")
    assert form["method"] == "get"
    assert form["hx-get"] == form["action"] == QUEUE
    assert form["hx-target"] == "#moderation-ergebnis"

    response = client.get(QUEUE, query_string={"status": "alle"}, headers=HTMX)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = soup(response)
    assert fragment.find("html") is None
    assert fragment.find(id="moderation-ergebnis") is not None
    assert fragment.find(id="moderation-status").get_text(strip=True) == ("1 Kommentar gefunden.")


def test_empty_queue_says_so(client, moderator):
    page = soup(client.get(QUEUE))
    assert "Keine Kommentare entsprechen diesen Filtern." in page.get_text()
    assert page.find("form", id="sammelaktion") is None


# --- who may ------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, pending):
    for url in (QUEUE, f"{QUEUE}/{pending.id}/bearbeiten", "/verwaltung/protokoll"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/verwaltung/anmelden?next=")


def test_editors_may_not_moderate(client, app, pending):
    make_user("redaktion@example.org", Role.EDITOR)
    login(client, "redaktion@example.org")

    assert client.get(QUEUE).status_code == 403
    response = htmx_post(client, f"{QUEUE}/{pending.id}/freigeben")
    assert response.status_code == 403
    assert fresh(pending).status == CommentStatus.PENDING
    nav = soup(client.get("/verwaltung/")).find("nav", class_="editorial-nav")
    assert "Kommentare" not in nav.get_text()


def test_admins_may_moderate_and_see_the_links(client, app, pending):
    make_user("admin@example.org", Role.ADMIN)
    login(client, "admin@example.org")

    assert client.get(QUEUE).status_code == 200
    nav = soup(client.get("/verwaltung/")).find("nav", class_="editorial-nav")
    links = {a.get_text(): a["href"] for a in nav.find_all("a")}
    assert links["Kommentare"] == QUEUE
    assert links["Protokoll"] == "/verwaltung/protokoll"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/{id}/freigeben", {}),
        ("/{id}/spam", {}),
        ("/{id}/loeschen", {}),
        ("/sammelaktion", {"kommentar": "{id}", "aktion": "freigeben"}),
        ("/{id}/bearbeiten", {"name": "X", "email": "x@example.org", "text": "X"}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_posts_without_csrf_token_are_refused(client, moderator, pending, path, data, htmx):
    """400 with the German message, and nothing changes."""
    data = {key: value.format(id=pending.id) for key, value in data.items()}

    response = client.post(
        QUEUE + path.format(id=pending.id), data=data, headers=HTMX if htmx else {}
    )

    assert response.status_code == 400
    assert "Das Formular ist abgelaufen." in response.get_data(as_text=True)
    assert fresh(pending).status == CommentStatus.PENDING
    assert fresh(pending).name == "Erika"
    assert audit_entries() == []
