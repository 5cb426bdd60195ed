"""A second step for irreversible or public actions, with and without JavaScript.

The button posts as usual; the view asks :func:`confirmed` and, until the
person has confirmed, answers with :func:`confirmation_page`: what will happen,
a button that posts the same fields again with ``confirmed=1``, and a way
back. With JavaScript, the page arrives as an htmx fragment in the same way,
so there is one flow for both.
"""

from __future__ import annotations

from typing import Any

from flask import request

from portal.htmx import render


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def confirmation_page(question: Any, *, detail: Any = "", button: Any, cancel_url: str,
                      danger: bool = True) -> Any:
    """The page that asks; it re-posts this request's form fields (CSRF token included)."""
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != "confirmed"]
    return render("confirm.html", question=question, detail=detail, button=button, cancel_url=cancel_url,
                  action=request.path, fields=fields, danger=danger)
