"""Error pages and JSON errors: service errors map to their status, and nothing a client sends gives a 500."""

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.services.errors import ServiceError
from storage import db

log = logging.getLogger("sanad.web")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _message(error: ServiceError) -> str:
    return gettext(error.message, **error.params)


def handle_service_error(error: ServiceError):
    db.session.rollback()
    message = _message(error)
    if wants_json():
        body = {"error": error.code, "message": message, "errors": getattr(error, "errors", {})}
        return jsonify(body), error.status
    return render_template("error.html", status=error.status, message=message), error.status


HTTP_MESSAGES = {
    400: "The request could not be understood; check what was sent and try again.",
    401: "Log in to continue.",
    403: "You are not allowed to do this.",
    404: "This page or record was not found; check the address or go back to your inbox.",
    405: "This address does not accept that kind of request.",
    413: "What was sent is too large; send smaller files (10 MiB per document at most).",
    429: "Too many requests; wait a moment and try again.",
}


def handle_http_error(error: HTTPException):
    message = gettext(HTTP_MESSAGES[error.code]) if error.code in HTTP_MESSAGES else error.description
    if wants_json():
        body = {"error": error.name.lower().replace(" ", "_"), "message": message, "errors": {}}
        return jsonify(body), error.code
    return render_template("error.html", status=error.code, message=message), error.code


def handle_csrf_error(error: CSRFError):
    message = gettext("The form expired or was sent from another page; reload it and submit again.")
    if wants_json():
        return jsonify({"error": "csrf", "message": message, "errors": {}}), 400
    return render_template("error.html", status=400, message=message), 400


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("unhandled error", extra={"path": request.path, "method": request.method})
    message = gettext("An unexpected error occurred; it was logged. Try again, or contact the administrator.")
    if wants_json():
        return jsonify({"error": "internal_error", "message": message, "errors": {}}), 500
    return render_template("error.html", status=500, message=message), 500


def init_app(app) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
