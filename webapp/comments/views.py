"""Posting a comment, in place with htmx or as a plain form; the list, its pages, permalinks.

Every answer about the discussion comes from the article page's own pieces
(webapp/article_page.py): htmx gets the partials it swaps, a browser without JavaScript
the whole page, so no refusal is a dead end and nothing is written twice.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from ..article_page import (
    article_response,
    discussion,
    get_published_article,
    leave_for_next_page,
    personal,
    published_versions,
    redirect_if_renamed,
    render_article,
)
from ..caching import conditional_page, shared_fragment, version_tag
from ..clients import client_network
from ..database import RETRY_AFTER, DatabaseBusy, is_busy
from ..errors import describe
from ..extensions import csrf
from ..formatting import wait_time
from ..htmx import is_htmx, is_partial, vary_on_htmx
from ..messages import Status
from ..models import Article, Comment, CommentStatus
from ..notifications import notify_moderators
from ..site_settings import all_settings
from .forms import CommentForm
from .guard import fingerprint, judge, rate_limits
from .own import own_comment_ids, remember
from .service import (
    DuplicateComment,
    TooManyComments,
    add_comment,
    comments_around,
    comments_closed,
    get_comment_of,
    is_among_newest,
    is_waiting,
    newer_comments,
    status_for_new_comment,
    visible_comments,
    waiting_comments,
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
    # The author is needed only for the whole page (no JavaScript, refusals).
    article = get_published_article(slug, with_author=False)
    try:
        form = CommentForm()
    except RequestEntityTooLarge as error:
        return refuse(article, None, 413, describe(error)[1])
    settings = all_settings()
    if comments_closed(article, settings["close_comments_after_days"]):
        return refuse(article, form, 403, _("Comments on this article are closed."), closed=True)
    if not form.validate():
        if form.token_expired():
            # A fresh token comes with the form the reader gets back, their text in it.
            form.csrf_token.errors = []
            message = _("The form had expired. It has been renewed: please send it again.")
            return refuse(article, form, 400, message)
        if is_htmx():
            html = render_template(
                "comments/_post_response.html",
                article=article,
                form=form,
                status=Status(form.summary(), "invalid"),
                comments_closed=False,
            )
            return html, 422
        return render_article(article, form=form), 422

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
            on_stored=lambda stored: notify_moderators(article, stored, settings),
        )
    except DuplicateComment:
        return refuse(article, form, 409, _("You have sent this comment already."))
    except TooManyComments as refused:
        message = _(
            "You have written many comments in a short time. Please try again %(when)s.",
            when=wait_time(refused.retry_after),
        )
        return refuse(article, form, 429, message, retry_after=refused.retry_after)
    except (DatabaseBusy, DBAPIError) as error:
        if isinstance(error, DBAPIError) and not is_busy(error):
            raise
        return refuse(article, form, 503, describe(DatabaseBusy())[1], retry_after=RETRY_AFTER)
    return posted(article, comment)


def posted(article: Article, comment: Comment):
    """The answer to a stored comment: the thanks, and (htmx) the whole discussion the
    reader has open, with everything others wrote meanwhile; without JavaScript, 303 to it."""
    held = comment.status != CommentStatus.VISIBLE
    if held:
        remember(comment)  # its author, and only they, see it while it waits
        result = Status(_("Thank you! Your comment will be published after review."), "held")
    else:
        result = Status(_("Thank you! Your comment has been published."), "success")
    if not is_htmx():
        leave_for_next_page(result, focus_id=None if held else comment.id)
        anchor = f"kommentar-{comment.id}"
        return redirect(url_for("articles.show", slug=article.slug, _anchor=anchor), 303)
    waiting = waiting_comments(article.id, own_comment_ids(article.id))
    if held:
        waiting = [c for c in waiting if c.id != comment.id] + [comment]
    return render_template(
        "comments/_post_response.html",
        empty_form=empty_comment_form(article),
        status=Status(result.message, result.kind, focus=held),
        **discussion(
            article,
            since=get_comment_of(article, request.form.get("seit", type=int)),
            closed=False,
            waiting=waiting,
            focus_id=None if held else comment.id,
        ),
    )


def refuse(
    article: Article,
    form: CommentForm | None,
    code: int,
    message: str,
    *,
    closed: bool = False,
    retry_after: int | None = None,
):
    """A post that cannot be stored: the message above the form, the reader's text kept.

    htmx gets the form back with the reader's values (or, when the post came too late,
    the closed notice with their text to copy) and the message in the live region, which
    takes the focus; without JavaScript, the whole article page says the same. A body too
    large to read (`form` None) leaves the reader's form as it is.
    """
    status = Status(message, "error", focus=True)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if is_htmx():
        headers["X-Zirkel-Message"] = "1"  # to be swapped even as a 503 (zirkel.js)
        if form is None:
            headers["HX-Reswap"] = "none"  # only the message, out of band
            html = render_template("comments/_status.html", status=status, oob=True)
        else:
            html = render_template(
                "comments/_post_response.html",
                article=article,
                form=form,
                status=status,
                comments_closed=closed,
            )
        return html, code, headers
    page = render_article(
        get_published_article(article.slug),
        form=form or CommentForm(formdata=None),
        status=status,
        closed=closed or None,
    )
    return page, code, headers


def empty_comment_form(article: Article):
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
    """The reader's open comments, refreshed (htmx), or a page of older or newer ones."""
    before_id = request.args.get("vor", type=int)
    after_id = request.args.get("nach", type=int)
    if before_id is not None or after_id is not None:
        return vary_on_htmx(make_response(comment_page(slug, before_id, after_id)))
    if not is_partial():
        return vary_on_htmx(redirect(url_for("articles.show", slug=slug, _anchor="kommentare")))
    return vary_on_htmx(refresh(slug))


def refresh(slug: str):
    """The "Neue Kommentare laden" answer: everything the reader has open (`seit`), with what is new
    since the version they have (`stand`) announced in the live region."""
    versions = published_versions(slug)
    since_id = request.args.get("seit", type=int)
    newest_id = request.args.get("neueste", type=int) or 0
    known_version = request.args.get("stand", type=int)
    waiting = waiting_comments(versions.id, own_comment_ids(versions.id))

    def render() -> str:
        article = get_published_article(slug)
        context = discussion(article, since=get_comment_of(article, since_id), waiting=waiting)
        if known_version == article.comment_version:
            status = Status(_("No new comments."), "info")
        else:
            new = sum(
                c.status == CommentStatus.VISIBLE and c.id > newest_id for c in context["comments"]
            )
            status = Status(
                ngettext("%(num)d new comment.", "%(num)d new comments.", new)
                if new
                else _("The comments have been updated."),
                "info",
            )
        return render_template("comments/_refresh.html", status=status, **context)

    if waiting:
        return personal(make_response(render()))
    # Changes exactly when the visible comments change: an unchanged list is a 304.
    return conditional_page(
        version_tag(
            "comments", versions.id, versions.comment_version, since_id, newest_id, known_version
        ),
        render,
        last_modified=versions.comments_changed_at,
    )


def comment_page(slug: str, before_id: int | None, after_id: int | None) -> str:
    """Comments older than one shown (`vor`) or newer (`nach`): put in front of the list
    in place for htmx, a page of their own without JavaScript."""
    article = get_published_article(slug)
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    boundary = get_comment_of(article, before_id if before_id is not None else after_id)
    if boundary is None:
        abort(404, _("There is no comment at this address."))
    if before_id is not None:
        page = visible_comments(article, per_page=per_page, before=boundary)
        page = page._replace(has_newer=True)
    else:
        page = newer_comments(article, per_page=per_page, after=boundary)
    context = {
        "article": article,
        "comments": page.comments,
        "has_older": page.has_older,
        "has_newer": page.has_newer,
        "oldest": page.comments[0] if page.comments else boundary,
        "newest": page.comments[-1] if page.comments else boundary,
    }
    if before_id is not None and is_partial():
        loaded = len(page.comments)
        status = Status(
            ngettext("%(num)d older comment shown.", "%(num)d older comments shown.", loaded),
            "info",
        )
        focus_id = page.comments[0].id if page.comments else None
        return render_template(
            "comments/_older_response.html", status=status, focus_id=focus_id, **context
        )
    return render_template("comments/archive.html", focus_id=None, **context)


@bp.get("/artikel/<slug>/kommentare/<int:comment_id>")
def permalink(slug: str, comment_id: int):
    """A comment's own address, for good: the article page while the comment is among the
    newest, later the page of comments around it; a clear page when it is not visible."""
    try:
        article = get_published_article(slug)
    except NotFound:
        redirect_if_renamed(slug)
        raise
    comment = get_comment_of(article, comment_id)
    if comment is None or comment.status != CommentStatus.VISIBLE:
        if (
            comment is not None
            and is_waiting(comment)
            and comment.id in own_comment_ids(article.id)
        ):
            return redirect(url_for("articles.show", slug=slug, _anchor=f"kommentar-{comment_id}"))
        return not_visible(article)
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    if is_among_newest(article, comment, per_page=per_page):
        return article_response(slug)
    page = comments_around(article, comment, per_page=per_page)
    return render_template(
        "comments/archive.html",
        article=article,
        comments=page.comments,
        has_older=page.has_older,
        has_newer=page.has_newer,
        oldest=page.comments[0],
        newest=page.comments[-1],
        focus_id=comment.id,
    )


def not_visible(article: Article):
    """The German page for a comment that cannot be seen: held, removed, or never there."""
    html = render_template(
        "errors/error.html",
        title=_("Comment not visible"),
        text=_(
            "This comment cannot be seen (any more): it may be waiting for approval, or it "
            "has been removed."
        ),
        code=404,
        back=(
            url_for("articles.show", slug=article.slug, _anchor="kommentare"),
            _("To the comments on “%(title)s”", title=article.title),
        ),
    )
    return html, 404
