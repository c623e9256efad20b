"""Error pages, in the user's language, for 400, 403, 404 and 500."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import api

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Nothing was saved.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What was sent is too large. Nothing was saved.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error happened on our side. Nothing you sent was half-saved."),
    ),
}


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", status=status, title=title, message=message, detail=detail
        ),
        status,
    )


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    from .resume import after_stale_token  # a lead's expired form is kept, not refused

    if api.is_api_request():  # the API takes GET only: a POST has no CSRF token
        return api.json_error(405, api.MESSAGES[405])
    kept = after_stale_token(str(error.description))
    if kept is not None:
        return kept
    return render_error(
        400, str(_l("The form has expired or was not sent by this site. Please try again."))
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if api.is_api_request():  # JSON, whatever the address under /api/v1/
        return api.error_response(error)
    if error.code in MESSAGES:
        return render_error(error.code)
    return error


@bp.app_errorhandler(500)
def server_error(_error):
    if api.is_api_request():
        return api.json_error(500)
    return render_error(500)
