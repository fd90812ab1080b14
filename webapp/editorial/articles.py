"""Writing articles: create, edit, preview, publish, schedule, delete."""

from __future__ import annotations

import hashlib

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..database import writing
from ..extensions import db
from ..formatting import date_and_time
from ..media import PhotoError
from ..models import Article, ArticleSlug, Author, RevisionNote, Role, Topic, article_topic, utcnow
from ..previews import article_with_everything, preview_link, render_preview
from ..revisions import earlier_publication, keep, keep_earlier, prune
from ..slugs import unique_article_slug
from ..text import dropped_markup, make_slug
from ..topics import file_article, topics_with_ids
from .audit import record
from .auth import role_required
from .conflicts import EditConflict, check_version
from .forms import (
    ArticleFilterForm,
    ArticleForm,
    keeps_what_was_typed,
    local_to_utc,
    utc_to_local,
)
from .media_library import library_photos
from .staging import chosen_photo, photo_to_save, stage, uploaded
from .views import bp

editors_only = role_required(Role.EDITOR)


def get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404, _("There is no article at this address."))
    return article


def _form(article: Article | None) -> ArticleForm:
    form = ArticleForm(obj=article, has_photo=bool(article and article.photo_id))
    authors = db.session.scalars(select(Author).order_by(Author.name)).all()
    form.author_id.choices = [SelectChoice(a.id, a.name) for a in authors]
    topics = db.session.scalars(select(Topic).order_by(Topic.name)).all()
    form.topic_ids.choices = [SelectChoice(t.id, t.name) for t in topics]
    if article is not None and request.method == "GET":
        form.published_at.data = utc_to_local(article.published_at)
        form.topic_ids.data = [t.id for t in article.topics]
        form.version.data = str(article.version)
    return form


@bp.get("/artikel")
@editors_only
def articles():
    """All articles with their state: searched, filtered and ordered as the form says."""
    form = ArticleFilterForm(request.args)
    authors = db.session.execute(select(Author.id, Author.name).order_by(Author.name)).all()
    topics = db.session.execute(select(Topic.id, Topic.name).order_by(Topic.name)).all()
    everyone = [SelectChoice("", _("All"))]
    form.autor.choices = everyone + [SelectChoice(str(i), name) for i, name in authors]
    form.thema.choices = everyone + [SelectChoice(str(i), name) for i, name in topics]
    form.validate()  # an unknown choice is left out below, whatever it was
    now = utcnow()
    query = select(Article).options(joinedload(Article.author))
    if form.q.data:
        query = query.where(Article.title.ilike(f"%{_escape_like(form.q.data)}%", escape="\\"))
    status = form.status.data if not form.status.errors else ""
    if status == "entwurf":
        query = query.where(Article.published_at.is_(None))
    elif status == "geplant":
        query = query.where(Article.published_at > now)
    elif status == "veroeffentlicht":
        query = query.where(Article.published_at <= now)
    if form.autor.data and not form.autor.errors:
        query = query.where(Article.author_id == int(form.autor.data))
    if form.thema.data and not form.thema.errors:
        query = query.where(
            Article.id.in_(
                select(article_topic.c.article_id).where(
                    article_topic.c.topic_id == int(form.thema.data)
                )
            )
        )
    order = form.ordnung.data if not form.ordnung.errors else "neueste"
    query = query.order_by(*_ORDERS.get(order, _ORDERS["neueste"]), Article.id.desc())
    page = db.paginate(query, page=request.args.get("seite", 1, type=int), per_page=30)
    params = {k: v for k, v in request.args.items() if k != "seite" and v}
    return render_template("editorial/articles.html", page=page, now=now, form=form, params=params)


_ORDERS = {
    "neueste": (Article.published_at.is_(None).desc(), Article.published_at.desc()),
    "aelteste": (Article.published_at.is_(None).asc(), Article.published_at.asc()),
    "geaendert": (Article.updated_at.desc(),),
    "titel": (func.lower(Article.title).asc(),),
    "kommentare": (Article.comment_count.desc(),),
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/artikel/neu", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def new_article():
    """Write a new article."""
    return _edit(None)


@bp.route("/artikel/<int:article_id>", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def edit_article(article_id: int):
    """Edit, preview, publish or withdraw an article."""
    return _edit(get_article(article_id))


def _apply(form: ArticleForm, article: Article) -> None:
    """Copy what the form says onto an article (a new, an existing, or a preview)."""
    article.title = form.title.data
    article.teaser = form.teaser.data or ""
    article.body = form.body.data
    article.author_id = form.author_id.data
    article.comments_open = form.comments_open.data
    article.photo_alt = form.photo_alt.data or ""
    article.photo_caption = form.photo_caption.data or ""
    article.photo_credit = form.photo_credit.data or ""


def _page(form: ArticleForm, article: Article | None, status: int = 200, **context):
    unpublished = article is not None and article.published_at is None
    return render_template(
        "editorial/article_form.html",
        form=form,
        article=article,
        chosen=chosen_photo(form),
        library=library_photos(1, 24),
        now=utcnow(),
        # Withdrawn once: "Jetzt veröffentlichen" brings it back under this date.
        earlier_publication=earlier_publication(article) if unpublished else None,
        **context,
    ), status


_LOGGED_AS = {
    RevisionNote.SAVED: "article.save",
    RevisionNote.PUBLISHED: "article.publish",
    RevisionNote.WITHDRAWN: "article.withdraw",
}


def logged(article: Article) -> dict:
    """What the audit log keeps of an article's state."""
    published = article.published_at
    return {
        "title": article.title,
        "slug": article.slug,
        "published": date_and_time(published) if published else _("not published"),
        "version": article.version,
    }


def _fingerprint(dropped: list[str]) -> str:
    """Names one list of warnings, so a confirmation holds for that list only."""
    return hashlib.sha256("\n".join(dropped).encode()).hexdigest()[:16]


def _edit(article: Article | None):
    form = _form(article)
    upload = uploaded(form)
    if not form.validate_on_submit():
        if request.method == "GET":
            return _page(form, article)
        stage(form, upload)
        return _page(form, article, 422)

    action = request.form.get("aktion", "speichern")
    # What the page will not show as written is said before it is saved (text.py).
    dropped = dropped_markup(form.body.data or "")
    if action == "vorschau":
        stage(form, upload)
        # A transient copy, never added to the session: nothing is saved by looking.
        topics = topics_with_ids(form.topic_ids.data or [])  # queries before the copy
        author = db.session.get(Author, form.author_id.data)
        photo = chosen_photo(form)
        if photo is None and article is not None and not form.remove_photo.data:
            photo = article.photo
        # Linking the copy to the author puts it into author.articles: no flush may see it.
        with db.session.no_autoflush:
            preview = Article()
            _apply(form, preview)
            preview.topics = topics
            preview.author = author
            preview.photo = photo
            return _page(form, article, preview=preview, dropped=dropped)
    if dropped and request.form.get("verworfenes_bestaetigt") != _fingerprint(dropped):
        # Saved only once the editor has seen the list, and for exactly this list.
        stage(form, upload)
        return _page(form, article, 422, dropped=dropped, confirm=_fingerprint(dropped))

    try:
        with writing():
            if article is not None:
                check_version(
                    article.version,
                    form.version.data,
                    [
                        (_("Title"), article.title, False),
                        (_("Teaser"), article.teaser, False),
                        (_("Text"), article.body, True),
                    ],
                    article.updated_at,
                )
            # Queries first: a half-filled new article must not be flushed by them.
            photo = photo_to_save(form, upload)
            if photo is not None and not form.photo_credit.data:
                form.photo_credit.data = photo.credit  # the library's, if it has one
            topics = topics_with_ids(form.topic_ids.data or [])
            slug = unique_article_slug(
                form.slug.data or make_slug(form.title.data), article.id if article else None
            )
            before = logged(article) if article is not None else None
            if article is None:
                article = Article()
                db.session.add(article)
            else:
                keep_earlier(article)
            old_slug = article.slug
            _apply(form, article)
            article.slug = slug
            file_article(article, topics)
            if form.remove_photo.data:
                article.photo = None
            if photo is not None:
                article.photo = photo
            published_at = local_to_utc(form.published_at.data)
            note = RevisionNote.SAVED
            if action == "veroeffentlichen":
                # Now, not at a scheduled time; and one published before and withdrawn
                # comes back under its original date.
                if published_at is None or published_at > utcnow():
                    published_at = earlier_publication(article) or utcnow()
                note = RevisionNote.PUBLISHED
            elif action == "zurueckziehen":
                published_at = None
                note = RevisionNote.WITHDRAWN
            article.published_at = published_at
            if old_slug and old_slug != article.slug:
                keep_old_address(article, old_slug)
            article.version = (article.version or 0) + 1
            keep(article, current_user, note)
            if article.id is not None:
                prune(article)
            db.session.flush()  # a new article's id, for the log
            record(
                "article.create" if before is None else _LOGGED_AS[note],
                subject=article.title,
                article_id=article.id,
                before=before,
                after=logged(article),
            )
    except EditConflict as conflict:
        # What the editor typed stays in the form (a chosen photo too); saving it again
        # replaces the other version knowingly (the form now names the version it was shown).
        stage(form, upload)
        form.version.data = str(db.session.get(Article, article.id).version)
        message = _(
            "Someone else saved this article while you were editing it. Your version is in "
            "the form, the saved one above it: compare them, then save again to keep yours."
        )
        return _page(form, article, 409, conflict=conflict.stored, conflict_message=message)
    except PhotoError as error:
        form.photo.errors = [str(error)]
        return _page(form, article, 422)

    flash(_("The article has been saved."), "success")
    return redirect(url_for("editorial.edit_article", article_id=article.id), 303)


@bp.get("/artikel/<int:article_id>/ansehen")
@editors_only
def view_article(article_id: int):
    """Any article as readers will see it (a draft or a scheduled one as a marked preview)."""
    article = article_with_everything(article_id)
    if article is None:
        abort(404, _("There is no article at this address."))
    return render_preview(article)


@bp.post("/artikel/<int:article_id>/vorschau-link")
@editors_only
def share_preview(article_id: int):
    """A secret link that shows the article to someone without an account, for a while."""
    article = get_article(article_id)
    link, expires = preview_link(article)
    return render_template(
        "editorial/preview_link.html", article=article, link=link, expires=expires
    )


def keep_old_address(article: Article, old_slug: str) -> None:
    """The old address answers 301 to the new one; a slug taken back stops redirecting."""
    db.session.execute(delete(ArticleSlug).where(ArticleSlug.slug == article.slug))
    db.session.add(ArticleSlug(slug=old_slug, article=article))


@bp.route("/artikel/<int:article_id>/loeschen", methods=["GET", "POST"])
@editors_only
def delete_article(article_id: int):
    """Delete an article with its comments, after a confirmation."""
    article = get_article(article_id)
    if request.method == "POST":
        title = article.title
        with writing():
            record("article.delete", subject=title, before=logged(article))
            db.session.delete(article)
        flash(_("“%(title)s” has been deleted.", title=title), "success")
        return redirect(url_for("editorial.articles"), 303)
    return render_template("editorial/article_delete.html", article=article)
