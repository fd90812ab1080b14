"""The comment form's rules, without HTTP."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from webapp.comments.forms import CommentForm, is_blank


@pytest.fixture
def make_form(app):
    app.config["WTF_CSRF_ENABLED"] = False

    def make(**fields) -> CommentForm:
        data = {"name": "Erika", "email": "erika@example.org", "text": "Hallo", **fields}
        return CommentForm(formdata=MultiDict(data))

    with app.test_request_context("/", method="POST"):
        yield make


@pytest.mark.parametrize(
    ("value", "blank"),
    [
        ("", True),
        (None, True),
        (" \t\n", True),
        ("\u200b\u200d\u2060", True),
        ("\u202e\u202c", True),
        ("\ufeff", True),
        ("a", False),
        ("\u0301", False),
        ("😀", False),
    ],
)
def test_is_blank_sees_what_a_reader_sees(value, blank):
    assert is_blank(value) is blank


def test_valid_form_strips_outer_whitespace(make_form):
    form = make_form(name="  Erika  ", email=" erika@example.org ", text="\n Hallo \n")
    assert form.validate()
    assert (form.name.data, form.email.data, form.text.data) == (
        "Erika",
        "erika@example.org",
        "Hallo",
    )


def test_summary_prefers_the_missing_fields_message(make_form):
    form = make_form(name="", email="kaputt")
    assert not form.validate()
    assert form.summary() == "Bitte füllen Sie alle Felder aus."
    assert form.email.errors == ["Bitte geben Sie eine gültige E-Mail-Adresse ein."]


def test_messages_are_german_even_for_wtforms_own_validators(make_form):
    form = make_form(email="@")
    assert not form.validate()
    assert form.summary() == "Bitte korrigieren Sie die markierten Felder."
    assert form.email.errors == ["Bitte geben Sie eine gültige E-Mail-Adresse ein."]


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused(make_form, control):
    form = make_form(text=f"Hallo{control}Welt")
    assert not form.validate()
    assert form.text.errors == [
        "Das Feld enthält Steuerzeichen, die nicht gespeichert werden können."
    ]


def test_tabs_and_line_breaks_are_fine(make_form):
    form = make_form(text="Eins\tzwei\r\ndrei")
    assert form.validate()
    assert form.text.data == "Eins\tzwei\ndrei"
