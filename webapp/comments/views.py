"""Posting a comment, in place with htmx or as a plain form, and refreshing the list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from ..articles.views import get_published_article, render_article
from ..caching import conditional_page, version_tag
from ..extensions import csrf
from ..htmx import is_htmx, is_partial, vary_on_htmx
from .forms import CommentForm
from .service import add_comment, visible_comments
from .token import is_cross_site

bp = Blueprint("comments", __name__)


@bp.post("/artikel/<slug>/kommentare")
@csrf.exempt  # the form checks its own session-less token, see token.py
def create(slug: str):
    """Store a comment; answer htmx with fragments, a plain form with 303 or the page."""
    if is_cross_site():
        abort(403, _("Comments can only be sent from this website."))
    article = get_published_article(slug)
    form = CommentForm()
    if not form.validate():
        if form.token_expired():
            raise CSRFError()
        if is_htmx():
            html = render_template(
                "comments/_post_response.html",
                article=article,
                form=form,
                status_message=form.summary(),
                status_kind="error",
            )
            return html, 422
        return render_article(article, form), 422

    comment = add_comment(article, name=form.name.data, email=form.email.data, text=form.text.data)
    message = _("Thank you! Your comment has been published.")
    if is_htmx():
        return render_template(
            "comments/_post_response.html",
            article=article,
            comment=comment,
            form=CommentForm(formdata=None),
            status_message=message,
            status_kind="success",
        )
    flash(message, "success")
    return redirect(
        url_for("articles.show", slug=article.slug, _anchor=f"kommentar-{comment.id}"), 303
    )


@bp.get("/artikel/<slug>/kommentare")
def refresh(slug: str):
    """The comment list and count as fragments; without htmx, the article's comments."""
    article = get_published_article(slug)
    if not is_partial():
        response = redirect(url_for("articles.show", slug=article.slug, _anchor="kommentare"))
    else:
        # Changes exactly when the visible comments change: an unchanged list is a 304.
        response = conditional_page(
            version_tag("comments", article.id, article.comment_version),
            lambda: render_template(
                "comments/_refresh.html", article=article, comments=visible_comments(article)
            ),
            last_modified=article.comments_changed_at,
        )
    return vary_on_htmx(response)
