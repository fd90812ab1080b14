"""Personal data of a reader, for admins (WordPress's "Export/Erase Personal Data"): an
address → how many comments, the JSON download, erasure after a confirmation.

The same export and erasure as the reader's /meine-daten (webapp/personal_data/), and
every lookup, download and erasure in the audit log, with the address masked and hashed.
The address travels in POST bodies only, never in a URL (access logs keep those).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import Email

from ..comments.forms import Filled, MaxLength, NoControlCharacters, normalize, strip
from ..comments.service import EMAIL_MAX
from ..database import writing
from ..models import Role
from ..personal_data import records
from ..personal_data.views import STATUS_LABELS, json_download
from . import audit
from .auth import role_required
from .views import bp

# The audit log's names for what happens here and on /meine-daten.
ACTIONS = {
    "personal_data.request": _l("Personal data: link requested"),
    "personal_data.lookup": _l("Personal data: looked up"),
    "personal_data.export": _l("Personal data: downloaded"),
    "personal_data.erase": _l("Personal data: erased"),
}
audit.LABELS.update(ACTIONS)
audit.FIELD_LABELS.update(
    {
        "address_key": _l("Address (keyed hash)"),
        "comment_count": _l("Comments"),
        "texts_erased": _l("Texts erased too"),
        "mailed": _l("Link sent"),
    }
)
audit.AUDIT_KINDS["personendaten"] = (_l("Personal data"), frozenset(ACTIONS))
audit.ADMIN_KINDS = audit.ADMIN_KINDS | {"personendaten"}


class PersonForm(FlaskForm):
    """Whose data: an e-mail address."""

    email = EmailField(
        _l("E-mail address"),
        filters=[normalize, strip],
        description=_l("The address a reader gave with their comments."),
        validators=[
            Filled(_l("Please enter an e-mail address.")),
            NoControlCharacters(),
            MaxLength(
                EMAIL_MAX,
                _l("The address can have at most %(max)s characters (this one has %(length)s)."),
            ),
            Email(_l("Please enter a valid e-mail address, like name@example.org.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class PersonEraseForm(PersonForm):
    texts = BooleanField(
        _l("Also erase the texts"),
        description=_l(
            "Without this, the comments stay, signed “Deleted”. With it, they are removed; "
            "where someone replied, “This comment has been deleted.” stands in their place."
        ),
    )


def _entry(action: str, address: str, **after) -> None:
    audit.record(
        action,
        subject=records.masked(address),
        after={"address_key": records.address_key(address), **after},
    )


def _render(form: PersonForm, **context):
    return render_template(
        "personal_data/admin.html", form=form, status_labels=STATUS_LABELS, **context
    )


@bp.route("/personendaten", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def personal_data():
    """An address: how many comments are stored under it, with download and erase."""
    if request.method == "GET":
        return _render(PersonForm(formdata=None), comments=None)
    form = PersonForm()
    if not form.validate():
        return _render(form, comments=None), 422
    comments = records.comments_of(form.email.data)
    with writing():
        _entry("personal_data.lookup", form.email.data, comment_count=len(comments))
    return _render(
        form,
        comments=comments,
        erase_form=PersonEraseForm(formdata=None, data={"email": form.email.data}),
    )


@bp.post("/personendaten/json")
@role_required(Role.ADMIN)
def personal_data_download():
    """Everything stored under an address, as JSON."""
    form = PersonForm()
    if not form.validate():
        return _render(form, comments=None), 422
    data = records.export(form.email.data)
    with writing():
        _entry("personal_data.export", form.email.data, comment_count=len(data["comments"]))
    return json_download(data)


@bp.post("/personendaten/loeschen")
@role_required(Role.ADMIN)
def personal_data_erase():
    """Erase what is stored under an address: asked first, then done."""
    form = PersonEraseForm()
    if not form.validate():
        return _render(form, comments=None), 422
    address = form.email.data
    if request.form.get("bestaetigt") != "ja":
        return render_template(
            "personal_data/admin_confirm.html",
            form=form,
            masked=records.masked(address),
            count=records.count_of(address),
        )
    with writing():
        count = records.erase(address, texts=form.texts.data)
        _entry(
            "personal_data.erase",
            address,
            comment_count=count,
            texts_erased=bool(form.texts.data),
        )
    message = ngettext(
        "The personal data of %(address)s has been erased (%(num)d comment).",
        "The personal data of %(address)s has been erased (%(num)d comments).",
        count,
        address=records.masked(address),
    )
    flash(message, "success")
    return redirect(url_for("editorial.personal_data"), 303)
