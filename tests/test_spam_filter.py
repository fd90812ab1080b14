"""The learning spam filter: measured against the corpus, taught by the moderators."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from apps import make_app
from factories import make_article, make_comment
from helpers import HTMX, post_comment, soup
from webapp.comments import spamfilter
from webapp.comments.guard import judge
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
# The languages the site's readers write (the articles are about integration policy).
READERS = ("de", "en", "tr", "ar", "ru", "uk", "pl", "fa")

SPAM = (
    "Kredit ohne Schufa sofort aufs Konto! Bis 7.500 € ohne Auskunft, auch für Rentner. "
    "Jetzt beantragen: https://kredit-jetzt.example"
)
# A collector's notice the starter corpus does not know as spam, and one like it.
NOTICE = "Ich sammle alte Nähmaschinen und Plattenspieler. Wer welche abgeben möchte: " + (
    "Abholung kostenlos, einfach anrufen."
)
SIMILAR = "Sammle Nähmaschinen und Plattenspieler aller Art, Abholung kostenlos, einfach anrufen!"
# Praise that ends with a link to a home page: the comment spam a blog gets most.
PRAISE = "Super Beitrag! Schauen Sie auch mal bei mir vorbei: https://erikas-spartipps.example"


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
    """Spam and genuine comments in every language the readers write, and genuine ones in
    scripts the filter must not take for spam (Japanese, Korean, Greek, Hebrew …)."""
    rows = spamfilter.load_corpus()
    assert len({row["id"] for row in rows}) == len(rows)
    for label in ("spam", "ham"):
        assert sum(row["label"] == label for row in rows) >= 200
        languages = {row["lang"] for row in rows if row["label"] == label}
        assert set(READERS) <= languages
    for lang in READERS:
        assert sum(row["lang"] == lang and row["label"] == "ham" for row in rows) >= 40
    assert {"ja", "ko", "zh", "el", "he", "hi"} <= {row["lang"] for row in rows}


def test_every_comment_is_judged_once_by_a_filter_that_never_saw_it(measured):
    judged, _report = measured
    rows = spamfilter.load_corpus()
    assert sorted(j.row["id"] for j in judged) == sorted(row["id"] for row in rows)
    folds = spamfilter_folds(rows)
    # Stratified: each fold holds a tenth of each label and language, give or take one.
    for stratum in {(r["label"], r["lang"]) for r in rows}:
        sizes = [
            sum(folds[r["id"]] == k and (r["label"], r["lang"]) == stratum for r in rows)
            for k in range(10)
        ]
        assert max(sizes) - min(sizes) <= 1, stratum


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
    """The issue's goal: at most 1 % of genuine comments held, with the default settings,
    and at most 5 % in every language."""
    judged, _report = measured
    assert share_held(judged, "ham") <= 0.01
    for lang in {j.row["lang"] for j in judged if j.row["label"] == "ham"}:
        assert share_held([j for j in judged if j.row["lang"] == lang], "ham") <= 0.05, lang


def test_spam_held_meets_the_goal(measured):
    """The issue's goal: at least 95 % of spam held, with the default settings."""
    judged, _report = measured
    assert share_held(judged, "spam") >= 0.95


def test_the_report_has_a_row_per_language(measured):
    """Spam and genuine, every language in the corpus, with the goal for genuine rows."""
    judged, text = measured
    for label, title in (("spam", "Spam"), ("ham", "Genuine")):
        group = [j for j in judged if j.row["label"] == label]
        for lang in {j.row["lang"] for j in group}:
            rows = [j for j in group if j.row["lang"] == lang]
            held = sum(j.held for j in rows)
            goal = r"≤ 5%: (?:met|not met)" if label == "ham" else ""
            row = rf"\| {title}, {lang} \| {held} \| {len(rows)} \| [\d.]+% \| {goal} \|"
            assert re.search(row, text), row
        assert re.search(rf"\| {title}, all \| \d+ \| {len(group)} \|", text)


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
    rows = spamfilter.load_corpus()
    result = runner.invoke(args=["spam-report", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation" in result.output
    spam = sum(row["label"] == "spam" for row in rows)
    assert re.search(rf"\| Spam, all \| \d+ \| {spam} \|", result.output)
    for lang in READERS:
        genuine = sum(row["label"] == "ham" and row["lang"] == lang for row in rows)
        assert re.search(rf"\| Genuine, {lang} \| \d+ \| {genuine} \|", result.output)
    assert "| spam filter |" in result.output


def test_a_comment_the_filter_knows_nothing_about_gets_no_verdict(app):
    """No clue, no verdict: the old filter answered 0.5 ("no idea") and the guard held at
    0.5, so every comment whose words it had never seen waited for a moderator."""
    counts = spamfilter.train(spamfilter.load_corpus())
    assert spamfilter.probability({"never-seen-anywhere", "nor-this"}, counts) is None

    class NoIdea:
        def probability(self, name: str, email: str, text: str) -> None:
            return None

    app.config["SPAM_FILTER"] = DEFAULTS["SPAM_FILTER"]
    verdict = judge(text="…", honeypot="", issued_at=None, spam_filter=NoIdea())
    assert (verdict.status, verdict.reasons, verdict.spam_probability) == ("visible", [], None)


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


# What readers write is published, whatever its script or form: the issue's examples, each
# held by the old filter (starter corpus, defaults), written afresh for these tests.


def assert_published(client, article, name: str, email: str, text: str) -> None:
    response = post_comment(client, article, name=name, email=email, text=text)
    assert "Ihr Kommentar ist veröffentlicht" in response.get_data(as_text=True)
    assert (stored(text).status, stored(text).reason_list) == ("visible", [])


def test_a_comment_in_japanese_is_published(client, article):
    """The old filter counted every word of a script without capitals as shouting, and a
    Japanese sentence is one such word (held at 70 %)."""
    text = "子ども向けの夏休みプログラム、とても良かったです！来年も参加したいです。"
    assert_published(client, article, "美咲", "misaki@example.org", text)


def test_a_comment_in_korean_is_published(client, article):
    """Korean words were "shouting" too, and that was learned from spam only (86 %)."""
    text = "기사 잘 읽었습니다. 온라인 신청이 더 쉬워졌으면 좋겠어요."
    assert_published(client, article, "김민지", "minji.kim@example.kr", text)


def test_a_comment_in_arabic_script_is_published(client, article):
    """A question in Arabic: shouting, again, and no known word to weigh against it (76 %)."""
    text = "متى يبدأ التسجيل في دورة الاندماج؟"
    assert_published(client, article, "ليلى", "layla@example.org", text)


def test_a_comment_with_non_breaking_spaces_is_published(client, article):
    """Amounts typeset with non-breaking spaces: the old filter read "1 800 000" as a phone
    number, the mark of a pitch (66 %)."""
    text = "1\u00a0800\u00a0000\u00a0€ fürs Feiern, 0\u00a0€ für Toiletten."
    assert_published(client, article, "Jörg", "joerg@example.org", text)


def test_a_comment_with_emoji_and_umlauts_is_published(client, article):
    """Emoji were learned from the spam that uses them; a reader's greeting with two of
    them and no address anywhere was held (54 %)."""
    text = "Wir freuen uns aufs Straßenfest 😘⭐"
    assert_published(client, article, "Jürgen", "juergen@example.org", text)


def test_a_comment_with_plain_line_breaks_is_published(client, article):
    """Questions one per line, in Ukrainian: held at 74 % (its script taken for shouting,
    as above, and its length)."""
    text = (
        "Дякую за статтю!\nКілька питань:\n1. Коли почнеться ремонт?\n"
        "2. Де будуть заняття?\n3. Чи буде перекладач?"
    )
    assert_published(client, article, "Олена", "olena@example.org", text)


def test_a_long_address_of_an_official_source_is_published(client, article):
    """Only a link: the old filter took "one link" and "no words besides" for spam's marks
    (63 %), whether the link led to a home page or to the BAMF's flyer. A cited page is
    not a pitch."""
    text = (
        "https://www.bamf.de/SharedDocs/Downloads/DE/Integration/Integrationskurse/"
        "Kursteilnehmende/flyer-integrationskurs.pdf?__blob=publicationFile&v=4"
    )
    assert_published(client, article, "Tobias", "tobias@example.org", text)


def test_filter_off_holds_nothing_and_asks_nothing(app, client, article, count_queries):
    app.config["SPAM_FILTER"] = 0
    with count_queries() as queries:
        post_comment(client, article, name="Kredit Sofort", text=SPAM)
    assert (stored(SPAM).status, stored(SPAM).reason_list) == ("visible", [])
    assert not [q for q in queries if "spam_token" in q]


def test_judging_costs_one_query_whatever_the_table_holds(app, client, article, count_queries):
    def queries_for(text: str, spam_filter: float) -> list[str]:
        app.config["SPAM_FILTER"] = spam_filter
        # A reader of their own each time: an author's later views are theirs alone.
        with count_queries() as queries:
            response = post_comment(app.test_client(), article, text=text)
        assert "Ihr Kommentar ist veröffentlicht" in response.get_data(as_text=True)
        return queries

    spamfilter.site_filter()  # the starter corpus is counted once per worker, before
    make_comment(article)  # so that every post's page and answer have a thread to load
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


@pytest.fixture
def reader(app):
    """A reader's browser: the moderator's, logged in, would be trusted (no guard)."""
    return app.test_client()


def test_the_queue_shows_the_filters_reason(client, article, moderator, reader):
    post_comment(reader, article, name="Kredit Sofort", text=SPAM)
    reasons = soup(client.get(QUEUE)).select_one(".moderation-reasons").get_text()
    assert REASON.fullmatch(reasons)


def test_marked_as_spam_in_the_queue_a_similar_comment_is_held(client, article, moderator, reader):
    post_comment(reader, article, name="Harald", email="harald@example.org", text=NOTICE)
    assert stored(NOTICE).status == "visible", "the starter corpus alone lets it through"
    before = spamfilter.site_filter().probability("Gerd", "gerd@example.net", SIMILAR)
    assert before is None or before < 0.5

    moderate(client, stored(NOTICE).id, "spam")

    assert stored(NOTICE).learned_as == "spam"
    post_comment(reader, article, name="Gerd", email="gerd@example.net", text=SIMILAR)
    similar = stored(SIMILAR)
    assert similar.status == "pending"
    assert REASON.fullmatch(similar.reason_list[0])


def test_approving_teaches_genuine_and_a_change_of_mind_moves_the_counts(
    client, article, moderator, reader
):
    post_comment(reader, article, name="Erika Muster", text=PRAISE)
    comment_id = stored(PRAISE).id
    assert stored(PRAISE).status == "pending"
    assert counts("(messages)", "beitrag") == {}

    moderate(client, comment_id, "freigeben")
    assert stored(PRAISE).learned_as == "ham"
    assert counts("(messages)", "beitrag", "name:erika") == {
        "(messages)": (0, 1),
        "beitrag": (0, 1),
        "name:erika": (0, 1),
    }

    moderate(client, comment_id, "spam")
    assert stored(PRAISE).learned_as == "spam"
    assert counts("(messages)", "beitrag") == {"(messages)": (1, 0), "beitrag": (1, 0)}

    moderate(client, comment_id, "freigeben")
    moderate(client, comment_id, "loeschen")  # deleting teaches nothing
    assert counts("(messages)", "beitrag") == {"(messages)": (0, 1), "beitrag": (0, 1)}


def test_approving_a_comment_nobody_held_teaches_nothing(client, article, moderator, reader):
    post_comment(reader, article, text="Gute Zusammenfassung, danke.")
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
