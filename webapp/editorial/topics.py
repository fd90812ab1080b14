"""Topics in the editorial area: create, rename (old addresses answer 301), merge, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from ..database import writing
from ..extensions import db
from ..models import Role, Topic, article_topic
from ..slugs import unique_topic_slug
from ..text import make_slug
from ..topics import article_counts, delete_topic, merge_topics, name_taken, save_topic
from .audit import record
from .auth import role_required
from .conflicts import EditConflict, check_version
from .forms import MergeTopicForm, TopicForm, keeps_what_was_typed
from .views import bp

editors_only = role_required(Role.EDITOR)


def get_topic(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        abort(404, _("There is no topic at this address."))
    return topic


def _articles_in(topic: Topic) -> int:
    return db.session.scalar(
        select(func.count()).select_from(article_topic).where(article_topic.c.topic_id == topic.id)
    )


@bp.get("/themen")
@editors_only
def topics():
    """All topics with the number of their articles."""
    return render_template("editorial/topics.html", rows=article_counts())


@bp.route("/themen/neu", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def new_topic():
    """Add a topic."""
    return _edit(None)


@bp.route("/themen/<int:topic_id>", methods=["GET", "POST"])
@editors_only
@keeps_what_was_typed
def edit_topic(topic_id: int):
    """Rename a topic or change its address; the old address answers 301."""
    return _edit(get_topic(topic_id))


def _logged(topic: Topic) -> dict:
    """What the audit log keeps of a topic's state."""
    return {"name": topic.name, "slug": topic.slug, "version": topic.version}


def _edit(topic: Topic | None):
    form = TopicForm(obj=topic)
    if form.validate_on_submit():
        topic_id = topic.id if topic else None
        wanted = form.slug.data or make_slug(form.name.data) or "thema"
        slug = wanted if form.slug.data else unique_topic_slug(wanted, topic_id)
        if name_taken(form.name.data, topic_id):
            form.name.errors = [_("Another topic has this name already.")]
        elif form.slug.data and unique_topic_slug(slug, topic_id) != slug:
            form.slug.errors = [_("Another topic has (or had) this address already.")]
        else:
            try:
                with writing():
                    if topic is not None:
                        topic = db.session.get(Topic, topic.id)
                        check_version(
                            topic.version,
                            form.version.data,
                            [
                                (_("Name"), topic.name, False),
                                (_("Address (slug)"), topic.slug, False),
                                (_("Description"), topic.description, True),
                            ],
                            topic.updated_at,
                        )
                    before = _logged(topic) if topic is not None else None
                    topic = save_topic(
                        topic,
                        name=form.name.data,
                        slug=slug,
                        description=form.description.data or "",
                    )
                    topic.version = (topic.version or 0) + 1
                    record(
                        "topic.create" if before is None else "topic.save",
                        subject=topic.name,
                        before=before,
                        after=_logged(topic),
                    )
            except EditConflict as conflict:
                form.version.data = str(db.session.get(Topic, topic.id).version)
                return render_template(
                    "editorial/topic_form.html",
                    form=form,
                    topic=topic,
                    articles=_articles_in(topic),
                    conflict=conflict.stored,
                    conflict_message=_(
                        "Someone else saved this topic while you were editing. Your version "
                        "is in the form, the saved one above it: compare them, then save "
                        "again to keep yours."
                    ),
                ), 409
            flash(_("The topic has been saved."), "success")
            return redirect(url_for("editorial.edit_topic", topic_id=topic.id), 303)
    status = 422 if request.method == "POST" else 200
    articles = _articles_in(topic) if topic else 0
    return render_template(
        "editorial/topic_form.html", form=form, topic=topic, articles=articles
    ), status


@bp.route("/themen/<int:topic_id>/zusammenfuehren", methods=["GET", "POST"])
@editors_only
def merge_topic(topic_id: int):
    """File a topic's articles under another topic and remove it; its addresses answer 301."""
    topic = get_topic(topic_id)
    form = MergeTopicForm()
    others = db.session.scalars(select(Topic).where(Topic.id != topic.id).order_by(Topic.name))
    form.target_id.choices = [SelectChoice(t.id, t.name) for t in others]
    if not form.target_id.choices:
        flash(_("There is no other topic to merge this one into."), "error")
        return redirect(url_for("editorial.edit_topic", topic_id=topic.id), 303)
    if form.validate_on_submit():
        target = get_topic(form.target_id.data)
        name, target_name = topic.name, target.name
        with writing():
            moved = merge_topics(db.session.get(Topic, topic.id), db.session.get(Topic, target.id))
            record("topic.merge", subject=name, after={"into": target_name, "articles": moved})
        flash(
            ngettext(
                "“%(name)s” has been merged into “%(target)s” (%(num)d article moved).",
                "“%(name)s” has been merged into “%(target)s” (%(num)d articles moved).",
                moved,
                name=name,
                target=target_name,
            ),
            "success",
        )
        return redirect(url_for("editorial.edit_topic", topic_id=target.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("editorial/topic_merge.html", form=form, topic=topic), status


@bp.route("/themen/<int:topic_id>/loeschen", methods=["GET", "POST"])
@editors_only
def delete_topic_page(topic_id: int):
    """Delete a topic that holds no article, after a confirmation."""
    topic = get_topic(topic_id)
    articles = _articles_in(topic)
    if request.method == "POST" and not articles:
        with writing():
            record("topic.delete", subject=topic.name, before=_logged(topic))
            delete_topic(db.session.get(Topic, topic.id))
        flash(_("“%(name)s” has been deleted.", name=topic.name), "success")
        return redirect(url_for("editorial.topics"), 303)
    return render_template("editorial/topic_delete.html", topic=topic, articles=articles)
