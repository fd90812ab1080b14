"""Forms of the editorial area, with German messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..comments.forms import normalize, strip
from ..models import AboutHeading
from ..site_settings import Moderation

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# "Foto: Stadtarchiv" typed into the credit would read "Foto: Foto: Stadtarchiv".
_CREDIT_PREFIX = re.compile(r"^(?:foto|photo|bild|fotos|image)\s*:\s*", re.IGNORECASE)
_text = [normalize, strip]


def slug_field(description: str) -> StringField:
    """An optional, editable slug: lower-case letters, digits and single hyphens."""
    return StringField(
        _l("Address (slug)"),
        filters=_text,
        description=description,
        validators=[
            Optional(),
            Length(max=200, message=_l("At most %(max)d characters.")),
            Regexp(SLUG, message=_l("Only lower-case letters, digits and hyphens.")),
        ],
    )


class ArticleForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=_text,
        validators=[
            DataRequired(_l("Please enter a title.")),
            Length(max=300, message=_l("At most %(max)d characters.")),
        ],
    )
    slug = slug_field(_l("Part of the article's address; made from the title if left empty."))
    author_id = SelectField(_l("Author"), coerce=int)
    teaser = TextAreaField(
        _l("Teaser"),
        filters=_text,
        description=_l("Shown on the front page and to search engines."),
        validators=[Length(max=500, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        _l("Text"),
        filters=[normalize],
        description=_l(
            "Markdown: a blank line between paragraphs, *italic*, **bold**, "
            "[link text](https://…), subheadings as “## Subheading”, lists (“- item” or "
            "“1. item”), quotes (“> quote”) and photos from the media library with their "
            "alternative text: “![What the photo shows](/medien/…)”. Whatever the page cannot "
            "show as written is named before saving."
        ),
        validators=[DataRequired(_l("Please write the article's text."))],
        render_kw={"rows": 18},
    )
    photo = FileField(_l("Photo"), description=_l("JPEG, PNG or WebP, at most 15 MB."))
    photo_alt = StringField(
        _l("Alternative text"),
        filters=_text,
        description=_l(
            "What the photo shows, for people who cannot see it. Required with a photo."
        ),
        validators=[Length(max=300, message=_l("At most %(max)d characters."))],
    )
    photo_caption = StringField(_l("Caption"), filters=_text, validators=[Length(max=500)])
    photo_credit = StringField(
        _l("Photo credit"),
        filters=[*_text, lambda value: _CREDIT_PREFIX.sub("", value) if value else value],
        description=_l("The page shows “Photo: ” before it: enter only the name."),
        validators=[Length(max=300)],
    )
    remove_photo = BooleanField(_l("Remove the photo"))
    # A photo chosen from the media library, or uploaded in a round trip that saved
    # nothing (preview, a failed check, an expired form) and so stored already: its id,
    # carried until the article is saved (editorial/staging.py).
    chosen_photo = HiddenField()
    topic_ids = SelectMultipleField(
        _l("Topics"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    comments_open = BooleanField(_l("Comments are open"), default=True)
    # The article's version when the form was opened (see editorial/articles.py).
    version = HiddenField()
    published_at = DateTimeLocalField(
        _l("Publication date"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Berlin time. Empty: a draft. In the future: published then."),
    )

    def __init__(self, *args, has_photo: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_photo = has_photo

    def validate_photo_alt(self, field) -> None:
        uploading = bool(self.photo.data and getattr(self.photo.data, "filename", ""))
        chosen = self.chosen_photo.data and not self.remove_photo.data
        keeping = self.has_photo and not self.remove_photo.data
        if chosen and not field.data:
            # A photo from the library brings its own description, when it has one.
            from .staging import chosen_photo

            photo = chosen_photo(self)
            field.data = photo.alt_text if photo is not None else ""
        if (uploading or keeping or chosen) and not field.data:
            raise ValidationError(_l("Please describe the photo for people who cannot see it."))


class ArticleFilterForm(Form):
    """The article list's search, filters and order (a GET form: nothing is changed)."""

    q = SearchField(_l("Search in titles"), filters=_text)
    status = SelectField(
        _l("State"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("entwurf", _l("Drafts")),
            SelectChoice("geplant", _l("Scheduled")),
            SelectChoice("veroeffentlicht", _lp("article state", "Published")),
        ],
        default="",
    )
    autor = SelectField(_l("Author"), default="")
    thema = SelectField(_l("Topic"), default="")
    ordnung = SelectField(
        _l("Order"),
        choices=[
            SelectChoice("neueste", _l("Newest first")),
            SelectChoice("aelteste", _l("Oldest first")),
            SelectChoice("geaendert", _l("Last changed first")),
            SelectChoice("titel", _l("Title A–Z")),
            SelectChoice("kommentare", _l("Most comments first")),
        ],
        default="neueste",
    )


class TopicForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=_text,
        validators=[
            DataRequired(_l("Please enter a name.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
    )
    slug = slug_field(_l("Part of the topic page's address; made from the name if left empty."))
    description = TextAreaField(
        _l("Description"),
        filters=_text,
        description=_l("One or two sentences at the top of the topic page (optional)."),
        validators=[Length(max=500, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3},
    )
    version = HiddenField()  # see editorial/conflicts.py


class MergeTopicForm(FlaskForm):
    target_id = SelectField(_l("Merge into"), coerce=int)


class AuthorForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=_text,
        validators=[
            DataRequired(_l("Please enter a name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    slug = slug_field(_l("Part of the author page's address; made from the name if left empty."))
    about_heading = SelectField(
        _l("Heading of the box under their articles"),
        choices=[
            SelectChoice(AboutHeading.AUTHOR.value, _l("About the author")),
            SelectChoice(AboutHeading.AUTHOR_FEMALE.value, _lp("a woman", "About the author")),
            SelectChoice(AboutHeading.EDITORIAL_TEAM.value, _l("About the editorial team")),
        ],
        default=AboutHeading.AUTHOR.value,
    )
    bio = TextAreaField(
        _l("About"), filters=[normalize], description=_l("Markdown."), render_kw={"rows": 8}
    )
    photo = FileField(_l("Photo"), description=_l("JPEG, PNG or WebP, at most 15 MB."))
    remove_photo = BooleanField(_l("Remove the photo"))
    chosen_photo = HiddenField()  # see editorial/staging.py
    version = HiddenField()  # see editorial/conflicts.py


class MoveArticlesForm(FlaskForm):
    target_id = SelectField(_l("Their articles go to"), coerce=int)


def _own_second_factor_first(_form, field) -> None:
    # Otherwise the admin saving it would be sent to set one up at once.
    if field.data and current_user.is_authenticated and not current_user.totp_secret:
        raise ValidationError(_l("Please set up your own second factor first (“My account”)."))


class SettingsForm(FlaskForm):
    moderation = SelectField(
        _l("Moderation"),
        choices=[
            SelectChoice(Moderation.OFF.value, _l("Off: comments appear at once")),
            SelectChoice(
                Moderation.FIRST.value, _l("Hold the first comment of an unknown e-mail address")
            ),
            SelectChoice(Moderation.ALL.value, _l("Hold every comment")),
        ],
    )
    close_comments_after_days = IntegerField(
        _l("Close comments after (days)"),
        description=_l("0: never."),
        validators=[NumberRange(min=0, max=3650, message=_l("A number from 0 to 3650."))],
    )
    notify_moderators = BooleanField(_l("E-mail moderators about new and held comments"))
    revisions_kept = IntegerField(
        _l("Versions kept per article or page"),
        description=_l("The newest are kept; older ones are deleted. 0: keep all."),
        validators=[NumberRange(min=0, max=10000, message=_l("A number from 0 to 10000."))],
    )
    require_second_factor_for_admins = BooleanField(
        _l("Administration accounts must log in with a second factor"),
        description=_l(
            "An admin without one sets it up right after the password and cannot work "
            "until it is done."
        ),
        validators=[_own_second_factor_first],
    )
    version = HiddenField()  # see editorial/conflicts.py


def keeps_what_was_typed(view: Callable) -> Callable:
    """Mark a form view that shows its form again, with what was typed and a fresh token,
    when the form's token has expired (editorial/views.py: `expired_form`).

    Only for views that save nothing unless their form validates: the view runs again on
    the same request, and its form then fails on the old token and renders itself.
    """
    view.keeps_what_was_typed = True
    return view


def token_is_ours_but_old() -> bool:
    """Whether the posted CSRF token was issued to this session and only its time is up
    (so the post is the editor's own, from a form left open too long)."""
    try:
        validate_csrf(request.form.get("csrf_token"), time_limit=10 * 365 * 24 * 3600)
    except ValidationError:
        return False
    return True


def _site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_to_utc(value: datetime | None) -> datetime | None:
    """A time an editor typed (site time zone) as the naive UTC the database stores."""
    if value is None:
        return None
    return value.replace(tzinfo=_site_zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime | None) -> datetime | None:
    """A stored UTC time in the site's time zone, for a form."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(_site_zone()).replace(tzinfo=None)
