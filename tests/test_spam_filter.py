"""The learning spam filter: measured against the corpus, taught by the moderators."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from apps import make_app
from factories import make_article
from helpers import HTMX, post_comment, soup
from webapp.comments import spamfilter
from webapp.comments.spam_report import cross_validate, report
from webapp.editorial.auth import hash_password
from webapp.extensions import db
from webapp.models import Comment, Role, SpamToken, User
from webapp.settings import DEFAULTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
QUEUE = "/verwaltung/kommentare"
PASSWORD = "filter-geheim-42"
HELD = "Vielen Dank! Ihr Kommentar wird nach Prüfung freigeschaltet."
REASON = re.compile(r"Spamfilter: (\d+) % wahrscheinlich Spam")
# The guard's settings as a fresh install has them (the test app switches some off).
GUARD = ("MIN_SUBMIT_SECONDS", "MAX_LINKS", "MODERATION_WORDS", "BLOCKED_WORDS", "SPAM_FILTER")

SPAM = (
    "Kredit ohne Schufa sofort aufs Konto! Bis 7.500 € ohne Auskunft, auch für Rentner. "
    "Jetzt beantragen: https://kredit-jetzt.example"
)
# A collector's notice the starter corpus does not know as spam, and one like it.
NOTICE = "Ich sammle alte Nähmaschinen und Plattenspieler. Wer welche abgeben möchte: " + (
    "Abholung kostenlos, einfach anrufen."
)
SIMILAR = "Sammle Nähmaschinen und Plattenspieler aller Art, Abholung kostenlos, einfach anrufen!"


# --- the measurement ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """The corpus, cross-validated with the guard at its defaults (no database needed)."""
    app = make_app(tmp_path_factory.mktemp("spam-report"), **{key: DEFAULTS[key] for key in GUARD})
    with app.app_context():
        judged = cross_validate(spamfilter.load_corpus(), folds=10)
        yield judged, report(judged, folds=10)


def share_held(judged, label: str) -> float:
    group = [j for j in judged if j.row["label"] == label]
    return sum(j.held for j in group) / len(group)


def test_the_corpus_is_the_one_the_issue_asks_for():
    rows = spamfilter.load_corpus()
    assert len({row["id"] for row in rows}) == len(rows)
    for label in ("spam", "ham"):
        assert sum(row["label"] == label for row in rows) >= 200
        assert {row["lang"] for row in rows if row["label"] == label} == {"de", "en"}


def test_every_comment_is_judged_once_by_a_filter_that_never_saw_it(measured):
    judged, _report = measured
    rows = spamfilter.load_corpus()
    assert sorted(j.row["id"] for j in judged) == sorted(row["id"] for row in rows)
    folds = spamfilter_folds(rows)
    # Stratified: each fold holds a tenth of each label and language, give or take one.
    for label in ("spam", "ham"):
        for lang in ("de", "en"):
            sizes = [
                sum(folds[r["id"]] == k and (r["label"], r["lang"]) == (label, lang) for r in rows)
                for k in range(10)
            ]
            assert max(sizes) - min(sizes) <= 1


def spamfilter_folds(rows):
    from webapp.comments.spam_report import folds_of

    return folds_of(rows, 10)


def test_a_comment_in_the_training_folds_would_be_judged_differently(app):
    """The measurement is not a formality: a model that saw a comment judges it surer."""
    rows = spamfilter.load_corpus()
    row = next(r for r in rows if r["label"] == "spam" and "Hausarbeit" in r["name"])
    seen = spamfilter.train(rows)
    unseen = spamfilter.train(r for r in rows if r["id"] != row["id"])
    tokens = spamfilter.features(row["name"], row["email"], row["text"])
    assert spamfilter.probability(tokens, seen) > spamfilter.probability(tokens, unseen)


def test_genuine_comments_held_meet_the_goal(measured):
    """The issue's goal: at most 1 % of genuine comments held, with the default settings."""
    judged, _report = measured
    assert share_held(judged, "ham") <= 0.01


def test_the_readme_shows_what_the_report_measures(measured):
    """The README's figures, the spam goal's "not met" included, are what is measured now."""
    _judged, text = measured
    tables = text.split("\n\n")
    held, layers = tables[1], tables[2]
    assert held in README
    assert layers in README
    assert "10-fold cross-validation" in text


def test_spam_report_command_prints_the_tables(app, runner):
    for key in GUARD:
        app.config[key] = DEFAULTS[key]
    result = runner.invoke(args=["spam-report", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation" in result.output
    assert re.search(r"\| Spam, all \| \d+ \| 351 \|", result.output)
    assert re.search(r"\| Genuine, en \| \d+ \| 116 \|", result.output)
    assert "| spam filter |" in result.output


def test_the_email_domain_is_not_a_feature():
    """The corpus's placeholder domains would teach nothing (see spamfilter.py)."""
    text = "Danke für den Bericht!"
    assert spamfilter.features("Ingrid", "ingrid@example.org", text) == spamfilter.features(
        "Ingrid", "ingrid@anon-mail.test", text
    )


# --- posting: the filter as a layer of the guard --------------------------------------------


@pytest.fixture
def article(app):
    app.config["SPAM_FILTER"] = DEFAULTS["SPAM_FILTER"]
    return make_article()


def stored(text: str) -> Comment:
    db.session.expire_all()
    return db.session.scalars(select(Comment).where(Comment.text == text)).one()


def test_spam_is_held_with_the_reason_in_german(client, article):
    response = post_comment(client, article, name="Kredit Sofort", text=SPAM)
    assert response.status_code == 200
    assert HELD in response.get_data(as_text=True)
    comment = stored(SPAM)
    assert comment.status == "pending", "held for a person, not thrown away"
    [reason] = comment.reason_list
    assert REASON.fullmatch(reason) and int(REASON.fullmatch(reason)[1]) >= 50
    assert SPAM not in client.get(f"/artikel/{article.slug}").get_data(as_text=True)


def test_a_genuine_comment_is_published(client, article):
    text = "Die Radwege in der Lindenallee sind zu schmal, im Winter wird es noch enger."
    response = post_comment(client, article, text=text)
    assert "Ihr Kommentar ist veröffentlicht" in response.get_data(as_text=True)
    assert (stored(text).status, stored(text).reason_list) == ("visible", [])


def test_filter_off_holds_nothing_and_asks_nothing(app, client, article, count_queries):
    app.config["SPAM_FILTER"] = 0
    with count_queries() as queries:
        post_comment(client, article, name="Kredit Sofort", text=SPAM)
    assert (stored(SPAM).status, stored(SPAM).reason_list) == ("visible", [])
    assert not [q for q in queries if "spam_token" in q]


def test_judging_costs_one_query_whatever_the_table_holds(app, client, article, count_queries):
    def queries_for(text: str, spam_filter: float) -> list[str]:
        app.config["SPAM_FILTER"] = spam_filter
        with count_queries() as queries:
            response = post_comment(client, article, text=text)
        assert "Ihr Kommentar ist veröffentlicht" in response.get_data(as_text=True)
        return queries

    spamfilter.site_filter()  # the starter corpus is counted once per worker, before
    off = queries_for("Erster Kommentar zur Sache.", 0)
    small = queries_for("Zweiter Kommentar zur Sache.", 0.5)
    db.session.execute(
        insert(SpamToken),
        [{"token": f"wort{n}", "spam": n % 7, "ham": n % 5} for n in range(20000)],
    )
    db.session.commit()
    large = queries_for("Dritter Kommentar zur Sache.", 0.5)
    # The post's own requests (the page for the token, then the post) and the filter's one.
    assert len(small) == len(large) == len(off) + 1
    [extra] = [q for q in large if "spam_token" in q]
    assert extra.lstrip().upper().startswith("SELECT")


# --- learning from the moderators, through the real routes ----------------------------------


@pytest.fixture
def moderator(client):
    db.session.add(
        User(
            email="moderation@example.org",
            role=Role.MODERATOR,
            password_hash=hash_password(PASSWORD),
        )
    )
    db.session.commit()
    page = client.get("/verwaltung/anmelden")
    token = soup(page).find("input", {"name": "csrf_token"})["value"]
    response = client.post(
        "/verwaltung/anmelden",
        data={"email": "moderation@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303


def moderate(client, comment_id: int, action: str):
    """Press a button in the queue, as htmx sends it."""
    token = json.loads(soup(client.get("/verwaltung/")).find("body")["hx-headers"])["X-CSRFToken"]
    response = client.post(
        f"{QUEUE}/{comment_id}/{action}",
        data={"csrf_token": token},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def counts(*tokens: str) -> dict[str, tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(SpamToken.token, SpamToken.spam, SpamToken.ham).where(SpamToken.token.in_(tokens))
    ).all()
    return {token: (spam, ham) for token, spam, ham in rows}


def test_the_queue_shows_the_filters_reason(client, article, moderator):
    post_comment(client, article, name="Kredit Sofort", text=SPAM)
    reasons = soup(client.get(QUEUE)).select_one(".moderation-reasons").get_text()
    assert REASON.fullmatch(reasons)


def test_marked_as_spam_in_the_queue_a_similar_comment_is_held(client, article, moderator):
    post_comment(client, article, name="Harald", email="harald@example.org", text=NOTICE)
    assert stored(NOTICE).status == "visible", "the starter corpus alone lets it through"
    assert spamfilter.site_filter().probability("Gerd", "gerd@example.net", SIMILAR) < 0.5

    moderate(client, stored(NOTICE).id, "spam")

    assert stored(NOTICE).learned_as == "spam"
    post_comment(client, article, name="Gerd", email="gerd@example.net", text=SIMILAR)
    similar = stored(SIMILAR)
    assert similar.status == "pending"
    assert REASON.fullmatch(similar.reason_list[0])


def test_approving_teaches_genuine_and_a_change_of_mind_moves_the_counts(
    client, article, moderator
):
    post_comment(client, article, name="Erika Muster", text="Super Beitrag!")  # spam praise
    comment_id = stored("Super Beitrag!").id
    assert stored("Super Beitrag!").status == "pending"
    assert counts("(messages)", "beitrag") == {}

    moderate(client, comment_id, "freigeben")
    assert stored("Super Beitrag!").learned_as == "ham"
    assert counts("(messages)", "beitrag", "name:erika") == {
        "(messages)": (0, 1),
        "beitrag": (0, 1),
        "name:erika": (0, 1),
    }

    moderate(client, comment_id, "spam")
    assert stored("Super Beitrag!").learned_as == "spam"
    assert counts("(messages)", "beitrag") == {"(messages)": (1, 0), "beitrag": (1, 0)}

    moderate(client, comment_id, "freigeben")
    moderate(client, comment_id, "loeschen")  # deleting teaches nothing
    assert counts("(messages)", "beitrag") == {"(messages)": (0, 1), "beitrag": (0, 1)}


def test_approving_a_comment_nobody_held_teaches_nothing(client, article, moderator):
    post_comment(client, article, text="Gute Zusammenfassung, danke.")
    comment_id = stored("Gute Zusammenfassung, danke.").id
    moderate(client, comment_id, "loeschen")
    moderate(client, comment_id, "freigeben")
    assert stored("Gute Zusammenfassung, danke.").learned_as is None
    assert counts("(messages)") == {}


def test_a_bulk_action_teaches_each_comment(client, article, moderator):
    for text in ("Erster Spam", "Zweiter Spam"):
        post_comment(client, article, text=text)
    ids = [str(stored(text).id) for text in ("Erster Spam", "Zweiter Spam")]
    token = json.loads(soup(client.get("/verwaltung/")).find("body")["hx-headers"])["X-CSRFToken"]
    response = client.post(
        f"{QUEUE}/sammelaktion",
        data={"kommentar": ids, "aktion": "spam", "csrf_token": token},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert counts("(messages)", "spam", "erster") == {
        "(messages)": (2, 0),
        "spam": (2, 0),
        "erster": (1, 0),
    }


def test_editing_a_learned_comment_relearns_its_text(client, article, moderator):
    post_comment(client, article, text="Alte Worte hier")
    comment_id = stored("Alte Worte hier").id
    moderate(client, comment_id, "spam")
    token = json.loads(soup(client.get("/verwaltung/")).find("body")["hx-headers"])["X-CSRFToken"]
    response = client.post(
        f"{QUEUE}/{comment_id}/bearbeiten",
        data={
            "name": "Erika Muster",
            "email": "erika@example.org",
            "text": "Neue Worte hier",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert counts("(messages)", "alte", "neue", "worte") == {
        "(messages)": (1, 0),
        "alte": (0, 0),
        "neue": (1, 0),
        "worte": (1, 0),
    }
