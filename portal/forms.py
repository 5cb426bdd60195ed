"""Form helpers shared by every capability.

Every capability's forms derive from :class:`Form`, so text reaches services
cleaned in one place: control characters go (tab and newline stay in
multi-line fields) and outer spaces are trimmed; identifier fields
(:class:`IdentifierField`) are normalised as ``portal.text`` describes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel.support import Translations
from flask import current_app, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, Select

from portal.text import clean_text, normalise_identifier


def _single_line(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def _multi_line(value: Any) -> Any:
    return clean_text(value, multiline=True) if isinstance(value, str) else value


@lru_cache(maxsize=8)
def _wtforms_messages(locale: str) -> Translations:
    """WTForms' own messages ("This field is required.") in ``locale``, read from disk once per
    process (Flask-WTF reads the catalog again in every request whose form needs a message)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_messages(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            # Passwords are taken exactly as typed.
            if issubclass(field_class, StringField) and not issubclass(field_class, (IdentifierField, PasswordField)):
                cleaner = _multi_line if issubclass(field_class, TextAreaField) else _single_line
                options["filters"] = (cleaner, *options.get("filters", unbound_field.kwargs.get("filters", ())))
            return unbound_field.bind(form=form, **options)


class TokenInput(HiddenInput):
    """The CSRF token without ``id="csrf_token"``: a page with a form per row
    would otherwise repeat the id (nothing refers to it)."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


class RequiredSelect(Select):
    """HTML allows ``required`` on a single-choice ``<select>`` only when its
    first option is an empty placeholder; with a real first option there is
    always a choice, so the attribute is left out (the validators still run)."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        if not self.multiple and "required" not in kwargs and field.flags.required:
            first = next(iter(field.iter_choices()), None)  # groups included, in order
            value = first.value if hasattr(first, "value") else (first[0] if first else None)
            if first is not None and value not in ("", None):
                kwargs["required"] = False
        return super().__call__(field, **kwargs)


# Every form renders valid HTML (the Nu Html Checker runs over every page in
# the tests), whether it derives from Form or still from FlaskForm: the two
# field classes' default widgets are replaced once, here.
CSRFTokenField.widget = TokenInput()
SelectField.widget = RequiredSelect()


class EmptyForm(Form):
    """A form with only the CSRF token: for buttons that change state."""


class IdentifierField(StringField):
    """Badge, ID, phone, plate, room, meter and extension numbers: full-width
    digits and letters become ASCII, spaces go (``upper=True`` also upper-cases)."""

    def __init__(self, *args: Any, upper: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._upper = upper

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = normalise_identifier(self.data, upper=self._upper)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: several choices, each a plain checkbox."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def form_status(form: Any = None) -> int:
    """422 for a form sent and refused, 200 for a form shown."""
    return 422 if request.method == "POST" else 200
