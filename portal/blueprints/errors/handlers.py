from __future__ import annotations

from flask import current_app, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.blueprints.errors import bp
from portal.db import db
from portal.htmx import add_vary, wants_partial
from portal.rules import RuleViolation


def _explanation(code: int) -> tuple[str, str]:
    messages = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (
            _("Not allowed"),
            _("Your account does not have permission to open this page. Ask the logistics center (后勤管理中心) if you need access."),
        ),
        404: (_("Not found"), _("There is no such page. It may have been moved or removed.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Upload too large"), _("The file or form is too large: a file may have at most %(limit)s MB. "
                                        "Go back and choose a smaller file.",
                                        limit=int(current_app.config.get("FILE_MAX_BYTES") or 0) // (1024 * 1024))),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("The portal hit an unexpected error. The error has been logged; please try again later.")),
    }
    return messages.get(code, (_("Error"), _("The request could not be completed.")))


def render_error(code: int, detail: str | None = None):
    title, message = _explanation(code)
    context = {"code": code, "title": title, "message": detail or message}
    if wants_partial():
        response = make_response(render_template("errors/_error.html", **context), code)
        # Show the message in the page's message area whatever the request targeted.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = make_response(render_template("errors/error.html", **context), code)
    return add_vary(response, "HX-Request")


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    return render_error(400, _("The form has expired or was not sent from this portal. Please reload the page and try again."))


@bp.app_errorhandler(RuleViolation)
def rule_violation(error: RuleViolation):
    """A rule's refusal that no view caught (a bad query argument, mostly): its message, not a 500."""
    db.session.rollback()
    return render_error(error.status, str(error.message))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return render_error(error.code)


@bp.app_errorhandler(InternalServerError)
def internal_error(error: InternalServerError):
    db.session.rollback()
    current_app.logger.error("unhandled error", exc_info=getattr(error, "original_exception", None))
    return render_error(500)
