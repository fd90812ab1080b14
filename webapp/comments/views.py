"""Posting a comment, in place with htmx or as a plain form, and refreshing the list."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Conflict, TooManyRequests

from ..articles.views import get_published_article, published_versions, render_article
from ..caching import conditional_page, shared_fragment, version_tag
from ..clients import client_network
from ..extensions import csrf
from ..htmx import is_htmx, is_partial, vary_on_htmx
from ..models import CommentStatus
from ..notifications import notify_moderators
from ..site_settings import all_settings
from .forms import CommentForm
from .guard import fingerprint, judge, rate_limits
from .service import (
    DuplicateComment,
    TooManyComments,
    add_comment,
    comments_closed,
    get_visible_comment,
    status_for_new_comment,
    visible_comments,
)
from .token import is_cross_site, stamp_tokens

bp = Blueprint("comments", __name__)
bp.after_app_request(stamp_tokens)


@bp.post("/artikel/<slug>/kommentare")
@csrf.exempt  # the form checks its own session-less token, see token.py
def create(slug: str):
    """Store a comment; answer htmx with fragments, a plain form with 303 or the page."""
    if is_cross_site():
        abort(403, _("Comments can only be sent from this website."))
    # The author is needed only for the whole page (no JavaScript, invalid input).
    article = get_published_article(slug, with_author=False)
    settings = all_settings()
    if comments_closed(article, settings["close_comments_after_days"]):
        abort(403, _("Comments on this article are closed."))
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

    verdict = judge(
        text=form.text.data,
        honeypot=form.homepage.data,
        issued_at=form.token_issued_at(),
        name=form.name.data,
        email=form.email.data,
    )
    status = verdict.status
    if status == CommentStatus.VISIBLE:
        status = status_for_new_comment(form.email.data, settings["moderation"])
    try:
        comment = add_comment(
            article,
            name=form.name.data,
            email=form.email.data,
            text=form.text.data,
            status=status,
            network=client_network(),
            fingerprint=fingerprint(article.id, form.text.data),
            reasons=verdict.reasons,
            limits=rate_limits(current_app.config["RATELIMIT"]),
        )
    except DuplicateComment:
        raise Conflict(_("You have sent this comment already.")) from None
    except TooManyComments as refused:
        raise TooManyRequests(
            ngettext(
                "You have written many comments in a short time. Please try again in "
                "%(num)d second.",
                "You have written many comments in a short time. Please try again in "
                "%(num)d seconds.",
                refused.retry_after,
            ),
            retry_after=refused.retry_after,
        ) from None
    notify_moderators(article, comment, settings)  # never fails; sends in the background
    if status != CommentStatus.VISIBLE:
        return held(article)
    message = _("Thank you! Your comment has been published.")
    if is_htmx():
        return render_template(
            "comments/_post_response.html",
            article=article,
            comment=comment,
            empty_form=empty_comment_form(article),
            status_message=message,
            status_kind="success",
        )
    flash(message, "success")
    return redirect(
        url_for("articles.show", slug=article.slug, _anchor=f"kommentar-{comment.id}"), 303
    )


def held(article):
    """A held comment: its author learns so, in place; nobody else sees anything."""
    message = _("Thank you! Your comment will be published after review.")
    if not is_htmx():
        flash(message, "success")
        return redirect(
            url_for("articles.show", slug=article.slug, _anchor="kommentar-status"), 303
        )
    return render_template(
        "comments/_post_response.html",
        article=article,
        empty_form=empty_comment_form(article),
        status_message=message,
        status_kind="success",
    )


def empty_comment_form(article):
    """Every reader's empty form is the same (its token is stamped in as it leaves)."""
    return shared_fragment(
        lambda: render_template(
            "comments/_form.html", article=article, form=CommentForm(formdata=None)
        ),
        "empty comment form",
        article.slug,
    )


@bp.get("/artikel/<slug>/kommentare")
def listing(slug: str):
    """The newest comments as fragments (refresh), or the page of older ones (`?vor=<id>`)."""
    before_id = request.args.get("vor", type=int)
    if before_id is not None:
        return vary_on_htmx(make_response(older_comments(slug, before_id)))
    if not is_partial():
        return vary_on_htmx(redirect(url_for("articles.show", slug=slug, _anchor="kommentare")))
    versions = published_versions(slug)

    def render() -> str:
        article = get_published_article(slug)
        comments, has_older = visible_comments(
            article, per_page=current_app.config["COMMENTS_PER_PAGE"]
        )
        return render_template(
            "comments/_refresh.html", article=article, comments=comments, has_older=has_older
        )

    # Changes exactly when the visible comments change: an unchanged list is a 304.
    response = conditional_page(
        version_tag("comments", versions.id, versions.comment_version),
        render,
        last_modified=versions.comments_changed_at,
    )
    return vary_on_htmx(response)


def older_comments(slug: str, before_id: int) -> str:
    """Comments older than one shown: prepended in place for htmx, a page of their own else."""
    article = get_published_article(slug)
    before = get_visible_comment(article, before_id)
    if before is None:
        abort(404, _("There is no comment at this address."))
    comments, has_older = visible_comments(
        article, per_page=current_app.config["COMMENTS_PER_PAGE"], before=before
    )
    template = "comments/_older_response.html" if is_partial() else "comments/archive.html"
    return render_template(template, article=article, comments=comments, has_older=has_older)
