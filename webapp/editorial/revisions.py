"""An article's revisions: the list, a comparison of two, restoring one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..database import writing
from ..extensions import db
from ..models import ArticleRevision, RevisionNote
from ..revisions import diff, keep, keep_earlier, prune, restore, revisions_of
from .articles import editors_only, get_article, keep_old_address
from .audit import record
from .views import bp

# What `restore` reports as gone, in the editor's words.
_MISSING = {
    "author": lambda: _("The author no longer exists; the article keeps its current author."),
    "photo": lambda: _("The photo no longer exists; the article is restored without it."),
    "topics": lambda: _("Some topics no longer exist; the article is filed under the others."),
    "slug": lambda: _(
        "Another article has taken the address since; the article keeps its current one."
    ),
}


def _revision(article_id: int, revision_id: int) -> ArticleRevision:
    revision = db.session.get(ArticleRevision, revision_id)
    if revision is None or revision.article_id != article_id:
        abort(404, _("There is no such version of this article."))
    return revision


@bp.get("/artikel/<int:article_id>/versionen")
@editors_only
def revisions(article_id: int):
    """Every kept version of an article, newest first, to compare or restore."""
    article = get_article(article_id)
    return render_template(
        "editorial/revisions.html",
        article=article,
        revisions=revisions_of(article),
    )


@bp.get("/artikel/<int:article_id>/versionen/vergleich")
@editors_only
def compare_revisions(article_id: int):
    """Two versions side by side as a readable diff (?alt=<id>&neu=<id>)."""
    article = get_article(article_id)
    old = _revision(article_id, request.args.get("alt", type=int) or 0)
    new = _revision(article_id, request.args.get("neu", type=int) or 0)
    if (old.version, old.id) > (new.version, new.id):
        old, new = new, old
    newer = db.session.scalar(
        select(ArticleRevision.id)
        .where(ArticleRevision.article_id == article_id, ArticleRevision.version > new.version)
        .limit(1)
    )
    return render_template(
        "editorial/revision_diff.html",
        article=article,
        old=old,
        new=new,
        changes=diff(old, new),
        new_is_current=newer is None,
    )


@bp.post("/artikel/<int:article_id>/versionen/<int:revision_id>/wiederherstellen")
@editors_only
def restore_revision(article_id: int, revision_id: int):
    """Bring a version's content back; the current one stays in the list."""
    article = get_article(article_id)
    revision = _revision(article_id, revision_id)
    with writing():
        keep_earlier(article)
        old_slug = article.slug
        missing = restore(article, revision)
        if old_slug != article.slug:
            keep_old_address(article, old_slug)
        article.version += 1
        keep(article, current_user, f"{RevisionNote.RESTORED}:{revision.version}")
        prune(article.id)
        record(
            "article.restore",
            subject=article.title,
            article_id=article.id,
            before={"version": article.version - 1},
            after={"version": article.version, "restored": revision.version},
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
        flash(_MISSING[reason](), "error")
    return redirect(url_for("editorial.edit_article", article_id=article.id), 303)
