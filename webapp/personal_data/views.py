"""/meine-daten: a reader asks for their data by e-mail, then downloads or erases it.

The forms carry the comment form's session-less token (comments/token.py): a reader who
asks for nothing gets no cookie, and one who asks gets none either. A link's GET only
shows the page with its buttons (mail scanners follow links); the buttons act. Every page
with personal data is `private, no-store` and sends no Referer (the token is in the path).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, EmailField
from wtforms.validators import Email

from ..article_page import personal
from ..clients import client_network
from ..comments import remembered
from ..comments.forms import Filled, MaxLength, NoControlCharacters, TokenForm, normalize, strip
from ..comments.service import EMAIL_MAX
from ..comments.token import FormTokenCSRF, is_cross_site
from ..database import writing
from ..editorial.audit import add_entry
from ..extensions import csrf, db
from ..formatting import wait_time
from ..htmx import is_htmx
from ..messages import Status
from ..models import CommentStatus, UsedLink
from . import links, records

bp = Blueprint("personal_data", __name__)

# What readers are told about each of their comments.
STATUS_LABELS = {
    CommentStatus.VISIBLE: _lp("own comment", "Published"),
    CommentStatus.PENDING: _lp("own comment", "Waiting for review"),
    CommentStatus.SPAM: _lp("own comment", "Waiting for review"),
    CommentStatus.DELETED: _lp("own comment", "Deleted"),
}


class AddressForm(FlaskForm):
    """The address whose data a reader asks for."""

    class Meta:
        csrf_class = FormTokenCSRF  # no session: no cookie (comments/token.py)

    email = EmailField(
        _l("Your e-mail address"),
        filters=[normalize, strip],
        description=_l("The address you gave with your comments."),
        validators=[
            Filled(_l("Please enter your e-mail address.")),
            NoControlCharacters(),
            MaxLength(
                EMAIL_MAX,
                _l("The address can have at most %(max)s characters (yours has %(length)s)."),
            ),
            Email(_l("Please enter a valid e-mail address, like name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )

    def token_expired(self) -> bool:
        return bool(self.meta.csrf and self.csrf_token.errors)


class EraseForm(TokenForm):
    """The erase button, and whether the texts go too."""

    texts = BooleanField(
        _l("Also erase the texts"),
        description=_l(
            "Without this, your comments stay, signed “Deleted”. With it, they are removed; "
            "where someone replied, “This comment has been deleted.” stands in their place."
        ),
    )


def _page(response: Response) -> Response:
    """A page with a reader's data: no cache keeps it, no Referer carries its address."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return personal(response)


# --- asking for a link ------------------------------------------------------------------


@bp.route("/meine-daten", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own session-less token, see comments/token.py
def ask():
    """The address field; its answer is the same whether the address is known or not."""
    if request.method == "GET":
        return _ask_answer(AddressForm(formdata=None))
    if is_cross_site():
        abort(403, _("This form can only be sent from this website."))
    form = AddressForm()
    if not form.validate():
        if form.token_expired():
            form.csrf_token.errors = []
            message = _("The form had expired. It has been renewed: please send it again.")
            return _ask_answer(form, Status(message, "error", focus=True), 400)
        return _ask_answer(form, Status(_("Please correct the marked field."), "invalid"), 422)
    wait = links.throttle().wait(client_network())
    if wait:
        message = _(
            "You have asked many times in a short time. Please try again %(when)s.",
            when=wait_time(wait),
        )
        response = _ask_answer(form, Status(message, "error", focus=True), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    with writing():
        links.request_link(form.email.data)
    message = _("If comments are stored under this address, an e-mail with a link is on its way.")
    return _ask_answer(AddressForm(formdata=None), Status(message, "success", focus=True))


def _ask_answer(form: AddressForm, status: Status | None = None, code: int = 200) -> Response:
    """The page, or with htmx the form's section of it."""
    template = "personal_data/_ask.html" if is_htmx() else "personal_data/ask.html"
    response = make_response(render_template(template, form=form, status=status), code)
    response.vary.add("HX-Request")
    return _page(response) if request.method == "POST" else response


# --- behind the link --------------------------------------------------------------------


def _refusal(reason: str) -> tuple[str, int]:
    """Why a link shows nothing, with the status code to answer."""
    if reason == "expired":
        return _("This link has expired. Please ask for a new one."), 410
    if reason == "used":
        return _("This link has already been used. Please ask for a new one."), 410
    if reason == "gone":
        return _("Nothing is stored under this address any more."), 404
    return _("This link is not valid. Please copy it from the e-mail in full."), 400


def _refused(reason: str) -> Response:
    message, code = _refusal(reason)
    return _page(
        make_response(render_template("personal_data/refused.html", message=message), code)
    )


def _link_page(
    token: str, link: links.Link, form: EraseForm, status: Status | None = None, code: int = 200
) -> Response:
    html = render_template(
        "personal_data/link.html",
        token=token,
        comments=records.comments_of(link.address),
        status_labels=STATUS_LABELS,
        form=form,
        download_form=TokenForm(formdata=None),
        status=status,
    )
    return _page(make_response(html, code))


def _posted_link(
    token: str, posted: TokenForm, shown: EraseForm, *, focus: bool
) -> tuple[links.Link | None, Response | None]:
    """A button behind the link was pressed: the link it names, or the answer that refuses
    (another site's post, a link no longer valid, a form whose token expired)."""
    if is_cross_site():
        abort(403, _("This form can only be sent from this website."))
    try:
        found = links.read_token(token)
    except links.LinkError as error:
        return None, _refused(error.reason)
    if not posted.validate():
        message = _("The form had expired. Please press the button again.")
        status = Status(message, "error", focus=focus)
        return found, _link_page(token, found, shown, status, 400)
    return found, None


@bp.get("/meine-daten/<token>")
def link(token: str):
    """Behind the mailed link: what is stored, and the buttons. Changes nothing."""
    try:
        found = links.read_token(token)
    except links.LinkError as error:
        return _refused(error.reason)
    return _link_page(token, found, EraseForm(formdata=None))


@bp.post("/meine-daten/<token>/json")
@csrf.exempt  # the form checks its own session-less token, see comments/token.py
def download(token: str):
    """Every comment stored under the address, as a JSON file."""
    found, refused = _posted_link(token, TokenForm(), EraseForm(formdata=None), focus=False)
    if refused is not None:
        return refused
    data = records.export(found.address)
    with writing():
        add_entry(
            "personal_data.export",
            user=None,
            email=links.READER,
            subject=records.masked(found.address),
            after={
                "address_key": records.address_key(found.address),
                "comment_count": len(data["comments"]),
            },
        )
    return json_download(data)


def json_download(data: dict) -> Response:
    """A person's data as a file to save (the reader's and the admins' download)."""
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return personal(response)


@bp.post("/meine-daten/<token>/loeschen")
@csrf.exempt  # the form checks its own session-less token, see comments/token.py
def erase(token: str):
    """Erase what is stored under the address; the link is used up in the same step."""
    form = EraseForm()
    found, refused = _posted_link(token, form, form, focus=True)
    if refused is not None:
        return refused
    try:
        with writing():
            found = links.read_token(token)  # again, under the write lock
            db.session.add(UsedLink(id=found.id))
            count = records.erase(found.address, texts=form.texts.data)
            add_entry(
                "personal_data.erase",
                user=None,
                email=links.READER,
                subject=records.masked(found.address),
                after={
                    "address_key": records.address_key(found.address),
                    "comment_count": count,
                    "texts_erased": bool(form.texts.data),
                },
            )
    except links.LinkError as error:
        return _refused(error.reason)
    except IntegrityError:
        # Used at the same moment by another request (PostgreSQL; SQLite queues writers).
        return _refused("used")
    kept = remembered.remembered()
    if kept is not None and records.normal(str(kept["email"])) == found.address:
        remembered.forget()  # this browser kept the name and address for the form
    return _page(make_response(render_template("personal_data/erased.html", texts=form.texts.data)))
