"""Revisions: every editorial save of an article or a page keeps it as it was saved.

A revision is a full copy of what an editor controls, stamped with the version it had,
who saved it and when: for a page its title, address and text; for an article also the
teaser, author, photo and its texts, topics, comments open and publication date. The
newest revision is the thing as it is; older ones can be compared with any other
(`diff`) and restored, which is itself a save and so a new revision: restoring never
loses what it replaces.

Something saved before revisions were kept (or imported) gets its state at that moment
kept first, as the "earlier" revision, so its first editorial save loses nothing either.

Pruning: the site setting `revisions_kept` (0: keep all) bounds the revisions per
article and per page; the newest are kept.

Both kinds share this code: what differs (the columns a kind keeps, how they are put
back, when an address is free, what a comparison shows) is one `Kind` each, below.

All writing functions run inside `database.writing()`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from .extensions import db
from .formatting import date_and_time
from .models import (
    Article,
    ArticleRevision,
    Author,
    Photo,
    Revision,
    RevisionNote,
    User,
    utcnow,
)
from .pages import Page, PageRevision
from .site_settings import get_setting
from .slugs import unique_article_slug
from .topics import file_article, topics_with_ids

Kept = Article | Page  # what keeps revisions


@dataclass(frozen=True)
class Kind:
    """What one kind of thing that keeps revisions does its own way."""

    model: type[Any]  # its Revision model
    copied: Callable[[Any], dict]  # the revision's own columns, beyond `Revision`'s
    put_back: Callable[[Any, Any], list[str]]  # restores them; returns what is gone
    slug_is_free: Callable[[Any, str], bool]  # may the thing take this address back?
    compared: Callable[[Any], dict[str, str]]  # what a comparison shows, in order


def _article_copied(article: Article) -> dict:
    return {
        "article": article,
        "teaser": article.teaser or "",
        "author_id": article.author_id,
        "author_name": _author_name(article),
        "photo_id": article.photo.id if article.photo is not None else None,
        "photo_alt": article.photo_alt or "",
        "photo_caption": article.photo_caption or "",
        "photo_credit": article.photo_credit or "",
        "comments_open": article.comments_open,
        "published_at": article.published_at,
        "topics": json.dumps([[t.id, t.name] for t in article.topics], ensure_ascii=False),
    }


def _author_name(article: Article) -> str:
    """The author's name as saved (a new article may name its author by id only)."""
    author = article.author
    if author is None and article.author_id is not None:
        author = db.session.get(Author, article.author_id)
    return author.name if author is not None else ""


def _article_put_back(article: Article, revision: ArticleRevision) -> list[str]:
    """Everything but the publication state; a deleted author, photo or topic is named."""
    missing: list[str] = []
    article.teaser = revision.teaser
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
    return missing


def _photo_text(revision: ArticleRevision) -> str:
    return _("photo no. %(id)d", id=revision.photo_id) if revision.photo_id else _("no photo")


def _flags(revision: ArticleRevision) -> str:
    published = (
        date_and_time(revision.published_at) if revision.published_at else _("not published")
    )
    comments = _("comments open") if revision.comments_open else _("comments closed")
    return f"{published}; {comments}"


def _page_slug_is_free(page: Page, slug: str) -> bool:
    other = db.session.scalar(select(Page.id).where(Page.slug == slug))
    return other in (None, page.id) and not (page.is_fixed and slug != page.slug)


ARTICLE = Kind(
    model=ArticleRevision,
    copied=_article_copied,
    put_back=_article_put_back,
    slug_is_free=lambda article, slug: unique_article_slug(slug, article.id) == slug,
    compared=lambda r: {
        "title": r.title,
        "slug": r.slug,
        "author": r.author_name,
        "teaser": r.teaser,
        "body": r.body,
        "photo": _photo_text(r),
        "photo_alt": r.photo_alt,
        "photo_caption": r.photo_caption,
        "photo_credit": r.photo_credit,
        "topics": ", ".join(r.topic_names),
        "publication": _flags(r),
    },
)
PAGE = Kind(
    model=PageRevision,
    copied=lambda page: {"page": page},
    put_back=lambda page, revision: [],
    slug_is_free=_page_slug_is_free,
    compared=lambda r: {"title": r.title, "slug": r.slug, "body": r.body},
)
_KINDS: dict[type, Kind] = {Article: ARTICLE, Page: PAGE}
_BY_MODEL: dict[type, Kind] = {kind.model: kind for kind in _KINDS.values()}


def keep(item: Kept, user: User | None, note: str) -> Revision:
    """Keep the article or page as it is now (after a save) as a revision."""
    kind = _KINDS[type(item)]
    revision = kind.model(
        version=item.version,
        user_id=user.id if user is not None else None,
        user_email=user.email if user is not None else "",
        note=note,
        title=item.title,
        slug=item.slug,
        body=item.body or "",
        **kind.copied(item),
    )
    db.session.add(revision)
    return revision


def _of(item: Kept):
    """A select of the item's revisions, newest first."""
    model = _KINDS[type(item)].model
    return (
        select(model)
        .where(model.owner_id == item.id)
        .order_by(model.version.desc(), model.id.desc())
    )


def keep_earlier(item: Kept) -> None:
    """Before the first save that keeps revisions: keep the item as stored until now.

    Saved before revisions were kept, or imported: what it was is not lost either. Call
    before the save changes anything.
    """
    if item.id is not None and db.session.scalar(_of(item).limit(1)) is None:
        keep(item, None, RevisionNote.EARLIER).created_at = item.updated_at or utcnow()


def prune(item: Kept | None = None) -> int:
    """Delete all but the newest `revisions_kept` revisions (of one item, or of all)."""
    kept = int(get_setting("revisions_kept") or 0)
    if kept <= 0:
        return 0
    if item is None:
        return sum(_prune(kind.model, kept) for kind in _KINDS.values())
    return _prune(_KINDS[type(item)].model, kept, item.id) if item.id is not None else 0


def _prune(model: type[Any], kept: int, owner_id: int | None = None) -> int:
    ranked = select(
        model.id,
        func.row_number()
        .over(partition_by=model.owner_id, order_by=(model.version.desc(), model.id.desc()))
        .label("rank"),
    )
    if owner_id is not None:
        ranked = ranked.where(model.owner_id == owner_id)
    ranked = ranked.subquery()
    old = select(ranked.c.id).where(ranked.c.rank > kept)
    result = db.session.execute(
        delete(model).where(model.id.in_(old)).execution_options(synchronize_session=False)
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


def revisions_of(item: Kept) -> list[Revision]:
    """An article's or page's revisions, newest first (one query; no per-row loads)."""
    return list(db.session.scalars(_of(item)))


def revision_of(item: Kept, revision_id: int) -> Revision | None:
    """One of the item's revisions by id; None for another item's or an unknown one."""
    revision = db.session.get(_KINDS[type(item)].model, revision_id)
    return revision if revision is not None and revision.owner_id == item.id else None


def is_newest(item: Kept, revision: Revision) -> bool:
    """Whether no later version of the item is kept: the revision is the item as it is."""
    model = _KINDS[type(item)].model
    newer = select(model.id).where(model.owner_id == item.id, model.version > revision.version)
    return db.session.scalar(newer.limit(1)) is None


def restore(item: Kept, revision: Revision) -> list[str]:
    """Put a revision's content back on the article or page (not an article's publication
    state).

    Returns what could not be restored because it is gone (a deleted author, photo or
    topic, an address something else took since), for the editor to see.
    """
    kind = _KINDS[type(item)]
    item.title = revision.title
    item.body = revision.body
    missing = kind.put_back(item, revision)
    if kind.slug_is_free(item, revision.slug):
        item.slug = revision.slug
    else:
        missing.append("slug")  # something else has taken the address since
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


def diff(old: Revision, new: Revision) -> list[FieldChange]:
    """What changed from `old` to `new`, field by field; unchanged fields are left out."""
    compared = _BY_MODEL[type(old)].compared
    before, after = compared(old), compared(new)
    return [
        FieldChange(name, text_diff(before[name], after[name]))
        for name in before
        if before[name] != after[name]
    ]
