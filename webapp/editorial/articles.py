"""Writing articles: create, edit, preview, publish, schedule, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..database import writing
from ..extensions import db
from ..media import PhotoError, store_photo
from ..models import Article, ArticleSlug, Author, Role, Topic, utcnow
from ..slugs import unique_article_slug
from ..text import make_slug
from ..topics import file_article, topics_with_ids
from .auth import role_required
from .forms import ArticleForm, local_to_utc, utc_to_local
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


class EditConflict(Exception):
    """The article was saved by someone else since this form was opened."""


@dataclass
class StoredVersion:
    """What the other save left, shown beside the form so the editor can decide."""

    title: str
    teaser: str
    body: str
    updated_at: datetime


@bp.get("/artikel")
@editors_only
def articles():
    """All articles, newest first, with their state."""
    page = db.paginate(
        select(Article)
        .options(joinedload(Article.author))
        .order_by(
            Article.published_at.is_(None).desc(), Article.published_at.desc(), Article.id.desc()
        ),
        page=request.args.get("seite", 1, type=int),
        per_page=30,
    )
    return render_template("editorial/articles.html", page=page, now=utcnow())


@bp.route("/artikel/neu", methods=["GET", "POST"])
@editors_only
def new_article():
    """Write a new article."""
    return _edit(None)


@bp.route("/artikel/<int:article_id>", methods=["GET", "POST"])
@editors_only
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


def _edit(article: Article | None):
    form = _form(article)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("editorial/article_form.html", form=form, article=article), status

    action = request.form.get("aktion", "speichern")
    if action == "vorschau":
        # A transient copy, never added to the session: nothing is saved by looking.
        topics = topics_with_ids(form.topic_ids.data or [])  # queries before the copy
        preview = Article()
        _apply(form, preview)
        preview.topics = topics
        preview.author = db.session.get(Author, form.author_id.data)
        preview.photo = (
            article.photo if article is not None and not form.remove_photo.data else None
        )
        return render_template(
            "editorial/article_form.html", form=form, article=article, preview=preview
        )

    upload = (
        form.photo.data if form.photo.data and getattr(form.photo.data, "filename", "") else None
    )
    try:
        with writing():
            # Inside the write: nobody can save between this check and ours.
            if article is not None and str(article.version) != (form.version.data or ""):
                stored = StoredVersion(
                    article.title, article.teaser, article.body, article.updated_at
                )
                raise EditConflict()
            # Queries first: a half-filled new article must not be flushed by them.
            photo = store_photo(upload.read()) if upload is not None else None
            topics = topics_with_ids(form.topic_ids.data or [])
            slug = unique_article_slug(
                form.slug.data or make_slug(form.title.data), article.id if article else None
            )
            if article is None:
                article = Article()
                db.session.add(article)
            old_slug = article.slug
            _apply(form, article)
            article.slug = slug
            file_article(article, topics)
            if form.remove_photo.data:
                article.photo = None
            if photo is not None:
                article.photo = photo
            published_at = local_to_utc(form.published_at.data)
            if action == "veroeffentlichen":
                published_at = published_at or utcnow()
            elif action == "zurueckziehen":
                published_at = None
            article.published_at = published_at
            if old_slug and old_slug != article.slug:
                _keep_old_address(article, old_slug)
            article.version = (article.version or 0) + 1
    except EditConflict:
        # What the editor typed stays in the form; saving it again replaces the other
        # version knowingly (the form now names the version it was shown).
        form.version.data = str(db.session.get(Article, article.id).version)
        message = _(
            "Someone else saved this article while you were editing it. Your version is in "
            "the form, the saved one above it: compare them, then save again to keep yours."
        )
        if upload is not None:
            message += " " + _("Please choose the photo again: it was not saved.")
        return render_template(
            "editorial/article_form.html",
            form=form,
            article=article,
            conflict=stored,
            conflict_message=message,
        ), 409
    except PhotoError as error:
        form.photo.errors = [str(error)]
        return render_template("editorial/article_form.html", form=form, article=article), 422

    flash(_("The article has been saved."), "success")
    return redirect(url_for("editorial.edit_article", article_id=article.id), 303)


def _keep_old_address(article: Article, old_slug: str) -> None:
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
            db.session.delete(article)
        flash(_("“%(title)s” has been deleted.", title=title), "success")
        return redirect(url_for("editorial.articles"), 303)
    return render_template("editorial/article_delete.html", article=article)
