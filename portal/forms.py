"""Form helpers shared by every capability."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class EmptyForm(FlaskForm):
    """A form with only the CSRF token: for buttons that change state."""


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: several choices, each a plain checkbox."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
