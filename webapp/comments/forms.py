"""The comment form: what counts as filled in, the limits, and the German messages."""

from __future__ import annotations

import unicodedata
from typing import ClassVar

from flask import request
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import Email, StopValidation

from .service import EMAIL_MAX, NAME_MAX, TEXT_MAX
from .token import HEADER, FormTokenCSRF, token_issued_at

# Characters a reader cannot see: a field made only of these is empty.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
# Control characters other than tab and line breaks have no place in a comment;
# NUL in particular would make PostgreSQL fail.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def is_blank(value: str | None) -> bool:
    """Whether a value is empty to the eye: only spaces and invisible characters."""
    return not value or all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def normalize(value: str | None) -> str | None:
    """NFC, once, at input; Windows line breaks as \\n."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")


def strip(value: str | None) -> str | None:
    return value.strip() if value else value


class Filled:
    """Like DataRequired, but a field of invisible characters counts as empty."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field) -> None:
        if is_blank(field.data):
            field.errors.clear()
            raise StopValidation(self.message)


class NoControlCharacters:
    def __call__(self, form: FlaskForm, field) -> None:
        if any(
            unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in field.data
        ):
            raise StopValidation(
                _l("This field contains control characters that cannot be stored.")
            )


class MaxLength:
    """A length limit whose message names the limit, checked before anything is stored."""

    def __init__(self, limit: int, message: str) -> None:
        self.limit = limit
        self.message = message

    def __call__(self, form: FlaskForm, field) -> None:
        if len(field.data) > self.limit:
            raise StopValidation(
                self.message
                % {"max": format_number(self.limit), "length": format_number(len(field.data))}
            )


class CommentForm(FlaskForm):
    class Meta:
        # A token without a session, so readers get no cookie (see token.py).
        csrf_class = FormTokenCSRF

        def wrap_formdata(self, form, formdata):
            """A form's fields, and nothing else: typed text, which the rules can check.

            Flask-WTF would also read a JSON body or uploaded files, whose values are
            numbers, lists or files where text belongs (a 500 in the filters); posted so,
            the fields are simply missing.
            """
            if formdata is None or hasattr(formdata, "getlist"):
                return super().wrap_formdata(form, formdata)
            return request.form if form.is_submitted() else None

    text_max = TEXT_MAX
    # The comment this one answers (the form's hidden `antwort_auf`), if it is a reply.
    replies_to: int | None = None
    # Put before its ids where the page has more forms than this one (for_reply, for_edit).
    id_prefix = ""

    name = StringField(
        _l("Name"),
        filters=[normalize, strip],
        validators=[
            Filled(_l("Please enter your name.")),
            NoControlCharacters(),
            MaxLength(
                NAME_MAX, _l("The name can have at most %(max)s characters (yours has %(length)s).")
            ),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail"),
        filters=[normalize, strip],
        validators=[
            Filled(_l("Please enter your e-mail address.")),
            NoControlCharacters(),
            MaxLength(
                EMAIL_MAX,
                _l(
                    "The e-mail address can have at most %(max)s characters (yours has %(length)s)."
                ),
            ),
            Email(_l("Please enter a valid e-mail address.")),
        ],
        render_kw={"autocomplete": "email"},
    )
    text = TextAreaField(
        _l("Comment"),
        filters=[normalize, strip],
        validators=[
            Filled(_l("Please write a comment.")),
            NoControlCharacters(),
            MaxLength(
                TEXT_MAX,
                _l("The comment can have at most %(max)s characters (yours has %(length)s)."),
            ),
        ],
        # static/js/zirkel.js counts down to it; the server's message stays the truth.
        render_kw={"rows": 6, "data-max": TEXT_MAX},
    )

    # Opt-in, unticked: mail about replies, after a confirmation (comments/subscriptions.py).
    notify = BooleanField(
        _l("Notify me of replies by e-mail"),
        description=_l("You will first get a mail to confirm this; you can stop it any time."),
    )

    # Opt-in, unticked: a cookie with name and address for the next comment (remembered.py).
    remember = BooleanField(_l("Remember my name and e-mail for the next comment"))

    # The honeypot: hidden from people and assistive technology; bots fill it in.
    homepage = StringField(_l("Homepage"), render_kw={"tabindex": "-1", "autocomplete": "off"})

    def token_issued_at(self) -> int | None:
        """When the form was served (from its signed token), for the spam guard."""
        return token_issued_at(self.csrf_token.data or request.headers.get(HEADER, ""))

    def token_expired(self) -> bool:
        """Whether the post lacked a genuine, recent form token."""
        return bool(self.meta.csrf and self.csrf_token.errors)

    def for_reply(self, parent_id: int) -> CommentForm:
        """The form under a comment, to answer it."""
        self.replies_to = parent_id
        return self.with_prefix(f"antwort-{parent_id}-")

    def with_prefix(self, prefix: str) -> CommentForm:
        """The page has several forms: this one's fields get ids of their own (their names
        stay what the server reads)."""
        self.id_prefix = prefix
        for field in self:
            field.id = f"{prefix}{field.name}"
        return self

    def field_errors(self) -> list:
        """The fields a reader must correct, in order (the form token is not one of them)."""
        return [field for field in self if field.errors and field is not self.csrf_token]

    def summary(self) -> str:
        """The one sentence above the form that says what is wrong."""
        if any(is_blank(field.data) for field in (self.name, self.email, self.text) if field):
            return str(_l("Please fill in all fields."))
        return str(_l("Please correct the marked fields."))


class EditCommentForm(CommentForm):
    """An author changes their comment: name and text, by the same rules (the address
    stays, and so does the trap for bots, who do not come back to edit)."""

    email = None
    homepage = None
    notify = None
    remember = None

    def for_edit(self, comment_id: int) -> EditCommentForm:
        """The form in place of a comment, under its own ids."""
        self.with_prefix(f"bearbeiten-{comment_id}-")
        return self


class TokenForm(FlaskForm):
    """A form with nothing but the comment form's token: deleting one's own comment."""

    class Meta:
        csrf_class = FormTokenCSRF

    def token_expired(self) -> bool:
        return bool(self.meta.csrf and self.csrf_token.errors)
