"""Topics: readers find articles by what they are about; editors keep the topics in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from editorial_helpers import form_as_sent, login, make_user, session_token
from factories import make_article, make_author, make_topic
from helpers import soup
from webapp.extensions import db
from webapp.models import Article, Topic, utcnow


def card_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".card-title a")]


# --- readers ---------------------------------------------------------------------------------


def test_a_topic_page_lists_its_published_articles_newest_first(client, app):
    integration = make_topic("Integration")
    other = make_topic("Wohnen")
    now = utcnow()
    make_article(title="Älter", topics=[integration], published_at=now - timedelta(days=3))
    make_article(title="Neuer", topics=[integration, other], published_at=now - timedelta(days=1))
    make_article(title="Anderes Thema", topics=[other])
    make_article(title="Entwurf", topics=[integration], published_at=None)
    make_article(title="Geplant", topics=[integration], published_at=now + timedelta(days=1))

    response = client.get("/thema/integration")
    assert response.status_code == 200
    page = soup(response)
    assert page.find("h1").get_text() == "Integration"
    assert page.title.get_text().startswith("Thema: Integration")
    assert card_titles(page) == ["Neuer", "Älter"]
    topics_of_newer = [a.get_text() for a in page.select(".card")[0].select(".topic-links a")]
    assert topics_of_newer == ["Integration", "Wohnen"]


def test_a_topic_page_is_paged_with_the_page_in_its_title(client, app):
    app.config["ARTICLES_PER_PAGE"] = 2
    topic = make_topic("Integration")
    for n in range(5):
        make_article(title=f"Nr. {n}", topics=[topic], published_at=utcnow() - timedelta(days=n))
    second = soup(client.get("/thema/integration?seite=2"))
    assert card_titles(second) == ["Nr. 2", "Nr. 3"]
    assert "Seite 2 von 3" in second.title.get_text()
    assert second.find("a", rel="next")["href"] == "/thema/integration?seite=3"


def test_an_unknown_topic_is_a_german_404(client, app):
    response = client.get("/thema/gibt-es-nicht")
    assert response.status_code == 404
    assert "Unter dieser Adresse gibt es kein Thema." in response.get_data(as_text=True)


def test_all_topics_with_their_published_articles(client, app):
    integration, housing = make_topic("Integration"), make_topic("Wohnen")
    make_topic("Leer")
    make_article(topics=[integration])
    make_article(topics=[integration, housing])
    make_article(topics=[housing], published_at=None)

    page = soup(client.get("/themen"))
    rows = [li.get_text(" ", strip=True) for li in page.select(".index-list li")]
    assert rows == ["Integration 2 Artikel", "Wohnen 1 Artikel"]
    assert page.select_one(".index-list a")["href"] == "/thema/integration"


def test_article_page_and_front_page_show_topics_and_author(client, app):
    topic = make_topic("Integration")
    author = make_author(name="Erika Muster", slug="erika")
    article = make_article(topics=[topic], author=author)

    page = soup(client.get(f"/artikel/{article.slug}"))
    assert [a["href"] for a in page.select("article .topic-links a")] == ["/thema/integration"]
    card = soup(client.get("/")).select_one(".card")
    assert card.select_one(".topic-links a").get_text() == "Integration"
    assert card.find("a", href="/autoren/erika").get_text() == "Erika Muster"


def test_authors_are_listed_with_their_published_articles(client, app):
    erika, max_ = make_author(name="Erika", slug="erika"), make_author(name="Max", slug="max")
    make_author(name="Ohne Artikel", slug="ohne")
    make_article(author=erika)
    make_article(author=erika)
    make_article(author=max_, published_at=None)

    page = soup(client.get("/autoren"))
    assert [li.get_text(" ", strip=True) for li in page.select(".index-list li")] == [
        "Erika 2 Artikel"
    ]
    nav = page.find("nav", attrs={"aria-label": "Bereiche"})
    assert [a["href"] for a in nav.find_all("a")] == ["/themen", "/autoren"]


def test_what_an_editor_typed_is_text(client, app):
    topic = make_topic('<script>alert("x")</script>', slug="boese", description="<b>fett</b>")
    make_article(topics=[topic])
    for url in ("/thema/boese", "/themen", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>fett" not in html


def test_query_counts_do_not_grow_with_articles_or_topics(client, app, count_queries):
    app.config["ARTICLES_PER_PAGE"] = 20
    topics = [make_topic(f"Thema {n}", slug=f"thema-{n}") for n in range(3)]
    make_article(topics=topics[:1])
    counts = []
    for _ in range(2):
        for url in ("/", "/thema/thema-0", "/themen", "/autoren"):
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        for n in range(6):
            make_article(topics=topics[: 1 + n % 3])
    assert counts[:4] == counts[4:]
    # front: versions (with the total), articles, topics; topic: the topic, articles,
    # topics, total; one each
    assert counts[:4] == [3, 4, 1, 1]


def test_the_demo_article_is_filed_under_integration(runner, client, app):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    page = soup(client.get("/thema/integration"))
    assert card_titles(page) == [db.session.scalar(select(Article.title))]


# --- editors -----------------------------------------------------------------------------------


@pytest.fixture
def editor(client, app):
    make_user()
    login(client)
    return client


def post(client, url: str, **data):
    """The topic form as opened (its token and version) with these fields."""
    return client.post(url, data={**form_as_sent(client, url), **data})


def test_an_editor_creates_and_renames_a_topic_and_the_old_address_answers(editor):
    created = post(editor, "/verwaltung/themen/neu", name="Einwanderung", description="")
    assert created.status_code == 303
    topic = db.session.scalar(select(Topic))
    assert (topic.name, topic.slug) == ("Einwanderung", "einwanderung")
    make_article(topics=[topic], title="Im Thema")

    renamed = post(editor, f"/verwaltung/themen/{topic.id}", name="Zuwanderung", slug="zuwanderung")
    assert renamed.status_code == 303
    old = editor.get("/thema/einwanderung?seite=1")
    assert old.status_code == 301
    assert old.headers["Location"] == "/thema/zuwanderung?seite=1"
    assert editor.get("/thema/einwanderung/feed").headers["Location"] == "/thema/zuwanderung/feed"
    article_page = soup(editor.get(f"/artikel/{db.session.scalar(select(Article.slug))}"))
    assert article_page.select_one(".topic-links a").get_text() == "Zuwanderung"


def test_names_and_addresses_of_topics_do_not_clash(editor):
    make_topic("Integration")
    clash = post(editor, "/verwaltung/themen/neu", name="integration")
    assert clash.status_code == 422
    assert "Ein anderes Thema hat diesen Namen bereits." in clash.get_data(as_text=True)
    taken = post(editor, "/verwaltung/themen/neu", name="Anderes", slug="integration")
    assert taken.status_code == 422
    assert "Ein anderes Thema hat (oder hatte) diese Adresse bereits." in taken.get_data(
        as_text=True
    )
    empty = post(editor, "/verwaltung/themen/neu", name="")
    assert empty.status_code == 422
    assert db.session.scalar(select(Topic.name).where(Topic.slug != "integration")) is None


def test_merging_moves_the_articles_and_the_addresses(editor):
    source, target = make_topic("Migration"), make_topic("Integration")
    ids = [make_article(topics=[source, target]).id, make_article(topics=[source]).id]
    source_id, target_id = source.id, target.id

    response = post(
        editor, f"/verwaltung/themen/{source_id}/zusammenfuehren", target_id=str(target_id)
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Topic).where(Topic.name == "Migration")) is None
    for article_id in ids:
        assert [t.name for t in db.session.get(Article, article_id).topics] == ["Integration"]
    assert editor.get("/thema/migration").headers["Location"] == "/thema/integration"
    flashed = soup(editor.get(response.headers["Location"])).get_text()
    assert "„Migration“ wurde mit „Integration“ zusammengeführt (1 Artikel verschoben)." in flashed


def test_a_topic_with_articles_is_not_deleted(editor):
    topic = make_topic("Integration")
    make_article(topics=[topic])
    response = post(editor, f"/verwaltung/themen/{topic.id}/loeschen")
    assert "enthält noch 1 Artikel" in response.get_data(as_text=True)
    assert db.session.get(Topic, topic.id) is not None

    empty = make_topic("Leer")
    assert post(editor, f"/verwaltung/themen/{empty.id}/loeschen").status_code == 303
    assert db.session.get(Topic, empty.id) is None


def test_an_article_is_filed_under_the_topics_chosen_in_its_form(editor):
    make_author()
    integration, housing = make_topic("Integration"), make_topic("Wohnen")
    url = "/verwaltung/artikel/neu"
    form = soup(editor.get(url))
    boxes = {box["value"]: box for box in form.select('input[name="topic_ids"]')}
    assert set(boxes) == {str(integration.id), str(housing.id)}
    assert form.find("label", attrs={"for": boxes[str(housing.id)]["id"]}).get_text() == "Wohnen"

    data = {
        "csrf_token": session_token(editor, url),
        "title": "Gefiltert",
        "author_id": str(
            db.session.scalar(select(Article.author_id))
            or form.select_one('select[name="author_id"] option')["value"]
        ),
        "body": "Text.",
        "topic_ids": [str(integration.id), str(housing.id)],
        "aktion": "vorschau",
    }
    preview = editor.post(url, data=data)
    assert [a.get_text() for a in soup(preview).select(".topic-links a")] == [
        "Integration",
        "Wohnen",
    ]
    assert db.session.scalar(select(Article)) is None, "a preview stores nothing"

    saved = editor.post(url, data={**data, "aktion": "speichern"})
    assert saved.status_code == 303
    article = db.session.scalar(select(Article))
    assert [t.name for t in article.topics] == ["Integration", "Wohnen"]
    edit_form = soup(editor.get(saved.headers["Location"]))
    assert {b["value"] for b in edit_form.select('input[name="topic_ids"][checked]')} == {
        str(integration.id),
        str(housing.id),
    }

    wrong = editor.post(url, data={**data, "title": "Falsch", "topic_ids": ["99999"]})
    assert wrong.status_code == 422
    assert db.session.scalar(select(Article).where(Article.title == "Falsch")) is None
