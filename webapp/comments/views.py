"""Posting a comment, in place with htmx or as a plain form; the list, its pages, permalinks.

Every answer about the discussion comes from the article page's own pieces
(webapp/article_page.py): htmx gets the partials it swaps, a browser without JavaScript
the whole page, so no refusal is a dead end and nothing is written twice.
"""

from __future__ import annotations

import json
from datetime import timedelta

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
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from ..article_page import (
    article_response,
    discussion,
    flashed_status,
    get_published_article,
    leave_for_next_page,
    page_context,
    personal,
    published_versions,
    reader_comments,
    render_article,
)
from ..caching import conditional_page, shared_fragment, shared_view, version_tag
from ..clients import client_network
from ..database import RETRY_AFTER, DatabaseBusy, is_busy, writing
from ..errors import describe
from ..extensions import csrf, db
from ..formatting import wait_time
from ..htmx import is_htmx, is_partial, vary_on_htmx
from ..messages import Status
from ..models import Article, Comment, CommentStatus, utcnow
from ..notifications import notify_moderators
from ..site_settings import all_settings
from . import avatars, remembered, subscriptions, threads
from .forms import CommentForm, EditCommentForm, TokenForm
from .guard import fingerprint, judge, rate_limits
from .own import all_own_comment_ids, is_own, own_comment_ids, remember
from .service import (
    DuplicateComment,
    TooManyComments,
    add_comment,
    comments_closed,
    edit_comment,
    get_comment_of,
    is_waiting,
    set_status,
    status_for_new_comment,
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
    if (answers := request.form.get("antwort_auf")) is not None:
        form.for_reply(int(answers) if answers.isdecimal() else -1)
    settings = all_settings()
    if comments_closed(article, settings["close_comments_after_days"]):
        return refuse(article, form, 403, _("Comments on this article are closed."), closed=True)
    if form.replies_to is not None:
        parent = get_comment_of(article, form.replies_to)
        if parent is None or parent.status != CommentStatus.VISIBLE:
            message = _("This comment cannot be answered: it is not (or no longer) visible.")
            return refuse(article, form, 422, message)
    else:
        parent = None
    if not form.validate():
        if form.token_expired():
            # A fresh token comes with the form the reader gets back, their text in it.
            form.csrf_token.errors = []
            message = _("The form had expired. It has been renewed: please send it again.")
            return refuse(article, form, 400, message)
        return invalid(article, form, parent)

    if request.form.get("vorschau"):
        return preview_answer(article, form, parent)

    # Someone logged in to the editorial area writes for the site: shown with a badge,
    # never held (validation, duplicates and flood control still apply).
    user_id = current_user.id if current_user.is_authenticated else None
    if user_id is not None:
        reasons, status = [], CommentStatus.VISIBLE
    else:
        verdict = judge(
            text=form.text.data,
            honeypot=form.homepage.data,
            issued_at=form.token_issued_at(),
            name=form.name.data,
            email=form.email.data,
        )
        reasons, status = verdict.reasons, verdict.status
        if status == CommentStatus.VISIBLE:
            status = status_for_new_comment(
                form.email.data, settings["moderation"], own_ids=all_own_comment_ids()
            )
    try:
        comment = add_comment(
            article,
            name=form.name.data,
            email=form.email.data,
            text=form.text.data,
            status=status,
            network=client_network(),
            fingerprint=fingerprint(article.id, form.text.data),
            reasons=reasons,
            limits=rate_limits(current_app.config["RATELIMIT"]),
            on_stored=lambda stored: comment_stored(article, stored, form, settings),
            parent=parent,
            user_id=user_id,
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
    if form.remember.data:
        remembered.keep(form.name.data, form.email.data)
        kept = {"name": form.name.data, "email": form.email.data, "remember": True}
    else:
        remembered.forget()
        kept = None
    return posted(article, comment, kept)


def comment_stored(article: Article, comment: Comment, form: CommentForm, settings: dict) -> None:
    """Mail that belongs to a comment just stored, inside its transaction: to the
    moderators, the reader's confirmation if they ticked the box, and to whoever asked for
    mail about the comment it answers."""
    notify_moderators(article, comment, settings)
    if form.notify.data:
        subscriptions.subscribe(article, comment)
    if comment.status == CommentStatus.VISIBLE:
        subscriptions.comment_became_visible(article, comment, approved=False)


def posted(article: Article, comment: Comment, kept: dict | None = None):
    """The answer to a stored comment: the thanks, and (htmx) the whole discussion the
    reader has open, with everything others wrote meanwhile; without JavaScript, 303 to it.
    `kept`: the name and address the reader asked to keep, for the form that comes back."""
    held = comment.status != CommentStatus.VISIBLE
    reply = comment.parent_id is not None
    # Its author, and only they, may change it for a while, and see it while it waits.
    remember(comment)
    if held:
        result = Status(_("Thank you! Your comment will be published after review."), "held")
    else:
        result = Status(_("Thank you! Your comment has been published."), "success")
    # The focus goes to the new comment; to the notice when a comment of one's own, held,
    # stands somewhere in the list (a held reply is there, under its comment).
    focus_id = None if held and not reply else comment.id
    if not is_htmx():
        leave_for_next_page(result, focus_id=focus_id)
        anchor = f"kommentar-{comment.id}"
        if reply:  # its thread may be on an older page: its permalink finds it
            target = url_for("comments.permalink", comment_id=comment.id)
            return redirect(f"{target}#{anchor}", 303)
        return redirect(url_for("articles.show", slug=article.slug, _anchor=anchor), 303)
    own = reader_comments(article.id)  # and the comment just stored, whose cookie is on its way
    if held:
        own.waiting = [c for c in own.waiting if c.id != comment.id] + [comment]
    own.editable[comment.id] = comment.created_at + edit_window()
    if reply:
        empty_form = None
    elif kept:
        empty_form = Markup(
            render_template(
                "comments/_form.html", article=article, form=CommentForm(formdata=None, data=kept)
            )
        )
    else:
        empty_form = empty_comment_form(article)
    html = discussion_answer(
        article, result, focus_id=focus_id, empty_form=empty_form, closed=False, own=own
    )
    # A reply form lives inside the list, which comes anew: nothing to swap in its place.
    return (html, {"HX-Reswap": "none"}) if reply else html


def edit_window() -> timedelta:
    """How long an author may change their comment (ZIRKEL_EDIT_MINUTES)."""
    return timedelta(minutes=current_app.config["EDIT_MINUTES"])


def preview_answer(article: Article, form: CommentForm, parent: Comment | None):
    """ "Vorschau": the form again with the comment as it will be published; nothing stored."""
    preview = {"name": form.name.data, "text": form.text.data}
    if is_htmx():
        return render_template(
            "comments/_post_response.html",
            article=article,
            form=form,
            parent=parent,
            preview=preview,
            status=None,
            comments_closed=False,
        )
    if parent is not None:
        return reply_page(article, parent, form, None, preview=preview)
    return render_article(get_published_article(article.slug), form=form, preview=preview)


def invalid(article: Article, form: CommentForm, parent: Comment | None):
    """A form with errors: 422, the form back with the reader's values and the messages."""
    status = Status(form.summary(), "invalid")
    if is_htmx():
        html = render_template(
            "comments/_post_response.html",
            article=article,
            form=form,
            parent=parent,
            status=status,
            comments_closed=False,
        )
        return html, 422
    if parent is not None:
        return reply_page(article, parent, form, status), 422
    return render_article(article, form=form), 422


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
    replies_to = form.replies_to if form is not None else None
    parent = get_comment_of(article, replies_to) if replies_to is not None else None
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
                parent=parent,
                status=status,
                comments_closed=closed,
            )
        return html, code, headers
    if parent is not None and not closed:
        return reply_page(article, parent, form, status), code, headers
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
@shared_view
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
    """The "Neue Kommentare laden" answer: everything the reader has open (`seit`), with
    what is new since the version they have (`stand`) announced in the live region."""
    versions = published_versions(slug)
    since_id = request.args.get("seit", type=int)
    newest_id = request.args.get("neueste", type=int) or 0
    known_version = request.args.get("stand", type=int)
    own = reader_comments(versions.id)

    def render() -> str:
        article = get_published_article(slug)
        context = discussion(article, since=get_comment_of(article, since_id), own=own)
        if known_version == article.comment_version:
            status = Status(_("No new comments."), "info")
        else:
            new = sum(
                node.shown
                and node.comment.status == CommentStatus.VISIBLE
                and node.comment.id > newest_id
                for thread in context["threads"]
                for node in thread.walk()
            )
            status = Status(
                ngettext("%(num)d new comment.", "%(num)d new comments.", new)
                if new
                else _("The comments have been updated."),
                "info",
            )
        return render_template("comments/_refresh.html", status=status, **context)

    if own:
        return personal(make_response(render()))
    # Changes exactly when the visible comments change: an unchanged list is a 304.
    return conditional_page(
        version_tag(
            "comments", versions.id, versions.comment_version, since_id, newest_id, known_version
        ),
        render,
        last_modified=versions.comments_changed_at,
        replayable=True,
    )


@bp.get("/artikel/<slug>/kommentare/neu")
@shared_view
def news(slug: str):
    """While a reader reads: are there comments newer than those their list shows?

    Asked every ZIRKEL_POLL_SECONDS by a visible tab (zirkel.js), with the version its list
    shows (`stand`) and its newest comment (`neueste`). A conditional request: while the
    discussion stays as it was, the browser's next question costs one indexed query and a
    304; else the offer to show what is new (an empty answer if nothing newer is visible).
    """
    versions = published_versions(slug)
    known_version = request.args.get("stand", type=int)
    newest_id = request.args.get("neueste", type=int) or 0

    def render() -> str:
        if known_version == versions.comment_version:
            return ""
        newer = db.session.scalars(
            select(Comment.id)
            .where(
                Comment.article_id == versions.id,
                Comment.status == CommentStatus.VISIBLE,
                Comment.id > newest_id,
            )
            .limit(100)
        ).all()
        return render_template("comments/_news.html", count=len(newer)) if newer else ""

    return conditional_page(
        version_tag("news", versions.id, versions.comment_version, known_version, newest_id),
        render,
        replayable=True,
    )


def comment_page(slug: str, before_id: int | None, after_id: int | None) -> str:
    """Threads older than one shown (`vor`) or newer (`nach`): put in front of the list in
    place for htmx, a page of their own without JavaScript."""
    article = get_published_article(slug)
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    boundary = get_comment_of(article, before_id if before_id is not None else after_id)
    if boundary is None:
        abort(404, _("There is no comment at this address."))
    key = threads.key_of(boundary)
    if before_id is not None:
        page = threads.before(article, key, per_page=per_page)
    else:
        page = threads.after(article, key, per_page=per_page)
    closed = comments_closed(article, all_settings()["close_comments_after_days"])
    if before_id is not None and is_partial():
        loaded = len(page.threads)
        status = Status(
            ngettext("%(num)d older comment shown.", "%(num)d older comments shown.", loaded),
            "info",
        )
        focus_id = page.threads[0].comment.id if page.threads else None
        context = page_context(article, page, focus_id)
        if context["oldest"] is None:
            context["oldest"] = boundary
        return render_template(
            "comments/_older_response.html", status=status, comments_closed=closed, **context
        )
    return archive(article, page, closed=closed, boundary=boundary)


def archive(
    article: Article,
    page: threads.ThreadPage,
    *,
    closed: bool,
    boundary: Comment,
    focus_id: int | None = None,
    status: Status | None = None,
) -> str:
    """A page of threads of its own (comments/archive.html)."""
    context = page_context(article, page, focus_id)
    context["oldest"] = context["oldest"] or boundary
    context["newest"] = context["newest"] or boundary
    return render_template(
        "comments/archive.html", comments_closed=closed, status=status, **context
    )


@bp.get("/avatare/<name>.svg")
def avatar(name: str):
    """A commenter's picture, drawn from its name (comments/avatars.py); kept for a year."""
    return avatars.avatar_response(name)


@bp.get("/kommentare/<int:comment_id>")
@shared_view
def permalink(comment_id: int):
    """A comment's own address, for good (whatever its article is called later): the
    article page while its thread is among the newest, later the page of threads around
    it; a clear page when it is not visible."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404, _("There is no comment at this address."))
    article = get_published_article(comment.article.slug)
    slug = article.slug
    if comment.status != CommentStatus.VISIBLE:
        if is_waiting(comment) and comment.id in own_comment_ids(article.id):
            target = url_for("articles.show", slug=slug, _anchor=f"kommentar-{comment_id}")
            return personal(redirect(target))  # only its author is sent on to it
        return not_visible(article)
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    key = threads.key_of(comment)
    if threads.is_among_newest(article, key, per_page=per_page):
        return article_response(slug)
    # After a reply posted without JavaScript, its thanks; the focus on the comment.
    status, _focus = flashed_status()
    page = threads.around(article, key, per_page=per_page)
    closed = comments_closed(article, all_settings()["close_comments_after_days"])
    html = archive(
        article, page, closed=closed, boundary=comment, focus_id=comment.id, status=status
    )
    return personal(make_response(html)) if status else html


@bp.get("/kommentare/<int:comment_id>/antworten")
@shared_view
def reply(comment_id: int):
    """The form to answer a comment: in place under it (htmx), a page of its own without."""
    parent = db.session.get(Comment, comment_id)
    if parent is None:
        abort(404, _("There is no comment at this address."))
    article = get_published_article(parent.article.slug)
    if parent.status != CommentStatus.VISIBLE:
        return not_visible(article)
    if comments_closed(article, all_settings()["close_comments_after_days"]):
        abort(403, _("Comments on this article are closed."))
    kept = remembered.remembered()
    form = CommentForm(formdata=None, data=kept).for_reply(parent.id)
    if is_partial():
        html = render_template(
            "comments/_form.html", article=article, form=form, parent=parent, status=None
        )
    else:
        html = reply_page(article, parent, form, None)
    response = vary_on_htmx(make_response(html))
    return personal(response) if kept else response  # the reader's kept name is theirs


def reply_page(article: Article, parent: Comment, form: CommentForm, status: Status | None) -> str:
    """The page to answer a comment without JavaScript: the comment, and the form."""
    return render_template(
        "comments/reply.html",
        article=article,
        parent=parent,
        node=threads.Node(parent),
        form=form.for_reply(parent.id),
        status=status,
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


# --- an author changes their mind --------------------------------------------------------------


def own_comment(comment_id: int) -> tuple[Comment, Article]:
    """A comment this browser wrote and may still change (ZIRKEL_EDIT_MINUTES), with its
    article; 404 if there is none, 403 for anyone else or after the time is up."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status == CommentStatus.DELETED:
        abort(404, _("There is no comment at this address."))
    article = get_published_article(comment.article.slug)
    if not is_own(comment):
        abort(403, _("Only its author can change a comment, from the browser it was written in."))
    if utcnow() > comment.created_at + edit_window():
        minutes = current_app.config["EDIT_MINUTES"]
        abort(
            403,
            ngettext(
                "A comment can be changed for %(num)d minute after writing it; that time is up.",
                "A comment can be changed for %(num)d minutes after writing it; that time is up.",
                minutes,
            ),
        )
    return comment, article


@bp.route("/kommentare/<int:comment_id>/bearbeiten", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own session-less token, see token.py
def edit(comment_id: int):
    """An author changes their comment: in place with htmx, a page of its own without."""
    if request.method == "POST" and is_cross_site():
        abort(403, _("Comments can only be sent from this website."))
    comment, article = own_comment(comment_id)
    if request.method == "GET":
        form = EditCommentForm(formdata=None, data={"name": comment.name, "text": comment.text})
        return vary_on_htmx(make_response(edit_answer(article, comment, form.for_edit(comment.id))))
    form = EditCommentForm().for_edit(comment.id)
    if not form.validate():
        if form.token_expired():
            form.csrf_token.errors = []
            message = _("The form had expired. It has been renewed: please send it again.")
            return edit_answer(article, comment, form, Status(message, "error", focus=True)), 400
        return edit_answer(article, comment, form, Status(form.summary(), "invalid")), 422
    if request.form.get("vorschau"):
        preview = {"name": form.name.data, "text": form.text.data}
        return edit_answer(article, comment, form, preview=preview)
    verdict = judge(
        text=form.text.data,
        honeypot="",
        issued_at=None,
        name=form.name.data,
        email=comment.email,
    )
    with writing():
        comment = db.session.get(Comment, comment_id)
        edit_comment(comment, name=form.name.data, email=comment.email, text=form.text.data)
        if verdict.status != CommentStatus.VISIBLE and comment.status == CommentStatus.VISIBLE:
            # Changed into something the guard holds: a moderator looks at it first.
            comment.reasons = json.dumps(verdict.reasons, ensure_ascii=False)
            set_status(comment, CommentStatus.PENDING)
    held = comment.status != CommentStatus.VISIBLE
    message = (
        _("Your changes will be published after review.")
        if held
        else _("Your changes have been saved.")
    )
    return changed(article, comment, Status(message, "held" if held else "success"))


def edit_answer(
    article: Article,
    comment: Comment,
    form: EditCommentForm,
    status: Status | None = None,
    preview: dict | None = None,
) -> str:
    """The form to change a comment: in place of it for htmx, a page of its own without."""
    context = {
        "article": article,
        "comment": comment,
        "form": form,
        "status": status,
        "preview": preview,
        "until": comment.created_at + edit_window(),
    }
    if is_htmx():
        return render_template("comments/_edit_form.html", **context)
    return render_template("comments/edit.html", **context)


@bp.route("/kommentare/<int:comment_id>/loeschen", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own session-less token, see token.py
def delete(comment_id: int):
    """An author deletes their comment: asked first without JavaScript (htmx asks in the
    browser). With replies, "Dieser Kommentar wurde gelöscht." keeps the thread readable."""
    if request.method == "POST" and is_cross_site():
        abort(403, _("Comments can only be sent from this website."))
    comment, article = own_comment(comment_id)
    form = TokenForm()
    if request.method == "GET" or not form.validate():
        status = Status(_("The form had expired. Please confirm again."), "error", focus=True)
        html = render_template(
            "comments/delete.html",
            article=article,
            comment=comment,
            form=form,
            status=status if request.method == "POST" else None,
        )
        return html, (400 if request.method == "POST" else 200)
    with writing():
        set_status(db.session.get(Comment, comment_id), CommentStatus.DELETED)
    return changed(article, None, Status(_("Your comment has been deleted."), "success"))


def changed(article: Article, comment: Comment | None, status: Status):
    """After an author changed or deleted their comment: htmx gets the discussion the
    reader has open, out of band; without JavaScript, 303 to the comment or the article."""
    if not is_htmx():
        leave_for_next_page(status, focus_id=comment.id if comment else None)
        if comment is not None:
            target = url_for("comments.permalink", comment_id=comment.id)
            return redirect(f"{target}#kommentar-{comment.id}", 303)
        return redirect(url_for("articles.show", slug=article.slug, _anchor="kommentare"), 303)
    # Its count and version moved with the change (read before it).
    db.session.refresh(article, ["comment_count", "comment_version"])
    html = discussion_answer(article, status, focus_id=comment.id if comment else None)
    return html, {"HX-Reswap": "none"}


def discussion_answer(
    article: Article,
    status: Status,
    *,
    focus_id: int | None,
    empty_form: Markup | None = None,
    **options,
) -> str:
    """The discussion the reader has open (from the window the request names), anew after
    a change, with its message; the focus on `focus_id`, else on the message."""
    return render_template(
        "comments/_post_response.html",
        empty_form=empty_form,
        status=Status(status.message, status.kind, focus=focus_id is None),
        **discussion(
            article,
            since=get_comment_of(article, request.form.get("seit", type=int)),
            focus_id=focus_id,
            **options,
        ),
    )
