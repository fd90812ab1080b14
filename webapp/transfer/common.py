"""What both imports share: clean text, free slugs, one transaction, comment counters,
and the public form's rules for the comments an import brings.

A comment that arrives by import passes the same rules as one a reader posts
(webapp/comments/forms.py), but an import does not refuse it, and never stops for it:
refusing a migration from WordPress for one odd comment out of thousands helps nobody.
`comment_fields` cleans what can be cleaned and reports each change as a note:

- Unicode as NFC, CR LF and CR as LF, outer white space off: as the form does;
- control characters (NUL, escape …; tab and line feed stay) removed, and reported;
- a name longer than the form allows is shortened to 99 characters and "…"; a name that
  is empty or only invisible characters becomes "Anonym" (reported if it had any);
- an e-mail address that the form would refuse (its syntax, or over 254 characters) is
  left out (""), and reported; WordPress allows comments without an address, so an
  empty one is kept empty;
- a text longer than the form allows is kept whole (an import should not lose what
  readers wrote), and reported;
- a comment whose text is empty or only invisible characters is skipped, and reported:
  nothing of it could be shown.

Markup stays text: comments are stored as plain text and shown escaped, like every
reader's. Comments have no URL field; WordPress's author URL is not imported.

Articles and authors pass the editorial forms' rules (webapp/editorial/forms.py) the same
way, field by field (`Cleaner`), and every change is a note naming the record and field:

- Unicode as NFC, CR LF and CR as LF, control characters removed (reported), outer white
  space off where the form strips it (not in a body or a bio, which are Markdown);
- a title, author name, alternative text, caption or photo credit longer than the form
  allows (their columns have the same size) is shortened to fit, ending in "…"; a
  teaser longer than the form allows is kept whole, as a comment's text is;
- a slug the form would refuse (lower-case letters, digits and single hyphens, at most
  200) is made into one as the editor does, from itself or else from the title or name;
  an import key with control characters or over 300 characters is left out;
- an article whose title is empty or only invisible characters cannot be made valid and
  is skipped with its comments (WordPress, which allows untitled posts, calls it
  "Ohne Titel" instead); an author without a name is called "Anonym"; an article without
  text or a photo without alternative text is imported as it is, and reported.

Bodies and bios stay Markdown and are rendered and sanitized as every editor's are
(models.py, text.py): cleaning takes out control characters only.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, select, update

from ..comments.forms import is_blank
from ..comments.service import EMAIL_MAX, NAME_MAX, TEXT_MAX
from ..comments.threads import rethread
from ..editorial.forms import SLUG
from ..extensions import db
from ..models import Article, ArticleSlug, Comment, CommentStatus, utcnow
from ..slugs import unique_article_slug
from ..text import make_slug

# Control characters (Unicode category Cc) other than tab and line feed: NUL, escape,
# backspace … have no business in stored text and break some terminals and feeds.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BATCH = 500  # values per IN (…): well below every database's limit on bound parameters
ANONYMOUS = "Anonym"  # WordPress shows "Anonymous" for comments without a name

# The editorial forms' limits (editorial/forms.py); the String(n) columns have the same.
TITLE_MAX = 300
TOPIC_NAME_MAX = 100  # the topic form's limit
TEASER_MAX = 500  # a Text column: longer teasers are kept
PHOTO_ALT_MAX = 300
PHOTO_CAPTION_MAX = 500
PHOTO_CREDIT_MAX = 300
AUTHOR_NAME_MAX = 200
SLUG_MAX = 200
KEY_MAX = 300  # import_key: no form, its column


# The fields notes name, as the operator reads them (English: as the JSON file names them).
FIELD_NAMES = {
    "text": _lp("import field", "text"),
    "body": _lp("import field", "body"),
    "excerpt": _lp("import field", "excerpt"),
    "teaser": _lp("import field", "teaser"),
    "title": _lp("import field", "title"),
    "name": _lp("import field", "name"),
    "description": _lp("import field", "description"),
    "bio": _lp("import field", "bio"),
    "photo_alt": _lp("import field", "photo_alt"),
    "photo_caption": _lp("import field", "photo_caption"),
    "photo_credit": _lp("import field", "photo_credit"),
}
STATUS_COUNTS = {
    CommentStatus.VISIBLE: _lp("import", "%(num)s visible"),
    CommentStatus.PENDING: _lp("import", "%(num)s pending"),
    CommentStatus.SPAM: _lp("import", "%(num)s spam"),
    CommentStatus.DELETED: _lp("import", "%(num)s deleted"),
}


def field_name(field: str) -> str:
    return str(FIELD_NAMES.get(field, field))


def shown(value: str) -> str:
    """A value for a note, quoted by the message: invisible characters written out (\\x00)."""
    return repr(value)[1:-1]


class TransferError(Exception):
    """A file that cannot be imported; the message is for the operator."""


@dataclass
class Report:
    """What an import did (or would do): counters by name, and notes worth reading."""

    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def note(self, text: str) -> None:
        self.notes.append(text)


def clean_text(text: str) -> str:
    """Text in NFC, with CR LF as LF and without control characters (tab and LF stay)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def one_line(text: str) -> str:
    """Clean text with every run of white space as one space: names and titles."""
    return " ".join(clean_text(text).split())


def shorten(text: str, limit: int) -> str:
    """The text, or its first limit - 1 characters and '…' if it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def has_controls(text: str) -> bool:
    """Whether clean_text would remove something (besides turning CR into LF)."""
    return bool(_CONTROL.search(text.replace("\r", "")))


def is_valid_email(address: str) -> bool:
    """Whether the comment form would take this address (its limit, WTForms' Email())."""
    if len(address) > EMAIL_MAX:
        return False
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def comment_fields(
    name: str, email: str, text: str, *, where: str, report: Report, raw: str | None = None
) -> tuple[str, str, str] | None:
    """A comment's name, e-mail and text by the public form's rules, cleaned where they
    break one; None if it has no text to show. Every change is a note (see the module's
    docstring). `where` names the comment in notes ("Comment 7", "comments[3]"); `raw` is
    what to look for control characters in, if the values were converted already.
    """
    if has_controls(name + email + text if raw is None else raw):
        report.note(_("%(where)s: control characters removed.", where=where))
    text = clean_text(text).strip()
    if is_blank(text):
        report.note(_("%(where)s has no text; skipped.", where=where))
        report.add("comments skipped")
        return None
    if len(text) > TEXT_MAX:
        report.note(
            _(
                "%(where)s has %(length)s characters, more than the form allows (%(limit)s); "
                "kept whole.",
                where=where,
                length=format_number(len(text)),
                limit=format_number(TEXT_MAX),
            )
        )
    cleaned = clean_text(name).strip()
    if is_blank(cleaned):
        if name.strip():
            report.note(
                _(
                    "%(where)s: the name has only invisible characters; '%(name)s'.",
                    where=where,
                    name=ANONYMOUS,
                )
            )
        cleaned = ANONYMOUS
    elif len(cleaned) > NAME_MAX:
        report.note(
            _("%(where)s: name shortened to %(limit)s characters.", where=where, limit=NAME_MAX)
        )
        cleaned = shorten(cleaned, NAME_MAX)
    email = clean_text(email).strip()
    if email and not is_valid_email(email):
        report.note(_("%(where)s: the e-mail address is not valid; left out.", where=where))
        email = ""
    return cleaned, email, text


class Cleaner:
    """The fields of one article or author by the editorial forms' rules, cleaned where
    they break one, every change a note (see the module's docstring). `where` names the
    record in notes ("articles[3]", "Post 7").
    """

    def __init__(self, where: str, report: Report) -> None:
        self.where = where
        self.report = report

    def _clean(self, value: str, field: str) -> str:
        if has_controls(value):
            self.report.note(
                _(
                    "%(where)s: control characters removed from the %(field)s.",
                    where=self.where,
                    field=field_name(field),
                )
            )
        return clean_text(value)

    def line(self, value: str, field: str, limit: int, *, collapse: bool = False) -> str:
        """A field the form strips and limits, in a column of that size: shortened to fit.

        `collapse` makes every run of white space one space (WordPress titles and names).
        """
        cleaned = self._clean(value, field)
        cleaned = " ".join(cleaned.split()) if collapse else cleaned.strip()
        if len(cleaned) > limit:
            self.report.note(
                _(
                    "%(where)s: %(field)s shortened to %(limit)s characters.",
                    where=self.where,
                    field=field_name(field),
                    limit=limit,
                )
            )
            cleaned = shorten(cleaned, limit)
        return cleaned

    def text(self, value: str, field: str, *, limit: int | None = None, strip: bool = True) -> str:
        """A field in a Text column: kept whole when longer than the form allows, reported."""
        cleaned = self._clean(value, field)
        if strip:
            cleaned = cleaned.strip()
        if limit is not None and len(cleaned) > limit:
            self.report.note(
                _(
                    "%(where)s: the %(field)s has %(length)s characters, more than the form "
                    "allows (%(limit)s); kept whole.",
                    where=self.where,
                    field=field_name(field),
                    length=format_number(len(cleaned)),
                    limit=format_number(limit),
                )
            )
        return cleaned

    def slug(self, value: str, fallback: str, default: str) -> str:
        """The slug if the form would take it, else one made as the editor makes them:
        from the value, else from `fallback` (the title, the name), else `default`."""
        if SLUG.fullmatch(value) and len(value) <= SLUG_MAX:
            return value
        slug = (
            make_slug(clean_text(value), max_length=SLUG_MAX)
            or make_slug(clean_text(fallback))
            or default
        )
        self.report.note(
            _(
                "%(where)s: the slug '%(value)s' is not valid; '%(slug)s' instead.",
                where=self.where,
                value=shown(shorten(value, 60)),
                slug=shown(slug),
            )
        )
        return slug

    def old_slug(self, value: str) -> str | None:
        """An old slug as the form would take it, made into one if it is not; None: none."""
        if SLUG.fullmatch(value) and len(value) <= SLUG_MAX:
            return value
        slug = make_slug(clean_text(value), max_length=SLUG_MAX) or None
        if slug is None:
            note = _(
                "%(where)s: the old slug '%(value)s' is not valid; skipped.",
                where=self.where,
                value=shown(shorten(value, 60)),
            )
        else:
            note = _(
                "%(where)s: the old slug '%(value)s' is not valid; '%(slug)s' instead.",
                where=self.where,
                value=shown(shorten(value, 60)),
                slug=shown(slug),
            )
        self.report.note(note)
        return slug

    def key(self, value: str | None) -> str | None:
        return clean_import_key(value, where=self.where, report=self.report)


def clean_import_key(value: str | None, *, where: str, report: Report) -> str | None:
    """An import key as the database can store and find it; None (reported) if it cannot."""
    if value is None:
        return None
    if has_controls(value) or len(value) > KEY_MAX or is_blank(value):
        report.note(_("%(where)s: the import_key is not valid; left out.", where=where))
        return None
    return value


def utc_naive(value: datetime) -> datetime:
    """A datetime as the database stores it: UTC without tzinfo (naive ones are UTC)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def iso_utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) datetime as ISO 8601 with 'Z', or None."""
    return None if value is None else value.isoformat() + "Z"


def add_old_slug(article: Article, slug: str, report: Report) -> None:
    """Keep a slug the article had before, so its old address can redirect; skip taken ones."""
    if not slug or slug == article.slug:
        return
    existing = db.session.scalar(select(ArticleSlug).where(ArticleSlug.slug == slug))
    if existing is not None and existing.article_id == article.id:
        report.add("old slugs unchanged")
    elif existing is not None or unique_article_slug(slug) != slug:
        report.add("old slugs taken")
        report.note(
            _(
                "Old slug '%(slug)s' of '%(article)s' is taken by another article; skipped.",
                slug=shown(slug),
                article=shown(article.slug),
            )
        )
    else:
        db.session.add(ArticleSlug(slug=slug, article=article))
        db.session.flush()
        report.add("old slugs created")


def refresh_discussions(article_ids: Collection[int]) -> None:
    """After comments came in: set their threads from their parent links (replies are
    linked once every comment has an id), recount the visible comments of those articles,
    and raise their version.

    The same rule as comments.service: `comment_count` is the number of visible comments,
    `comment_version` and `comments_changed_at` move with every change, so cached pages
    and ETags notice the import; `updated_at` stays, as comments are no edit.
    """
    db.session.flush()
    rethread(article_ids)
    articles = Article.__table__
    comments = Comment.__table__
    visible = (
        select(func.count())
        .where(
            comments.c.article_id == articles.c.id,
            comments.c.status == CommentStatus.VISIBLE,
        )
        .scalar_subquery()
    )
    ids = sorted(article_ids)
    now = utcnow()
    for start in range(0, len(ids), BATCH):
        db.session.execute(
            update(articles)
            .where(articles.c.id.in_(ids[start : start + BATCH]))
            .values(
                comment_count=visible,
                comment_version=articles.c.comment_version + 1,
                comments_changed_at=now,
                updated_at=articles.c.updated_at,
            )
        )
    # The rows changed behind the ORM's back: loaded articles must read them anew.
    db.session.expire_all()


@contextmanager
def import_transaction(dry_run: bool) -> Iterator[None]:
    """One transaction for a whole import: all of it is stored, or (dry run, error) nothing.

    CLI commands run outside requests, so the transaction takes SQLite's write lock as it
    begins (see database.py) and holds it to the end: import big files while the site is
    quiet.
    """
    db.session.commit()  # nothing the command read before belongs to the import
    try:
        yield
        db.session.flush()
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()


def status_counts(report: Report, prefix: str) -> str:
    """'27 visible, 5 pending, 4 spam, 1 deleted' from the counters named prefix + status."""
    return ", ".join(
        STATUS_COUNTS[status] % {"num": report.counts[prefix + status]} for status in CommentStatus
    )
