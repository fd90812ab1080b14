"""`flask export` and `flask import-json`: a site's content out, and into another database."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, update

from apps import make_app
from factories import make_article, make_author, make_comment, make_photo, make_topic
from helpers import soup
from webapp.extensions import db
from webapp.models import (
    Article,
    ArticleSlug,
    AuditEntry,
    Author,
    Comment,
    CommentStatus,
    LoginAttempt,
    LoginSession,
    Role,
    SiteSetting,
    TopicSlug,
    User,
    utcnow,
)

PASSWORD_HASH = "scrypt:32768:8:1$geheimessalz$0123456789abcdef"
USER_EMAIL = "chefredaktion@zirkel.example"


def build_site() -> dict:
    """Articles with threads in every state, an old slug, a setting, and an editor's account."""
    author = make_author(name="Miriam Koch", slug="miriam-koch", bio="Schreibt über *Klima*.")
    photo = make_photo()
    climate = make_topic("Klima & Umwelt", slug="klima", description="Stadtgrün, Energie")
    council = make_topic("Stadtrat")
    first = make_article(
        author=author, photo=photo, title="Klimaschutz im Rat", topics=[climate, council]
    )
    second = make_article(author=author, photo=None, title="Radwege & Busse < 1 %")
    draft = make_article(author=make_author(), published_at=None, title="Entwurf")
    question = make_comment(first, text="Wann kommt der Plan?\nUnd wer zahlt?", created_at=ago(3))
    make_comment(first, status=CommentStatus.PENDING, text="Noch nicht frei", created_at=ago(2))
    make_comment(first, status=CommentStatus.SPAM, text="Billige Pillen", created_at=ago(2))
    make_comment(first, status=CommentStatus.DELETED, text="Gelöscht", created_at=ago(2))
    answer = make_comment(first, text="Im Mai, die Stadt zahlt.", created_at=ago(1))
    db.session.execute(update(Comment).where(Comment.id == answer.id).values(parent_id=question.id))
    make_comment(second, text="Zu wenig!", created_at=ago(1))
    db.session.add(ArticleSlug(slug="alter-klima-slug", article=first))
    db.session.add(TopicSlug(slug="umwelt", topic=climate))
    db.session.add(SiteSetting(key="moderation", value=json.dumps("first")))
    editor = User(email=USER_EMAIL, name="Chefin", password_hash=PASSWORD_HASH, role=Role.ADMIN)
    db.session.add_all(
        [
            editor,
            LoginSession(id="login-session-secret", user=editor),
            LoginAttempt(email="angreifer@example.net", address="203.0.113.0"),
            AuditEntry(user=editor, user_email=USER_EMAIL, action="hide", before="{}"),
        ]
    )
    db.session.commit()
    return {"first": first.slug, "second": second.slug, "draft": draft.slug}


def ago(hours: int):
    return utcnow() - timedelta(hours=hours)


def export_to(runner, path: Path) -> dict:
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


@contextmanager
def other_site(databases, tmp_path: Path, *, media_from: Path | None = None) -> Iterator[Flask]:
    """A second, empty site, its app context pushed (so commands use its database)."""
    folder = tmp_path / "other"
    folder.mkdir()
    if media_from is not None:
        shutil.copytree(media_from, folder / "media")
    url = databases.migrated(folder)
    other = make_app(folder, DATABASE_URL=url)
    with other.app_context():
        try:
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()
            databases.drop(url)


def import_json(app: Flask, path: Path, *options: str):
    return app.test_cli_runner().invoke(args=["import-json", *options, str(path)])


def reader_view(client, slug: str) -> tuple | int:
    """What a reader sees of an article: title, count, comments (author, text), or the status."""
    response = client.get(f"/artikel/{slug}")
    if response.status_code != 200:
        return response.status_code
    page = soup(response)
    return (
        page.find("h1").get_text(),
        page.find(id="kommentar-anzahl").get_text(),
        [
            (c.select_one(".comment-author").get_text(), c.select_one(".comment-text").get_text())
            for c in page.select(".comment")
        ],
        page.select_one(".article .body").decode_contents(),
        page.select_one(".author-box").get_text(" ", strip=True),
        [a.get_text() for a in page.select(".article .topic-links a")],
    )


def front_page(client) -> list[str]:
    return [a.get_text() for a in soup(client.get("/")).select(".card-title a")]


def test_a_round_trip_shows_the_same_pages(databases, app, runner, client, tmp_path):
    slugs = build_site()
    data = export_to(runner, tmp_path / "zirkel.json")
    before = {slug: reader_view(client, slug) for slug in slugs.values()}
    before_front = front_page(client)

    with other_site(databases, tmp_path, media_from=tmp_path / "media") as other:
        result = import_json(other, tmp_path / "zirkel.json")
        assert result.exit_code == 0, result.output
        assert "Photos: 1 created, 0 unchanged, 0 missing." in result.output
        assert "Authors: 2 created, 0 unchanged." in result.output
        assert "Topics: 2 created, 0 unchanged." in result.output
        assert "Articles: 3 created, 0 unchanged." in result.output
        assert "Old slugs: 1 created, 0 unchanged, 0 skipped (taken)." in result.output
        assert (
            "Comments: 6 created (3 visible, 1 pending, 1 spam, 1 deleted), 0 unchanged."
            in result.output
        )
        assert "Settings: 1 created, 0 unchanged." in result.output
        reader = other.test_client()
        after = {slug: reader_view(reader, slug) for slug in slugs.values()}
        assert front_page(reader) == before_front
        topic_page = soup(reader.get("/thema/klima"))
        assert topic_page.select_one(".teaser").get_text() == "Stadtgrün, Energie"
        assert reader.get("/thema/umwelt").headers["Location"] == "/thema/klima"
        old = db.session.scalar(select(ArticleSlug).where(ArticleSlug.slug == "alter-klima-slug"))
        answer = db.session.scalar(select(Comment).where(Comment.text.startswith("Im Mai")))
        question = db.session.get(Comment, answer.parent_id)
        setting = db.session.get(SiteSetting, "moderation")
        first = db.session.scalar(select(Article).where(Article.slug == slugs["first"]))
        assert (first.comment_count, first.comment_version > 0) == (2, True)
        assert first.photo is not None
        assert old.article.slug == slugs["first"]
        assert question.text == "Wann kommt der Plan?\nUnd wer zahlt?"
        assert json.loads(setting.value) == "first"
        assert db.session.scalar(select(func.count()).select_from(User)) == 0

    assert after == before
    assert before[slugs["first"]][1] == "2 Kommentare"
    assert before[slugs["draft"]] == 404
    assert len(data["comments"]) == 6


def test_the_export_holds_no_accounts_passwords_or_logins(app, runner, tmp_path):
    build_site()
    export_to(runner, tmp_path / "zirkel.json")
    text = (tmp_path / "zirkel.json").read_text(encoding="utf-8")

    for secret in (USER_EMAIL, PASSWORD_HASH, "geheimessalz", "login-session-secret"):
        assert secret not in text
    assert "angreifer@example.net" not in text  # a login attempt
    data = json.loads(text)
    assert set(data) == {
        "format",
        "version",
        "exported_at",
        "photos",
        "authors",
        "topics",
        "articles",
        "comments",
        "settings",
    }
    assert (data["format"], data["version"]) == ("zirkel-export", 1)
    assert data["exported_at"].endswith("Z")
    # Commenters' addresses are the site's data and come along (never shown publicly).
    assert all(c["email"].endswith("@example.org") for c in data["comments"])


def test_the_export_goes_to_standard_output_without_a_file(app, runner):
    build_site()
    result = runner.invoke(args=["export"])

    assert result.exit_code == 0
    data = json.loads(result.stdout)  # the count went to standard error
    assert [a["title"] for a in data["articles"]] == [
        "Klimaschutz im Rat",
        "Radwege & Busse < 1 %",
        "Entwurf",
    ]
    article = data["articles"][0]
    assert article["body"] == "Erster Absatz.\n\nZweiter „Absatz“."
    assert article["old_slugs"] == ["alter-klima-slug"]
    assert article["photo"] == data["photos"][0]["key"]
    assert data["articles"][2]["published_at"] is None
    answer = next(c for c in data["comments"] if c["text"].startswith("Im Mai"))
    question = next(c for c in data["comments"] if c["id"] == answer["parent"])
    assert question["text"].startswith("Wann kommt der Plan?")
    assert data["settings"] == {"moderation": "first"}
    assert "Exported 2 authors, 3 articles, 6 comments" in result.stderr


def test_importing_twice_or_into_the_same_site_changes_nothing(databases, app, runner, tmp_path):
    build_site()
    export_to(runner, tmp_path / "zirkel.json")
    versions = db.session.execute(select(Article.id, Article.comment_version)).all()

    # The site's own export: everything is there already, matched by slug and content.
    result = import_json(app, tmp_path / "zirkel.json")
    assert result.exit_code == 0, result.output
    assert "Articles: 0 created, 3 unchanged." in result.output
    assert "Comments: 0 created (0 visible, 0 pending, 0 spam, 0 deleted), 6 unchanged." in (
        result.output
    )
    assert db.session.execute(select(Article.id, Article.comment_version)).all() == versions

    with other_site(databases, tmp_path) as other:
        assert import_json(other, tmp_path / "zirkel.json").exit_code == 0
        again = import_json(other, tmp_path / "zirkel.json")
        assert "Authors: 0 created, 2 unchanged." in again.output
        assert "Comments: 0 created (0 visible, 0 pending, 0 spam, 0 deleted), 6 unchanged." in (
            again.output
        )
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 6


def test_new_comments_join_an_article_that_is_there_already(databases, app, runner, tmp_path):
    slugs = build_site()
    export_to(runner, tmp_path / "zirkel.json")

    with other_site(databases, tmp_path) as other:
        # The new site has the article already, with one comment of its own.
        author = Author(name="Jemand", slug="jemand")
        article = Article(
            slug=slugs["second"], title="Schon da", body="", author=author, published_at=ago(5)
        )
        db.session.add_all([author, article])
        db.session.commit()
        make_comment(article, text="Hier geschrieben")
        result = import_json(other, tmp_path / "zirkel.json")

        assert result.exit_code == 0, result.output
        db.session.refresh(article)
        assert article.title == "Schon da"  # left as it is
        assert article.comment_count == 2  # its own and the imported one
        page = soup(other.test_client().get(f"/artikel/{slugs['second']}"))
        assert [t.get_text() for t in page.select(".comment-text")] == [
            "Zu wenig!",
            "Hier geschrieben",
        ]


def test_photos_without_their_files_are_left_out(databases, app, runner, client, tmp_path):
    slugs = build_site()
    export_to(runner, tmp_path / "zirkel.json")

    with other_site(databases, tmp_path) as other:
        result = import_json(other, tmp_path / "zirkel.json")
        assert "Photos: 0 created, 0 unchanged, 1 missing." in result.output
        assert "copy that folder from the old site" in result.output
        page = soup(other.test_client().get(f"/artikel/{slugs['first']}"))
        assert page.select_one("figure.photo") is None
        assert page.find("h1").get_text() == "Klimaschutz im Rat"


def test_a_dry_run_writes_nothing(databases, app, runner, tmp_path):
    build_site()
    export_to(runner, tmp_path / "zirkel.json")

    with other_site(databases, tmp_path) as other:
        result = import_json(other, tmp_path / "zirkel.json", "--dry-run")
        assert result.exit_code == 0, result.output
        assert "Articles: 3 created, 0 unchanged." in result.output
        assert result.output.splitlines()[-1] == "Dry run: nothing was written."
        for model in (Author, Article, Comment, ArticleSlug, SiteSetting):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_files_that_are_no_export_are_refused(databases, app, runner, tmp_path):
    build_site()
    data = export_to(runner, tmp_path / "zirkel.json")
    data["comments"][0]["article"] = 999
    cases = {
        "not-json.json": ("{ kaputt", "is not valid JSON"),
        "other.json": (json.dumps({"format": "wxr"}), "is not a Zirkel export"),
        "future.json": (
            json.dumps({"format": "zirkel-export", "version": 2}),
            "is a version 2 export; this Zirkel reads version 1.",
        ),
        "dangling.json": (json.dumps(data), "comments[0]: article 999 is not in the file."),
    }

    with other_site(databases, tmp_path) as other:
        for name, (content, message) in cases.items():
            (tmp_path / name).write_text(content, encoding="utf-8")
            result = import_json(other, tmp_path / name)
            assert result.exit_code == 1, name
            assert message in result.output, name
            # "dangling" fails after authors and articles were added: all is rolled back.
            assert db.session.scalar(select(func.count()).select_from(Article)) == 0
