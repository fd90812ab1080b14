"""Revisions: every editorial save of an article keeps the article as it was saved.

A revision is a full copy of what an editor controls (title, address, teaser, text,
author, photo and its texts, topics, comments open, publication date), stamped with the
article's version, who saved it and when. The newest revision is the article as it is;
older ones can be compared with any other (`diff`) and restored, which is itself a save
and so a new revision: restoring never loses what it replaces.

An article saved before revisions were kept (or imported) gets its state at that moment
kept first, as the "earlier" revision, so its first editorial save loses nothing either.

Pruning: the site setting `revisions_kept` (0: keep all) bounds the revisions per
article; the newest are kept.

All writing functions run inside `database.writing()`.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from .extensions import db
from .formatting import date_and_time
from .models import Article, ArticleRevision, Author, Photo, RevisionNote, User, utcnow
from .site_settings import get_setting
from .slugs import unique_article_slug
from .topics import file_article, topics_with_ids


def keep(article: Article, user: User | None, note: str) -> ArticleRevision:
    """Keep the article as it is now (after a save) as a revision."""
    revision = ArticleRevision(
        article=article,
        version=article.version,
        user_id=user.id if user is not None else None,
        user_email=user.email if user is not None else "",
        note=note,
        title=article.title,
        slug=article.slug,
        teaser=article.teaser or "",
        body=article.body or "",
        author_id=article.author_id,
        author_name=_author_name(article),
        photo_id=article.photo.id if article.photo is not None else None,
        photo_alt=article.photo_alt or "",
        photo_caption=article.photo_caption or "",
        photo_credit=article.photo_credit or "",
        comments_open=article.comments_open,
        published_at=article.published_at,
        topics=json.dumps([[t.id, t.name] for t in article.topics], ensure_ascii=False),
    )
    db.session.add(revision)
    return revision


def _author_name(article: Article) -> str:
    """The author's name as saved (a new article may name its author by id only)."""
    author = article.author
    if author is None and article.author_id is not None:
        author = db.session.get(Author, article.author_id)
    return author.name if author is not None else ""


def _has_revisions(article: Article) -> bool:
    return (
        db.session.scalar(
            select(ArticleRevision.id).where(ArticleRevision.article_id == article.id).limit(1)
        )
        is not None
    )


def keep_earlier(article: Article) -> None:
    """Before the first save that keeps revisions: keep the article as stored until now.

    Saved before revisions were kept, or imported: what it was is not lost either. Call
    before the save changes anything.
    """
    if article.id is not None and not _has_revisions(article):
        keep(article, None, RevisionNote.EARLIER).created_at = article.updated_at or utcnow()


def prune(article_id: int | None = None) -> int:
    """Delete all but the newest `revisions_kept` revisions (of one article, or of all)."""
    kept = int(get_setting("revisions_kept") or 0)
    if kept <= 0:
        return 0
    ranked = select(
        ArticleRevision.id,
        func.row_number()
        .over(
            partition_by=ArticleRevision.article_id,
            order_by=(ArticleRevision.version.desc(), ArticleRevision.id.desc()),
        )
        .label("rank"),
    )
    if article_id is not None:
        ranked = ranked.where(ArticleRevision.article_id == article_id)
    ranked = ranked.subquery()
    old = select(ranked.c.id).where(ranked.c.rank > kept)
    result = db.session.execute(
        delete(ArticleRevision)
        .where(ArticleRevision.id.in_(old))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def earlier_publication(article: Article) -> datetime | None:
    """When a withdrawn article was last published, so republishing keeps its date."""
    if article.id is None:
        return None
    return db.session.scalar(
        select(ArticleRevision.published_at)
        .where(
            ArticleRevision.article_id == article.id,
            ArticleRevision.published_at.is_not(None),
            ArticleRevision.published_at <= utcnow(),
        )
        .order_by(ArticleRevision.version.desc(), ArticleRevision.id.desc())
        .limit(1)
    )


def revisions_of(article: Article) -> list[ArticleRevision]:
    """An article's revisions, newest first (one query; no per-row loads)."""
    return list(
        db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.version.desc(), ArticleRevision.id.desc())
        )
    )


def restore(article: Article, revision: ArticleRevision) -> list[str]:
    """Put a revision's content back on the article (not its publication state).

    Returns what could not be restored because it is gone (a deleted author, photo or
    topic, an address another article took since), for the editor to see.
    """
    missing: list[str] = []
    article.title = revision.title
    article.teaser = revision.teaser
    article.body = revision.body
    if revision.author_id is not None and db.session.get(Author, revision.author_id):
        article.author_id = revision.author_id
    elif revision.author_name:
        missing.append("author")
    if revision.photo_id is not None and db.session.get(Photo, revision.photo_id) is None:
        missing.append("photo")
    else:
        article.photo_id = revision.photo_id
    article.photo_alt = revision.photo_alt
    article.photo_caption = revision.photo_caption
    article.photo_credit = revision.photo_credit
    article.comments_open = revision.comments_open
    wanted = [topic_id for topic_id, _name in json.loads(revision.topics)]
    topics = topics_with_ids(wanted)
    if len(topics) < len(wanted):
        missing.append("topics")
    file_article(article, topics)
    if unique_article_slug(revision.slug, article.id) == revision.slug:
        article.slug = revision.slug
    else:
        missing.append("slug")  # another article has taken the address since
    return missing


# Comparing two revisions -------------------------------------------------------------

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class Piece:
    """A run of text in a diff: kept, removed or added."""

    kind: str  # "same", "removed", "added"
    text: str


@dataclass
class Line:
    """One line of a compared text, with what changed inside it."""

    kind: str  # "same", "removed", "added", "changed", "skipped"
    pieces: list[Piece] = field(default_factory=list)
    skipped: int = 0  # for "skipped": how many unchanged lines are not shown


@dataclass
class FieldChange:
    name: str  # a key the template turns into a label
    lines: list[Line]


def _word_diff(old: str, new: str) -> list[Piece]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def _paragraphs(text: str) -> list[str]:
    return re.split(r"\n[ \t]*\n\s*", text.strip()) if text.strip() else []


def _changed_line(old: str, new: str) -> list[Line]:
    """A line edited in place, word by word; one rewritten as a whole, as two lines."""
    similar = difflib.SequenceMatcher(None, _WORDS.findall(old), _WORDS.findall(new))
    if similar.ratio() < 0.5:
        return [Line("removed", [Piece("removed", old)]), Line("added", [Piece("added", new)])]
    return [Line("changed", _word_diff(old, new))]


def text_diff(old: str, new: str, context: int = 1) -> list[Line]:
    """Paragraph by paragraph, changed ones word by word; long unchanged runs folded."""
    a, b = _paragraphs(old), _paragraphs(new)
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run = a[i1:i2]
            if len(run) > 2 * context + 1:
                head = run[:context] if lines else []
                tail = run[-context:] if i2 < len(a) else []
                lines += [Line("same", [Piece("same", text)]) for text in head]
                lines.append(Line("skipped", skipped=len(run) - len(head) - len(tail)))
                lines += [Line("same", [Piece("same", text)]) for text in tail]
            else:
                lines += [Line("same", [Piece("same", text)]) for text in run]
        elif tag == "replace":
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                lines += _changed_line(a[i1 + k], b[j1 + k])
            lines += [Line("removed", [Piece("removed", t)]) for t in a[i1 + pairs : i2]]
            lines += [Line("added", [Piece("added", t)]) for t in b[j1 + pairs : j2]]
        elif tag == "delete":
            lines += [Line("removed", [Piece("removed", t)]) for t in a[i1:i2]]
        else:
            lines += [Line("added", [Piece("added", t)]) for t in b[j1:j2]]
    return lines


def _photo_text(revision: ArticleRevision) -> str:
    return _("photo no. %(id)d", id=revision.photo_id) if revision.photo_id else _("no photo")


def _flags(revision: ArticleRevision) -> str:
    published = (
        date_and_time(revision.published_at) if revision.published_at else _("not published")
    )
    comments = _("comments open") if revision.comments_open else _("comments closed")
    return f"{published}; {comments}"


def diff(old: ArticleRevision, new: ArticleRevision) -> list[FieldChange]:
    """What changed from `old` to `new`, field by field; unchanged fields are left out."""
    simple = {
        "title": (old.title, new.title),
        "slug": (old.slug, new.slug),
        "author": (old.author_name, new.author_name),
        "teaser": (old.teaser, new.teaser),
        "body": (old.body, new.body),
        "photo": (_photo_text(old), _photo_text(new)),
        "photo_alt": (old.photo_alt, new.photo_alt),
        "photo_caption": (old.photo_caption, new.photo_caption),
        "photo_credit": (old.photo_credit, new.photo_credit),
        "topics": (", ".join(old.topic_names), ", ".join(new.topic_names)),
        "publication": (_flags(old), _flags(new)),
    }
    changes = [
        FieldChange(name, text_diff(before, after))
        for name, (before, after) in simple.items()
        if before != after
    ]
    return changes
