"""Zirkel's own export: what readers see and editors wrote, as one JSON file, and back.

The file (format "zirkel-export", version 1) holds photos (their key and sizes, not the
image files: those are in instance/media/), authors, topics (with their old slugs),
articles (Markdown body, photo key, old slugs, topics), comments (status, parent, times
in UTC ISO 8601) and site settings. Records refer to each other by their id in the
exporting database. Never in it: user accounts, password hashes, login sessions, login
attempts, audit entries, used one-time links.

`JsonImporter` restores such a file into an empty or an existing database. A record that
is there already is left as it is ("unchanged"), so importing twice changes nothing:

- authors match by import_key (when they have one, e.g. from WordPress), else by slug;
- topics by import_key, else by slug, else by name (files from before topics have none);
- articles by import_key, else by slug, else by old slug;
- comments by import_key, else by article, time, name and text.

Comments pass the public form's rules on the way in, as in every import
(common.comment_fields): one that breaks them is cleaned, or skipped when it has no text,
and reported in a note; it never stops the import. Articles and authors pass the
editorial forms' rules the same way (common.Cleaner): their fields are cleaned and
reported, and an article without a title is skipped with its comments. A file whose
structure is wrong (a missing field, a wrong type, a reference to a record it lacks) is
refused whole.

Database ids are not used for matching: they differ between databases, so an id-based
key could take one site's comment for another's. New rows keep the record's import_key,
so a later WordPress import on the new site still knows them. A photo is linked only if
its files are in the new site's instance/media/ (copy that folder over first).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from ..comments.forms import is_blank
from ..extensions import db
from ..media import file_name, media_folder
from ..models import (
    AboutHeading,
    Article,
    ArticleSlug,
    Author,
    Comment,
    CommentStatus,
    Photo,
    SiteSetting,
    Topic,
    TopicSlug,
    article_topic,
    utcnow,
)
from ..slugs import unique_article_slug, unique_author_slug, unique_topic_slug
from .common import (
    ANONYMOUS,
    AUTHOR_NAME_MAX,
    PHOTO_ALT_MAX,
    PHOTO_CAPTION_MAX,
    PHOTO_CREDIT_MAX,
    TEASER_MAX,
    TITLE_MAX,
    TOPIC_NAME_MAX,
    Cleaner,
    Report,
    TransferError,
    add_old_slug,
    clean_import_key,
    comment_fields,
    has_controls,
    iso_utc,
    refresh_discussions,
    status_counts,
    utc_naive,
)

FORMAT = "zirkel-export"
VERSION = 1
_PHOTO_KEY = re.compile(r"[0-9a-f]{1,64}")  # a content hash; file names are built from it
_WIDTHS = re.compile(r"\d{1,5}(,\d{1,5})*")


# --- Export ------------------------------------------------------------------------------


def export_data() -> dict[str, Any]:
    """Everything the file holds, as JSON-ready data (see the module's docstring)."""
    photo_keys = dict(db.session.execute(select(Photo.id, Photo.key)).all())
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso_utc(utcnow()),
        "photos": [_photo(p) for p in db.session.scalars(select(Photo).order_by(Photo.id))],
        "authors": [
            _author(a, photo_keys) for a in db.session.scalars(select(Author).order_by(Author.id))
        ],
        "topics": _topics(),
        "articles": _articles(photo_keys),
        "comments": [_comment(c) for c in _all_comments()],
        "settings": {
            s.key: json.loads(s.value)
            for s in db.session.scalars(select(SiteSetting).order_by(SiteSetting.key))
        },
    }


def write_export(data: dict[str, Any], file: TextIO) -> None:
    """The data as readable UTF-8 JSON (non-ASCII letters as they are)."""
    json.dump(data, file, ensure_ascii=False, indent=2)
    file.write("\n")


def _photo(photo: Photo) -> dict[str, Any]:
    return {
        "key": photo.key,
        "width": photo.width,
        "height": photo.height,
        "widths": photo.widths,
        "created_at": iso_utc(photo.created_at),
    }


def _author(author: Author, photo_keys: dict[int, str]) -> dict[str, Any]:
    return {
        "id": author.id,
        "import_key": author.import_key,
        "name": author.name,
        "slug": author.slug,
        "about_heading": author.about_heading,
        "bio": author.bio,
        "photo": photo_keys.get(author.photo_id),
    }


def _topics() -> list[dict[str, Any]]:
    old_slugs: dict[int, list[str]] = defaultdict(list)
    for topic_id, slug in db.session.execute(
        select(TopicSlug.topic_id, TopicSlug.slug).order_by(TopicSlug.id)
    ):
        old_slugs[topic_id].append(slug)
    return [
        {
            "id": t.id,
            "import_key": t.import_key,
            "name": t.name,
            "slug": t.slug,
            "description": t.description,
            "old_slugs": old_slugs[t.id],
        }
        for t in db.session.scalars(select(Topic).order_by(Topic.id))
    ]


def _articles(photo_keys: dict[int, str]) -> list[dict[str, Any]]:
    old_slugs: dict[int, list[str]] = defaultdict(list)
    for article_id, slug in db.session.execute(
        select(ArticleSlug.article_id, ArticleSlug.slug).order_by(ArticleSlug.id)
    ):
        old_slugs[article_id].append(slug)
    topics: dict[int, list[int]] = defaultdict(list)
    for article_id, topic_id in db.session.execute(
        select(article_topic.c.article_id, article_topic.c.topic_id).order_by(
            article_topic.c.topic_id
        )
    ):
        topics[article_id].append(topic_id)
    return [
        {
            "id": a.id,
            "import_key": a.import_key,
            "slug": a.slug,
            "title": a.title,
            "teaser": a.teaser,
            "body": a.body,
            "photo": photo_keys.get(a.photo_id),
            "photo_alt": a.photo_alt,
            "photo_caption": a.photo_caption,
            "photo_credit": a.photo_credit,
            "comments_open": a.comments_open,
            "published_at": iso_utc(a.published_at),
            "author": a.author_id,
            "old_slugs": old_slugs[a.id],
            "topics": topics[a.id],
        }
        for a in db.session.scalars(select(Article).order_by(Article.id))
    ]


def _all_comments() -> Iterator[Comment]:
    # A thousand rows at a time: a site may have hundreds of thousands of comments.
    yield from db.session.scalars(
        select(Comment).order_by(Comment.id).execution_options(yield_per=1000)
    )


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "import_key": comment.import_key,
        "article": comment.article_id,
        "parent": comment.parent_id,
        "name": comment.name,
        "email": comment.email,
        "text": comment.text,
        "status": comment.status,
        "created_at": iso_utc(comment.created_at),
        "updated_at": iso_utc(comment.updated_at),
    }


# --- Import ------------------------------------------------------------------------------


def read_file(path: Path) -> dict[str, Any]:
    """The file's data, checked to be a Zirkel export of a version we read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise TransferError(f"{path.name} cannot be read: {error}.") from error
    except json.JSONDecodeError as error:
        raise TransferError(f"{path.name} is not valid JSON: {error}.") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError(f'{path.name} is not a Zirkel export (no "format": "{FORMAT}").')
    if data.get("version") != VERSION:
        raise TransferError(
            f"{path.name} is a version {data.get('version')!r} export; "
            f"this Zirkel reads version {VERSION}."
        )
    return data


class Record:
    """One object of the file, read with checked types; errors name the record."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise TransferError(f"{where} is not an object.")
        self.value = value
        self.where = where

    def _get(self, name: str, kinds: tuple[type, ...], optional: bool) -> Any:
        value = self.value.get(name)
        if value is None and optional:
            return None
        # bool is an int in Python; an id of true is still wrong.
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            kind = " or ".join(k.__name__ for k in kinds)
            raise TransferError(f"{self.where}: {name!r} must be {kind}, not {value!r}.")
        return value

    def text(self, name: str, *, optional: bool = False) -> str | None:
        return self._get(name, (str,), optional)

    def number(self, name: str, *, optional: bool = False) -> int | None:
        return self._get(name, (int,), optional)

    def flag(self, name: str) -> bool:
        return self._get(name, (bool,), False)

    def numbers(self, name: str) -> list[int]:
        values = self._get(name, (list,), True) or []
        if not all(type(v) is int for v in values):
            raise TransferError(f"{self.where}: {name!r} must be a list of numbers.")
        return values

    def strings(self, name: str) -> list[str]:
        values = self._get(name, (list,), True) or []
        if not all(isinstance(v, str) for v in values):
            raise TransferError(f"{self.where}: {name!r} must be a list of strings.")
        return values

    def time(self, name: str, *, optional: bool = False) -> datetime | None:
        value = self.text(name, optional=optional)
        if value is None:
            return None
        try:
            return utc_naive(datetime.fromisoformat(value))
        except ValueError as error:
            raise TransferError(
                f"{self.where}: {name!r} is no ISO 8601 time: {value!r}."
            ) from error


def records(data: dict[str, Any], section: str) -> list[Record]:
    """The objects of one list in the file, e.g. "articles"."""
    values = data.get(section, [])
    if not isinstance(values, list):
        raise TransferError(f"{section!r} must be a list.")
    return [Record(value, f"{section}[{i}]") for i, value in enumerate(values)]


class JsonImporter:
    """Restores a Zirkel export; call `run` inside one transaction (import_transaction)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.report = Report()
        self._photos: dict[str, Photo | None] = {}  # by key; None: files missing
        self._authors: dict[int, Author] = {}  # by id in the file
        self._topics: dict[int, Topic] = {}  # by id in the file
        self._new_authors: set[int] = set()  # ids here of authors this import created
        self._articles: dict[int, Article] = {}
        self._skipped_articles: set[int] = set()  # ids in the file of articles skipped
        self._new_articles: set[int] = set()  # ids here of articles this import created
        self._comment_ids: dict[int, int] = {}  # id in the file -> id here
        # Per article that was here before: its comments' ids by (created_at, name, text).
        self._natural_keys: dict[int, dict[tuple, int]] = {}
        self._commented: set[int] = set()

    def run(self) -> None:
        """Import every section, then bring the comment counters up to date."""
        for record in records(self.data, "photos"):
            self._import_photo(record)
        for record in records(self.data, "authors"):
            self._import_author(record)
        for record in records(self.data, "topics"):
            self._import_topic(record)
        for record in records(self.data, "articles"):
            self._import_article(record)
        self._import_comments(records(self.data, "comments"))
        self._import_settings()
        refresh_discussions(self._commented)

    def _import_photo(self, record: Record) -> None:
        key = record.text("key")
        widths = record.text("widths")
        if not _PHOTO_KEY.fullmatch(key) or not _WIDTHS.fullmatch(widths):
            raise TransferError(f"{record.where}: not a photo key and widths: {key!r}, {widths!r}.")
        photo = db.session.scalar(select(Photo).where(Photo.key == key))
        if photo is not None:
            self.report.add("photos unchanged")
        elif _has_files(key, widths):
            photo = Photo(
                key=key,
                width=record.number("width"),
                height=record.number("height"),
                widths=widths,
                created_at=record.time("created_at"),
            )
            db.session.add(photo)
            db.session.flush()
            self.report.add("photos created")
        else:
            self.report.add("photos missing")
        self._photos[key] = photo

    def _photo(self, record: Record) -> Photo | None:
        key = record.text("photo", optional=True)
        if key is None:
            return None
        if not _PHOTO_KEY.fullmatch(key):
            self.report.note(f"{record.where}: the photo key {key[:70]!r} is not valid; left out.")
            return None
        if key not in self._photos:  # not in the file's list: perhaps here already
            self._photos[key] = db.session.scalar(select(Photo).where(Photo.key == key))
        return self._photos[key]

    def _import_author(self, record: Record) -> None:
        clean = Cleaner(record.where, self.report)
        import_key = clean.key(record.text("import_key", optional=True))
        slug = clean.slug(record.text("slug"), record.text("name"), "autor")
        author = _by_import_key(Author, import_key)
        if author is None:
            author = db.session.scalar(select(Author).where(Author.slug == slug))
            if author is not None and author.id in self._new_authors:
                # Another record of this file whose slug was made the same: not this one.
                author, slug = None, unique_author_slug(slug)
        if author is None:
            author = Author(
                name=self._author_name(record, clean),
                slug=slug,
                about_heading=self._about_heading(record),
                bio=clean.text(record.text("bio"), "bio", strip=False),
                photo=self._photo(record),
                import_key=import_key,
            )
            db.session.add(author)
            db.session.flush()
            self._new_authors.add(author.id)
            self.report.add("authors created")
        else:
            self.report.add("authors unchanged")
        self._authors[record.number("id")] = author

    def _about_heading(self, record: Record) -> str:
        """The heading of the author's box; files from before it existed have none."""
        value = record.text("about_heading", optional=True)
        if value is None:
            return AboutHeading.AUTHOR.value
        if value not in set(AboutHeading):
            self.report.note(f"{record.where}: unknown about_heading {value!r}; 'autor'.")
            return AboutHeading.AUTHOR.value
        return value

    def _author_name(self, record: Record, clean: Cleaner) -> str:
        name = clean.line(record.text("name"), "name", AUTHOR_NAME_MAX)
        if is_blank(name):
            self.report.note(f"{record.where}: the name is empty or invisible; {ANONYMOUS!r}.")
            return ANONYMOUS
        return name

    def _import_topic(self, record: Record) -> None:
        clean = Cleaner(record.where, self.report)
        import_key = clean.key(record.text("import_key", optional=True))
        name = clean.line(record.text("name"), "name", TOPIC_NAME_MAX)
        if is_blank(name):
            raise TransferError(f"{record.where}: a topic needs a name.")
        slug = clean.slug(record.text("slug"), name, "thema")
        topic = (
            _by_import_key(Topic, import_key)
            or db.session.scalar(select(Topic).where(Topic.slug == slug))
            or db.session.scalar(select(Topic).where(func.lower(Topic.name) == name.lower()))
        )
        if topic is None:
            topic = Topic(
                name=name,
                slug=unique_topic_slug(slug),
                description=clean.line(record.text("description"), "description", 500),
                import_key=import_key,
            )
            db.session.add(topic)
            db.session.flush()
            for old_slug in record.strings("old_slugs"):
                old_slug = clean.old_slug(old_slug)
                if old_slug is not None and unique_topic_slug(old_slug) == old_slug:
                    db.session.add(TopicSlug(slug=old_slug, topic_id=topic.id))
            self.report.add("topics created")
        else:
            self.report.add("topics unchanged")
        self._topics[record.number("id")] = topic

    def _import_article(self, record: Record) -> None:
        clean = Cleaner(record.where, self.report)
        import_key = clean.key(record.text("import_key", optional=True))
        slug = clean.slug(record.text("slug"), record.text("title"), "artikel")
        article = _by_import_key(Article, import_key)
        if article is None:
            article = self._article_by_slug(slug)
            if article is not None and article.id in self._new_articles:
                # Another record of this file whose slug was made the same: not this one.
                article, slug = None, unique_article_slug(slug)
        if article is None:
            article = self._create_article(record, clean, slug, import_key)
            if article is None:
                self._skipped_articles.add(record.number("id"))
                return
        else:
            self.report.add("articles unchanged")
        for old_slug in record.strings("old_slugs"):
            if (old_slug := clean.old_slug(old_slug)) is not None:
                add_old_slug(article, old_slug, self.report)
        for topic_id in record.numbers("topics"):
            topic = self._topics.get(topic_id)
            if topic is None:
                raise TransferError(f"{record.where}: topic {topic_id} is not in the file.")
            if topic not in article.topics:
                article.topics.append(topic)
        self._articles[record.number("id")] = article

    def _create_article(
        self, record: Record, clean: Cleaner, slug: str, import_key: str | None
    ) -> Article | None:
        """A new article, its fields by the editorial form's rules; None: skipped."""
        title = clean.line(record.text("title"), "title", TITLE_MAX)
        if is_blank(title):
            self.report.note(f"{record.where} has no title; skipped, and its comments with it.")
            self.report.add("articles skipped")
            return None
        body = clean.text(record.text("body"), "body", strip=False)
        if is_blank(body):
            self.report.note(f"{record.where} has no text; imported as it is.")
        photo = self._photo(record)
        photo_alt = clean.line(record.text("photo_alt"), "photo_alt", PHOTO_ALT_MAX)
        if photo is not None and not photo_alt:
            self.report.note(f"{record.where}: the photo has no alternative text; add one.")
        article = Article(
            slug=slug,
            title=title,
            teaser=clean.text(record.text("teaser"), "teaser", limit=TEASER_MAX),
            body=body,
            photo=photo,
            photo_alt=photo_alt,
            photo_caption=clean.line(
                record.text("photo_caption"), "photo_caption", PHOTO_CAPTION_MAX
            ),
            photo_credit=clean.line(record.text("photo_credit"), "photo_credit", PHOTO_CREDIT_MAX),
            comments_open=record.flag("comments_open"),
            published_at=record.time("published_at", optional=True),
            author=self._referenced(self._authors, record, "author"),
            import_key=import_key,
        )
        db.session.add(article)
        db.session.flush()
        self._new_articles.add(article.id)
        self.report.add("articles created")
        return article

    @staticmethod
    def _article_by_slug(slug: str) -> Article | None:
        return db.session.scalar(select(Article).where(Article.slug == slug)) or db.session.scalar(
            select(Article).join(ArticleSlug).where(ArticleSlug.slug == slug)
        )

    def _import_comments(self, comment_records: list[Record]) -> None:
        created: list[tuple[Record, Comment]] = []
        for record in comment_records:
            if record.number("article") in self._skipped_articles:
                self.report.add("comments of skipped articles")
                continue
            article = self._referenced(self._articles, record, "article")
            values = self._comment_values(record, article)
            if values is None:
                continue  # no text: skipped, and reported
            if (comment_id := self._existing_comment(article, values)) is not None:
                self._comment_ids[record.number("id")] = comment_id
                self.report.add("comments unchanged")
                continue
            comment = Comment(**values)
            db.session.add(comment)
            created.append((record, comment))
            self.report.add("comments created")
            self.report.add(f"comments {comment.status}")
            self._commented.add(article.id)
        db.session.flush()
        self._comment_ids.update((r.number("id"), c.id) for r, c in created)
        # Parents may come after their replies in the file: link once all have ids.
        for record, comment in created:
            parent = record.number("parent", optional=True)
            comment.parent_id = None if parent is None else self._comment_ids.get(parent)

    def _existing_comment(self, article: Article, values: dict[str, Any]) -> int | None:
        """The id of this comment if the database has it: by import_key, else by content."""
        if (match := _by_import_key(Comment, values["import_key"])) is not None:
            return match.id
        if article.id not in self._natural_keys:
            self._natural_keys[article.id] = (
                {} if article.id in self._new_articles else _comments_of(article)
            )
        return self._natural_keys[article.id].get(
            (values["created_at"], values["name"], values["text"])
        )

    def _comment_values(self, record: Record, article: Article) -> dict[str, Any] | None:
        """The comment's columns, its fields by the form's rules; None: skipped."""
        status = record.text("status")
        if status not in set(CommentStatus):
            raise TransferError(f"{record.where}: unknown status {status!r}.")
        fields = comment_fields(
            record.text("name"),
            record.text("email"),
            record.text("text"),
            where=record.where,
            report=self.report,
        )
        if fields is None:
            return None
        name, email, text = fields
        return {
            "article_id": article.id,
            "name": name,
            "email": email,
            "text": text,
            "status": CommentStatus(status),
            "created_at": record.time("created_at"),
            "updated_at": record.time("updated_at", optional=True),
            "import_key": clean_import_key(
                record.text("import_key", optional=True), where=record.where, report=self.report
            ),
        }

    def _import_settings(self) -> None:
        settings = self.data.get("settings", {})
        if not isinstance(settings, dict):
            raise TransferError("'settings' must be an object.")
        for key, value in settings.items():
            if len(key) > 50:
                raise TransferError(f"settings: the name {key!r} is too long.")
            if has_controls(key):
                raise TransferError(f"settings: the name {key!r} has control characters.")
            if db.session.get(SiteSetting, key) is not None:
                self.report.add("settings unchanged")
            else:
                db.session.add(SiteSetting(key=key, value=json.dumps(value)))
                self.report.add("settings created")

    @staticmethod
    def _referenced(found: dict[int, Any], record: Record, name: str) -> Any:
        """The row a record refers to by its id in the file (e.g. an article's author)."""
        ref = record.number(name)
        if ref not in found:
            raise TransferError(f"{record.where}: {name} {ref} is not in the file.")
        return found[ref]


def _has_files(key: str, widths: str) -> bool:
    """Whether this site has the photo's files, named as media.py names them.

    A photo row without them would show every reader a broken image.
    """
    return all((media_folder() / file_name(key, int(w))).is_file() for w in widths.split(","))


def _by_import_key(model: type, import_key: str | None) -> Any:
    """The row of this model with this import_key, if the key is given and exists."""
    if import_key is None:
        return None
    return db.session.scalar(select(model).where(model.import_key == import_key))


def _comments_of(article: Article) -> dict[tuple, int]:
    """Comment ids of an article by (created_at, name, text): a comment's natural identity."""
    rows = db.session.execute(
        select(Comment.created_at, Comment.name, Comment.text, Comment.id).where(
            Comment.article_id == article.id
        )
    )
    return {(created_at, name, text): comment_id for created_at, name, text, comment_id in rows}


def summary(report: Report, *, dry_run: bool) -> str:
    """The operator's summary, a line per kind of record."""
    c = report.counts
    lines = [
        f"Photos: {c['photos created']} created, {c['photos unchanged']} unchanged, "
        f"{c['photos missing']} missing.",
        f"Authors: {c['authors created']} created, {c['authors unchanged']} unchanged.",
        f"Topics: {c['topics created']} created, {c['topics unchanged']} unchanged.",
        f"Articles: {c['articles created']} created, {c['articles unchanged']} unchanged.",
        f"Old slugs: {c['old slugs created']} created, {c['old slugs unchanged']} unchanged, "
        f"{c['old slugs taken']} skipped (taken).",
        f"Comments: {c['comments created']} created ({status_counts(report, 'comments ')}), "
        f"{c['comments unchanged']} unchanged.",
        f"Settings: {c['settings created']} created, {c['settings unchanged']} unchanged.",
    ]
    if c["comments skipped"]:
        lines.append(f"Comments without text (skipped, see the notes): {c['comments skipped']}.")
    if c["articles skipped"]:
        lines.append(
            f"Articles without a title (skipped, see the notes): {c['articles skipped']}, "
            f"with {c['comments of skipped articles']} comments."
        )
    if c["photos missing"]:
        lines.append(
            "Missing photos have no files in instance/media/: copy that folder from the old "
            "site before importing to keep them."
        )
    if dry_run:
        lines.append("Dry run: nothing was written.")
    return "\n".join(lines)
