"""Writing articles: create, edit, preview, publish, schedule, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..database import writing
from ..extensions import db
from ..media import PhotoError
from ..models import Article, ArticleSlug, Author, RevisionNote, Role, Topic, utcnow
from ..previews import article_with_everything, preview_link, render_preview
from ..revisions import earlier_publication, keep, keep_earlier, prune
from ..slugs import unique_article_slug
from ..text import make_slug
from ..topics import file_article, topics_with_ids
from .auth import role_required
from .conflicts import EditConflict, check_version
from .forms import ArticleForm, keeps_what_was_typed, local_to_utc, utc_to_local
from .staging import photo_to_save, stage, staged, uploaded
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
        staged=staged(form),
        now=utcnow(),
        # Withdrawn once: "Jetzt veröffentlichen" brings it back under this date.
        earlier_publication=earlier_publication(article) if unpublished else None,
        **context,
    ), status


def _edit(article: Article | None):
    form = _form(article)
    upload = uploaded(form)
    if not form.validate_on_submit():
        if request.method == "GET":
            return _page(form, article)
        stage(form, upload)
        return _page(form, article, 422)

    action = request.form.get("aktion", "speichern")
    if action == "vorschau":
        stage(form, upload)
        # A transient copy, never added to the session: nothing is saved by looking.
        topics = topics_with_ids(form.topic_ids.data or [])  # queries before the copy
        author = db.session.get(Author, form.author_id.data)
        photo = staged(form)
        if photo is None and article is not None and not form.remove_photo.data:
            photo = article.photo
        # Linking the copy to the author puts it into author.articles: no flush may see it.
        with db.session.no_autoflush:
            preview = Article()
            _apply(form, preview)
            preview.topics = topics
            preview.author = author
            preview.photo = photo
            return _page(form, article, preview=preview)

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
            topics = topics_with_ids(form.topic_ids.data or [])
            slug = unique_article_slug(
                form.slug.data or make_slug(form.title.data), article.id if article else None
            )
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
                prune(article.id)
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
            db.session.delete(article)
        flash(_("“%(title)s” has been deleted.", title=title), "success")
        return redirect(url_for("editorial.articles"), 303)
    return render_template("editorial/article_delete.html", article=article)
