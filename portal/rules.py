"""The one exception every capability raises when a rule refuses a change.

Services raise :class:`RuleViolation`; views show its message on the form (or
as a flash) and roll back, so nothing half-done is saved. A violation that
escapes a view is still turned into a page with the message, never a 500.
"""

from __future__ import annotations

from typing import Any


class RuleViolation(Exception):
    """A change refused by a rule of the building, worded for the user.

    ``message`` is a translated (or lazily translated) string; ``field`` names
    the form field it belongs to, if any; ``status`` is the HTTP status a view
    answers with (422 for a refused form, 409 for a lost race, 400 for a bad
    query argument).
    """

    status = 422

    def __init__(self, message: Any, *, field: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)

    def show_on(self, form: Any) -> None:
        """Put the message on ``form``: under its field when named, else at the top."""
        target = getattr(form, self.field, None) if self.field else None
        if target is not None and hasattr(target, "errors"):
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            target.errors.append(str(self.message))
        else:
            form.form_errors.append(str(self.message))


class BadArgument(RuleViolation):
    """A query-string value that cannot be used (a date out of range, a page number that is not one)."""

    status = 400
