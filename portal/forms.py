"""Form helpers shared by every capability."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only the CSRF token: for buttons that change state."""
