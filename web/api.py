"""The JSON API under /api/v1 for Massar and mobile clients, authenticated by bearer tokens.

Every error is `{"error": code, "message": text, "errors": {field: [messages]}}`; `errors` is empty unless
fields are named, and the key "" contains errors about the body as a whole.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request, send_file, url_for
from flask_babel import gettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

import forms
from engine.services import accounts, cases, documents, tasks
from engine.services.errors import NotFound, ServiceError
from storage import db, queries
from storage.db import MAX_RECORD_ID
from storage.accounts import user_for_token
from storage.models import utcnow

from .errors import HTTP_MESSAGES
from .extensions import csrf
from .openapi import openapi_document

log = logging.getLogger("sanad.api")

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Largest key a database integer column holds; a larger id in a URL names no record.
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
# A token issued by issue_token is 43 characters; anything much longer is not worth hashing.
MAX_TOKEN_LENGTH = 512
BEARER_CHALLENGE = 'Bearer realm="sanad"'
# Task ids are UUIDs. Anything else gets 404 before it reaches the database, because PostgreSQL rejects some
# strings (those with NUL characters) with an error of its own.
TASK_ID = re.compile(r"^[0-9A-Za-z-]{1,36}$")
# Form data is flat, so a deeper body is no form; the limit keeps recursive code (validation, repr of values in
# messages) far from Python's recursion limit.
MAX_BODY_DEPTH = 32


# --- Errors ------------------------------------------------------------------------------------------------


def error_response(status: int, code: str, message: str, errors: dict | None = None, headers: dict | None = None):
    """Build the JSON error body every API failure uses."""
    response = jsonify({"error": code, "message": message, "errors": errors or {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class BodyError(Exception):
    """A request body or query string that cannot be read; `errors` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid request")
        self.errors = errors


@bp.errorhandler(ServiceError)
def handle_service_error(error: ServiceError):
    db.session.rollback()
    log.info("api request rejected", extra={"error": error.code, "status": error.status, "path": request.path})
    message = gettext(error.message, **error.params)
    return error_response(error.status, error.code, message, getattr(error, "errors", None))


@bp.errorhandler(BodyError)
def handle_body_error(error: BodyError):
    db.session.rollback()
    log.info("api request rejected", extra={"error": "invalid_data", "fields": sorted(error.errors),
                                            "path": request.path})
    return error_response(422, "invalid_data", gettext("Some fields are invalid; correct them and submit again."),
                          error.errors)


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    db.session.rollback()
    headers = {"WWW-Authenticate": BEARER_CHALLENGE} if error.code == 401 else None
    message = error.description or ""
    if error.code in HTTP_MESSAGES and message == type(error).description:
        # Werkzeug's own English text: give the user's language instead.
        message = gettext(HTTP_MESSAGES[error.code])
    return error_response(error.code or 500, error.name.lower().replace(" ", "_"), message, headers=headers)


def _unauthorized(code: str, message: str, challenge: str):
    return error_response(401, code, message, headers={"WWW-Authenticate": challenge})


# --- Request parsing ---------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]} is out of range")
    return number


def json_body() -> dict:
    """Return the request body parsed as a JSON object, whatever the Content-Type header declares.

    Raises BodyError for a body that is not JSON (NaN, Infinity and overflowing numbers included), is too deeply
    nested to parse, or is not an object.
    """
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise BodyError({"": [gettext("The request body is not valid JSON; send a JSON object.")]}) from None
    if not isinstance(body, dict):
        raise BodyError({"": [gettext("The request body must be a JSON object.")]})
    if _nesting_depth(body) > MAX_BODY_DEPTH:
        raise BodyError({"": [gettext("The request body nests objects or arrays more than %(limit)s levels deep.",
                                      limit=MAX_BODY_DEPTH)]})
    return body


def _nesting_depth(value) -> int:
    """Return how many objects and arrays deep `value` goes, without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def load(schema: Schema, values) -> dict:
    """Validate `values` with a marshmallow schema, turning its errors into a 422 response."""
    try:
        return schema.load(values)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        raise BodyError(_flatten(messages)) from None


def _flatten(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"field.sub": [text]}`, in the user's language."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = [_schema_message(str(text)) for text in value]
    return flat


# marshmallow's English messages, each with the message id the API returns instead.
_SCHEMA_MESSAGES = {
    "Missing data for required field.": "Send this field; it is required.",
    "Field may not be null.": "Send a value here; null is not accepted.",
    "Not a valid mapping type.": "Send a JSON object here.",
    "Not a valid string.": "Send text here.",
    "Not a valid integer.": "Send a whole number here.",
    "Not a valid boolean.": "Send true or false here.",
    "Remove the control characters.": "Remove the control characters.",
}
_RANGE_MESSAGE = re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$")
_LENGTH_MESSAGE = re.compile(r"^Length must be between (\d+) and (\d+)\.$")
_MAX_LENGTH_MESSAGE = re.compile(r"^Longer than maximum length (\d+)\.$")
_ONE_OF_MESSAGE = re.compile(r"^Must be one of: (.*)\.$")


def _schema_message(text: str) -> str:
    """Return a marshmallow validation message in the user's language, naming what to send."""
    if text in _SCHEMA_MESSAGES:
        return gettext(_SCHEMA_MESSAGES[text])
    if match := _RANGE_MESSAGE.match(text):
        return gettext("Send a number from %(min)s to %(max)s.", min=match[1], max=match[2])
    if match := _LENGTH_MESSAGE.match(text):
        return gettext("Send %(min)s to %(max)s characters.", min=match[1], max=match[2])
    if match := _MAX_LENGTH_MESSAGE.match(text):
        return gettext("Send at most %(max)s characters.", max=match[1])
    if match := _ONE_OF_MESSAGE.match(text):
        return gettext("Send one of: %(choices)s.", choices=match[1])
    return text


# Query text reaches SQL parameters, and PostgreSQL rejects NUL characters in them.
no_control_characters = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="Remove the control characters.")


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True, validate=[validate.Length(min=1, max=80), no_control_characters])
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class DataEnvelopeSchema(Schema):
    """The `{"data": {...}}` body of a declaration or a task completion."""

    class Meta:
        unknown = EXCLUDE

    data = fields.Dict(keys=fields.String(), required=True)


class InboxQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    step = fields.String(validate=[validate.Length(min=1, max=120), no_control_characters])
    overdue = fields.Boolean(truthy={"true"}, falsy={"false"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class CaseListQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(validate=validate.OneOf(("open", "closed")))
    search = fields.String(load_default="", validate=[validate.Length(max=100), no_control_characters])
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def form_data(form) -> dict:
    """Read the `{"data": {...}}` envelope and turn it into the raw values the services validate."""
    envelope = load(DataEnvelopeSchema(), json_body())
    try:
        return forms.parse_json(form, envelope["data"])
    except forms.FormDataError as error:
        raise BodyError({"data": [str(error)]}) from None


def case_id_in_range(case_id: int) -> int:
    """Return `case_id`, or raise NotFound for an id too large for any database key."""
    if case_id > MAX_RECORD_ID:
        raise NotFound("Case %(id)s was not found.", id=case_id)
    return case_id


def known_task_id(task_id: str) -> str:
    """Return `task_id`, or raise NotFound for a string that no task id can be."""
    if not TASK_ID.match(task_id):
        raise NotFound("Task %(id)s was not found.", id=task_id[:40])
    return task_id


def document_id_in_range(document_id: int) -> int:
    """Return `document_id`, or raise NotFound for an id too large for any database key."""
    if document_id > MAX_RECORD_ID:
        raise NotFound("Document %(id)s was not found.", id=document_id)
    return document_id


# --- Authentication ----------------------------------------------------------------------------------------


def token_required(view):
    """Run `view` with `g.api_user` set from the bearer token, or respond 401 with a Bearer challenge.

    The user is kept for this request only: nothing is written to the cookie session.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _unauthorized("authentication_required",
                                 gettext("Send a bearer token in the Authorization header; get one from "
                                         "POST /api/v1/auth/token."),
                                 BEARER_CHALLENGE)
        user = user_for_token(token) if len(token) <= MAX_TOKEN_LENGTH else None
        if user is None:
            return _unauthorized("invalid_token",
                                 gettext("The bearer token is invalid or expired; request a new one."),
                                 f'{BEARER_CHALLENGE}, error="invalid_token"')
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


@bp.post("/auth/token")
def create_token():
    credentials = load(LoginSchema(), json_body())
    user = accounts.sign_in(credentials["username"], credentials["password"])
    if user is None:
        db.session.rollback()
        return _unauthorized("invalid_credentials", gettext("Invalid username or password."), BEARER_CHALLENGE)
    ttl = int(current_app.config["API_TOKEN_TTL_SECONDS"])
    # Taken before the token row is written, so it is never later than the stored expiry.
    expires_at = utcnow() + timedelta(seconds=ttl)
    token = accounts.issue_api_token(user, ttl)
    log.info("api token issued", extra={"user_id": user.id})
    return jsonify({
        "token": token,
        "token_type": "Bearer",
        "expires_at": _iso(expires_at),
        "user": {"username": user.username, "role": user.role, "full_name": user.full_name},
    })


# --- Cases -------------------------------------------------------------------------------------------------


@bp.get("/cases/form")
@token_required
def declaration_form():
    _, _, form = cases.declaration_form(g.api_user)
    return jsonify({"form": form.resolved, "ui": form.ui_schema})


@bp.post("/cases")
@token_required
def declare():
    _, _, form = cases.declaration_form(g.api_user)
    raw = form_data(form)
    case = cases.declare(g.api_user, raw, keep_uploads_on_error=False)
    body = cases.case_json(cases.case_view(g.api_user, case.id))
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_case", case_id=case.id)
    return response


@bp.get("/cases")
@token_required
def list_cases():
    query = load(CaseListQuerySchema(), request.args)
    found, total = queries.visible_cases(g.api_user, state=query.get("state"), search=query["search"],
                                         page=query["page"], page_size=query["page_size"])
    return jsonify({"items": [_case_summary(case) for case in found], "total": total, "page": query["page"],
                    "page_size": query["page_size"]})


@bp.get("/cases/<int:case_id>")
@token_required
def get_case(case_id: int):
    view = cases.case_view(g.api_user, case_id_in_range(case_id))
    return jsonify(cases.case_json(view))


def _case_summary(case) -> dict:
    return {
        "id": case.id,
        "reference": case.reference,
        "state": case.state,
        "status": case.status,
        "end_state": case.end_state,
        "accident_date": case.accident_date.isoformat(),
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
    }


# --- Tasks -------------------------------------------------------------------------------------------------


@bp.get("/tasks")
@token_required
def inbox():
    query = load(InboxQuerySchema(), request.args)
    page = queries.inbox(g.api_user, step=query.get("step"), overdue_only=query.get("overdue", False),
                         page=query["page"], page_size=query["page_size"])
    items = [
        {"id": row.task.id, "case_id": row.task.case_id, "reference": row.reference, "name": row.task.bpmn_id,
         "title": row.task.title, "lane": row.task.lane, "due_at": _iso(row.task.due_at), "overdue": row.overdue}
        for row in page.rows
    ]
    return jsonify({"items": items, "total": page.total, "overdue_total": page.overdue_total, "page": page.page,
                    "page_size": page.page_size})


@bp.get("/tasks/<task_id>")
@token_required
def get_task(task_id: str):
    return jsonify(tasks.served_form(g.api_user, known_task_id(task_id)))


@bp.post("/tasks/<task_id>/complete")
@token_required
def complete_task(task_id: str):
    case = tasks.complete(g.api_user, known_task_id(task_id), form_data, keep_uploads_on_error=False)
    return jsonify(cases.case_json(cases.case_view(g.api_user, case.id)))


# --- Documents ---------------------------------------------------------------------------------------------


@bp.get("/documents/<int:document_id>")
@token_required
def download(document_id: int):
    path, document = documents.open_document(g.api_user, document_id_in_range(document_id))
    if not Path(path).is_file():
        log.error("stored file missing", extra={"document_id": document_id, "stored_name": document.stored_name})
        raise NotFound("Document %(id)s was not found.", id=document_id)
    response = send_file(path, mimetype=document.media_type, as_attachment=True,
                         download_name=document.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Application hooks -------------------------------------------------------------------------------------


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def serve_openapi():
    """Return the OpenAPI 3.1 description of the API."""
    return jsonify(openapi_document())


def init_app(app) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.add_url_rule("/api/openapi.json", "openapi", serve_openapi)
