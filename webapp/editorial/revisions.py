"""The revisions of an article or a page: the list, a comparison of two, restoring one.

Both kinds share the views and templates; what differs (where the thing is edited, what
the pages say about it, what else a restore does) is one `Screens` each, below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..database import writing
from ..models import RevisionNote
from ..revisions import (
    Kept,
    diff,
    is_newest,
    keep,
    keep_earlier,
    prune,
    restore,
    revision_of,
    revisions_of,
)
from .articles import editors_only, get_article, keep_old_address
from .audit import record
from .pages import get_page
from .views import bp

# What `restore` reports as gone, in the editor's words.
_MISSING_FROM_ARTICLES = {
    "author": _l("The author no longer exists; the article keeps its current author."),
    "photo": _l("The photo no longer exists; the article is restored without it."),
    "topics": _l("Some topics no longer exist; the article is filed under the others."),
    "slug": _l("Another article has taken the address since; the article keeps its current one."),
}


@dataclass(frozen=True)
class Screens:
    """How one kind's revision pages link and speak."""

    id_arg: str  # the URL's name for the thing's id
    get: Callable[[int], Kept]  # the thing, or 404
    endpoints: dict[str, str]  # "edit", "list", "compare", "restore" -> endpoint
    back: Any  # the link back to the thing's form
    no_such_version: Any
    earlier: Any  # the note of the state kept before revisions were
    restores: Any  # what restoring brings back, said below the comparison
    audit: str
    missing: dict[str, Any] = field(default_factory=dict)
    audit_ids: Callable[[Kept], dict] = lambda _item: {}
    # Whatever else a restore must do when the address changes.
    moved: Callable[[Kept, str], None] = lambda _item, _old_slug: None


ARTICLES = Screens(
    id_arg="article_id",
    get=get_article,
    endpoints={
        "edit": "editorial.edit_article",
        "list": "editorial.revisions",
        "compare": "editorial.compare_revisions",
        "restore": "editorial.restore_revision",
    },
    back=_l("Back to the article"),
    no_such_version=_l("There is no such version of this article."),
    earlier=_l("as it was before versions were kept"),
    restores=_l(
        "Restoring brings back title, address, teaser, text, author, photo, topics and "
        "whether comments are open. Whether and when the article is published stays as it is."
    ),
    audit="article.restore",
    missing=_MISSING_FROM_ARTICLES,
    audit_ids=lambda article: {"article_id": article.id},
    moved=keep_old_address,
)
PAGES = Screens(
    id_arg="page_id",
    get=get_page,
    endpoints={
        "edit": "editorial.edit_page",
        "list": "editorial.page_revisions",
        "compare": "editorial.compare_page_revisions",
        "restore": "editorial.restore_page_revision",
    },
    back=_l("Back to the page"),
    no_such_version=_l("There is no such version of this page."),
    earlier=_l("as the page was before versions were kept"),
    restores=_l("Restoring brings back title, address and text."),
    audit="page.restore",
    missing={
        "slug": _l("Another page has taken the address since; the page keeps its current one.")
    },
)


def _url(screens: Screens, item: Kept) -> Callable[..., str]:
    """url_for for the item's revision pages: `version_url("compare", alt=…, neu=…)`."""
    return lambda name, **args: url_for(
        screens.endpoints[name], **{screens.id_arg: item.id}, **args
    )


def _revision(screens: Screens, item: Kept, revision_id: int | None):
    revision = revision_of(item, revision_id or 0)
    if revision is None:
        abort(404, str(screens.no_such_version))
    return revision


def _list(screens: Screens, item_id: int):
    item = screens.get(item_id)
    return render_template(
        "editorial/revisions.html",
        item=item,
        screens=screens,
        version_url=_url(screens, item),
        revisions=revisions_of(item),
    )


def _compare(screens: Screens, item_id: int):
    item = screens.get(item_id)
    old = _revision(screens, item, request.args.get("alt", type=int))
    new = _revision(screens, item, request.args.get("neu", type=int))
    if (old.version, old.id) > (new.version, new.id):
        old, new = new, old
    return render_template(
        "editorial/revision_diff.html",
        item=item,
        screens=screens,
        version_url=_url(screens, item),
        old=old,
        new=new,
        changes=diff(old, new),
        new_is_current=is_newest(item, new),
    )


def _restore(screens: Screens, item_id: int, revision_id: int):
    item = screens.get(item_id)
    revision = _revision(screens, item, revision_id)
    with writing():
        keep_earlier(item)
        old_slug = item.slug
        missing = restore(item, revision)
        if old_slug != item.slug:
            screens.moved(item, old_slug)
        # A form opened before the restore now meets the version check (conflicts.py).
        item.version += 1
        keep(item, current_user, f"{RevisionNote.RESTORED}:{revision.version}")
        prune(item)
        record(
            screens.audit,
            subject=item.title,
            before={"version": item.version - 1},
            after={"version": item.version, "restored": revision.version},
            **screens.audit_ids(item),
        )
    flash(
        _(
            "Version %(version)d has been restored. The version it replaced is kept in the "
            "list of versions.",
            version=revision.version,
        ),
        "success",
    )
    for reason in missing:
        flash(str(screens.missing[reason]), "error")
    return redirect(_url(screens, item)("edit"), 303)


@bp.get("/artikel/<int:article_id>/versionen")
@editors_only
def revisions(article_id: int):
    """Every kept version of an article, newest first, to compare or restore."""
    return _list(ARTICLES, article_id)


@bp.get("/artikel/<int:article_id>/versionen/vergleich")
@editors_only
def compare_revisions(article_id: int):
    """Two versions of an article as a readable diff (?alt=<id>&neu=<id>)."""
    return _compare(ARTICLES, article_id)


@bp.post("/artikel/<int:article_id>/versionen/<int:revision_id>/wiederherstellen")
@editors_only
def restore_revision(article_id: int, revision_id: int):
    """Bring a version's content back; the current one stays in the list."""
    return _restore(ARTICLES, article_id, revision_id)


@bp.get("/seiten/<int:page_id>/versionen")
@editors_only
def page_revisions(page_id: int):
    """Every kept version of a page, newest first, to compare or restore."""
    return _list(PAGES, page_id)


@bp.get("/seiten/<int:page_id>/versionen/vergleich")
@editors_only
def compare_page_revisions(page_id: int):
    """Two versions of a page as a readable diff (?alt=<id>&neu=<id>)."""
    return _compare(PAGES, page_id)


@bp.post("/seiten/<int:page_id>/versionen/<int:revision_id>/wiederherstellen")
@editors_only
def restore_page_revision(page_id: int, revision_id: int):
    """Bring a page's version back; the current one stays in the list."""
    return _restore(PAGES, page_id, revision_id)
