"""Mail about replies: double opt-in, one mail per reply, one-click unsubscribe, exactly
once even when the mail server was down. Against a real SMTP server on loopback."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from editorial_helpers import login, make_user
from factories import make_article
from helpers import post_comment, soup
from mailserver import DEADLINE
from webapp.comments import subscriptions
from webapp.extensions import db
from webapp.mail import send_due
from webapp.mail.models import OutboxMail
from webapp.models import Comment, CommentStatus, Role, Subscription
from webapp.site_settings import set_setting

LINK = re.compile(r"https?://\S+/benachrichtigungen/(?:bestaetigen|abbestellen)/\S+")


@pytest.fixture
def article(app):
    return make_article(title="Radwege im Winter")


def deliver(smtp, count: int) -> list:
    """Send what is due (as a worker's sender would) until `count` mails have arrived."""
    deadline = time.monotonic() + DEADLINE
    while len(smtp.messages()) < count and time.monotonic() < deadline:
        send_due()
        time.sleep(0.05)
    return smtp.messages()


def reply(app, article, comment, text: str, **fields) -> None:
    """Another reader answers the comment, through the form."""
    post_comment(app.test_client(), article, text=text, antwort_auf=str(comment.id), **fields)


def links(message) -> list[str]:
    return LINK.findall(message.get_body(("plain",)).get_content())


def subscribe(client, article, text="Mein Kommentar", **fields) -> Comment:
    post_comment(client, article, text=text, notify="y", email="leserin@example.org", **fields)
    return db.session.scalar(select(Comment).where(Comment.text == text))


def press(client, url: str):
    """Open a link from a mail and press its button, as a reader does."""
    path = "/" + url.split("/", 3)[3]
    page = soup(client.get(path))
    token = page.find("input", {"name": "csrf_token"})["value"]
    return client.post(path, data={"csrf_token": token})


def test_the_box_is_unticked_and_only_there_when_mail_can_be_sent(client, app, article, smtp):
    form = soup(client.get(f"/artikel/{article.slug}")).find("form", id="kommentar-formular")
    box = form.find("input", {"name": "notify"})
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    assert (
        form.find("label", {"for": box["id"]}).get_text()
        == "Bei Antworten per E-Mail benachrichtigen"
    )
    app.config["SMTP_HOST"] = None
    other = make_article()
    form = soup(client.get(f"/artikel/{other.slug}")).find("form", id="kommentar-formular")
    assert form.find("input", {"name": "notify"}) is None


def test_ticking_the_box_sends_a_confirmation_and_nothing_else(client, app, article, smtp):
    comment = subscribe(client, article)
    [confirmation] = deliver(smtp, 1)

    assert confirmation["To"] == "leserin@example.org"
    assert "Bitte bestätigen" in confirmation["Subject"]
    assert "List-Unsubscribe" not in confirmation
    # Not confirmed: a reply sends nothing.
    reply(app, article, comment, text="Eine Antwort")
    send_due()
    assert len(smtp.messages()) == 1


def test_the_link_only_shows_a_page_its_button_confirms(client, app, article, smtp):
    comment = subscribe(client, article)
    [url] = links(deliver(smtp, 1)[0])
    path = "/" + url.split("/", 3)[3]

    page = soup(client.get(path))
    assert page.find("h1").get_text() == "E-Mails bei Antworten"
    assert db.session.scalar(select(Subscription.confirmed_at)) is None, "a GET never acts"
    response = press(client, url)
    assert "Bestätigt" in soup(response).find(id="benachrichtigung-status").get_text()
    assert db.session.scalar(select(Subscription.confirmed_at)) is not None

    reply(app, article, comment, name="Bernd", text="Gute Frage!\nZweite Zeile")
    mail = deliver(smtp, 2)[1]
    assert mail["Subject"] == "[Zirkel] Bernd hat auf Ihren Kommentar geantwortet"
    body = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "> Gute Frage!\n> Zweite Zeile" in body
    assert "/kommentare/" in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        mail["List-Unsubscribe"].startswith("<http") and "abbestellen" in mail["List-Unsubscribe"]
    )


def confirmed(client, article, smtp) -> Comment:
    comment = subscribe(client, article)
    [url] = links(deliver(smtp, 1)[0])
    press(client, url)
    smtp.accepted.clear()
    return comment


def test_one_mail_per_reply_and_none_for_ones_own(client, app, article, smtp):
    comment = confirmed(client, article, smtp)
    reply(app, article, comment, text="Eins")
    reply(app, article, comment, text="Zwei")
    reply(app, article, comment, text="Selbst", email="leserin@example.org")
    post_comment(app.test_client(), article, text="Woanders")  # not a reply to it
    assert len(deliver(smtp, 2)) == 2
    send_due()
    assert len(smtp.messages()) == 2


def test_a_reply_while_the_mail_server_is_down_arrives_once_when_it_is_back(
    client, app, article, smtp
):
    comment = confirmed(client, article, smtp)
    smtp.stop()
    reader = app.test_client()
    post_comment(reader, article, text="Während der Pause", antwort_auf=str(comment.id))
    send_due()
    waiting = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "reply"))
    assert waiting.status == "waiting" and waiting.last_error

    smtp.start()
    db.session.execute(OutboxMail.__table__.update().values(due_at=waiting.created_at))
    db.session.commit()
    [mail] = deliver(smtp, 1)
    assert "Während der Pause" in mail.get_body(("plain",)).get_content()
    send_due()
    assert len(smtp.messages()) == 1


def test_one_click_unsubscribe_stops_the_mails(client, app, article, smtp):
    comment = confirmed(client, article, smtp)
    reply(app, article, comment, text="Vorher")
    [mail] = deliver(smtp, 1)
    url = mail["List-Unsubscribe"].strip("<>")
    path = "/" + url.split("/", 3)[3]

    # A mail program's one click: a POST with that body and nothing else.
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    reply(app, article, comment, text="Nachher")
    send_due()
    assert len(smtp.messages()) == 1


def test_the_unsubscribe_link_in_the_text_asks_first(client, app, article, smtp):
    comment = confirmed(client, article, smtp)
    reply(app, article, comment, text="Vorher")
    [mail] = deliver(smtp, 1)
    [url] = links(mail)
    path = "/" + url.split("/", 3)[3]
    client.get(path)
    assert db.session.scalar(select(Subscription.unsubscribed_at)) is None
    press(client, url)
    assert db.session.scalar(select(Subscription.unsubscribed_at)) is not None


def test_a_held_comment_s_author_hears_when_it_is_approved(client, app, article, smtp):
    set_setting("moderation", "all")
    db.session.commit()
    comment = subscribe(client, article, text="Wartet erst")
    assert comment.status == CommentStatus.PENDING
    [url] = links(deliver(smtp, 1)[0])
    press(client, url)
    smtp.accepted.clear()

    moderator = app.test_client()
    make_user(email="mod@example.org", role=Role.MODERATOR)
    login(moderator, "mod@example.org")
    token = moderator.get("/verwaltung/kommentare").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token)[1]
    moderator.post(f"/verwaltung/kommentare/{comment.id}/freigeben", data={"csrf_token": token})
    assert db.session.get(Comment, comment.id).status == CommentStatus.VISIBLE

    [approved] = deliver(smtp, 1)
    assert approved["Subject"] == "[Zirkel] Ihr Kommentar ist freigeschaltet"


def test_ticking_under_many_comments_sends_one_confirmation_in_ten_minutes(
    client, app, article, smtp
):
    for n in range(3):
        subscribe(client, article, text=f"Nummer {n}")
    deliver(smtp, 1)
    send_due()
    assert len(smtp.messages()) == 1
    assert db.session.query(Subscription).count() == 3


def test_forged_or_expired_links_get_a_german_page(client, app, article, smtp):
    comment = subscribe(client, article)
    subscription = db.session.scalar(select(Subscription))
    for path in (
        "/benachrichtigungen/bestaetigen/gefälscht",
        "/benachrichtigungen/abbestellen/gefälscht",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "nicht (mehr) gültig" in response.get_data(as_text=True)
    with app.test_request_context():
        stop = subscriptions.stop_token(subscription)
    # The confirmation's token is no unsubscribe token, and the other way round.
    assert client.get(f"/benachrichtigungen/bestaetigen/{stop}").status_code == 404
    assert comment.id
