"""The OpenAPI 3.1 description of /api/v1, written by hand and served at /api/openapi.json."""

from __future__ import annotations

import copy

API_VERSION = "1.0.0"

_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _page_parameters() -> list[dict]:
    return [
        {"name": "page", "in": "query", "required": False, "description": "Page number, from 1.",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
        {"name": "page_size", "in": "query", "required": False, "description": "Rows per page.",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}},
    ]


def _id_parameter(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "description": "Every error answer. `errors` maps a field or parameter name to its messages; the key "
                       "\"\" holds errors about the request body as a whole. It is empty when no field is named.",
        "required": ["error", "message", "errors"],
        "properties": {
            "error": {"type": "string", "description": "Stable error code, such as `invalid_data`, `not_found`, "
                                                      "`conflict`, `invalid_token` or `invalid_credentials`."},
            "message": {"type": "string", "description": "Sentence for a person, in the server's locale."},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    },
    "LoginRequest": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string", "minLength": 1, "maxLength": 80},
            "password": {"type": "string", "minLength": 1, "maxLength": 1024},
        },
    },
    "Token": {
        "type": "object",
        "required": ["token", "expires_at", "user"],
        "properties": {
            "token": {"type": "string", "description": "Send it as `Authorization: Bearer <token>`."},
            "token_type": {"const": "Bearer"},
            "expires_at": {"type": "string", "format": "date-time"},
            "user": {
                "type": "object",
                "required": ["username", "role", "full_name"],
                "properties": {
                    "username": {"type": "string"},
                    "role": {"enum": ["school", "parent", "province", "region", "central", "analyst", "admin"]},
                    "full_name": {"type": "string"},
                },
            },
        },
    },
    "ServedForm": {
        "type": "object",
        "required": ["form", "ui"],
        "properties": {
            "form": {"type": "object", "description": "Draft 2020-12 JSON Schema of the form, with every `x-` "
                                                      "extension resolved (see docs/forms.md)."},
            "ui": {"type": "object", "description": "UI schema: `ui:order`, `ui:widget`, `ui:help`, "
                                                    "`ui:placeholder`, `ui:fieldsets`."},
        },
    },
    "TaskForm": {
        "type": "object",
        "required": ["id", "case_id", "form", "ui", "data"],
        "properties": {
            "id": {"type": "string"},
            "case_id": {"type": "integer"},
            "name": {"type": "string", "description": "BPMN id of the user task."},
            "title": {"type": "string"},
            "lane": {"type": "string"},
            "due_at": _NULLABLE_DATE_TIME,
            "form": {"type": "object", "description": "Resolved JSON Schema of the task's form."},
            "ui": {"type": "object"},
            "data": {"type": "object", "description": "Values of earlier steps for this form's fields, files "
                                                      "excepted."},
        },
    },
    "DataEnvelope": {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"type": "object", "description": "Field values valid against the served form. A file field "
                                                      "takes an RFC 2397 data URL "
                                                      "(`data:application/pdf;name=x.pdf;base64,...`) or the "
                                                      "`document:<id>` reference of a file already stored."},
        },
    },
    "CurrentStep": {
        "type": "object",
        "required": ["task_id", "name", "title", "lane", "role", "due_at"],
        "properties": {
            "task_id": {"type": "string"},
            "name": {"type": "string", "description": "BPMN id of the user task."},
            "title": {"type": "string"},
            "lane": {"type": "string"},
            "role": {"enum": ["school", "parent", "province", "region", "central"]},
            "due_at": _NULLABLE_DATE_TIME,
        },
    },
    "HistoryEvent": {
        "type": "object",
        "required": ["at", "kind"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "kind": {"type": "string", "description": "Such as `case_declared`, `task_completed`, `case_closed`."},
            "name": _NULLABLE_STRING,
            "title": _NULLABLE_STRING,
            "lane": _NULLABLE_STRING,
            "actor_role": _NULLABLE_STRING,
            "on_behalf_of_guardian": {"type": ["boolean", "null"]},
            "details": {"type": ["object", "null"]},
        },
    },
    "DocumentInfo": {
        "type": "object",
        "required": ["id", "doc_type", "version", "media_type", "size", "sha256"],
        "properties": {
            "id": {"type": "integer"},
            "doc_type": {"type": "string"},
            "version": {"type": "integer"},
            "name": {"type": "string"},
            "media_type": {"type": "string"},
            "size": {"type": "integer"},
            "sha256": {"type": "string"},
            "status": _NULLABLE_STRING,
            "review_reason": _NULLABLE_STRING,
            "uploaded_at": {"type": "string", "format": "date-time"},
        },
    },
    "Case": {
        "type": "object",
        "required": ["id", "reference", "state", "status", "end_state", "current_steps", "history", "documents"],
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string", "examples": ["AS-2026-000042"]},
            "state": {"enum": ["open", "closed"]},
            "status": {"type": "string", "description": "Status key of the current step (docs/processes.md)."},
            "end_state": {"type": ["string", "null"], "description": "End event key once the case is closed."},
            "pupil": {"type": "object", "properties": {"massar_code": {"type": "string"},
                                                        "name": {"type": "string"}}},
            "school": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "accident_date": {"type": "string", "format": "date"},
            "created_at": {"type": "string", "format": "date-time"},
            "current_steps": {"type": "array", "items": _ref("CurrentStep")},
            "history": {"type": "array", "items": _ref("HistoryEvent")},
            "documents": {"type": "array", "items": _ref("DocumentInfo")},
        },
    },
    "CaseSummary": {
        "type": "object",
        "required": ["id", "reference", "state", "status", "end_state"],
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string"},
            "state": {"enum": ["open", "closed"]},
            "status": {"type": "string"},
            "end_state": _NULLABLE_STRING,
            "accident_date": {"type": "string", "format": "date"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "CaseList": {
        "type": "object",
        "required": ["items", "total", "page", "page_size"],
        "properties": {
            "items": {"type": "array", "items": _ref("CaseSummary")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
        },
    },
    "InboxItem": {
        "type": "object",
        "required": ["id", "case_id", "reference", "name", "title", "lane", "due_at", "overdue"],
        "properties": {
            "id": {"type": "string"},
            "case_id": {"type": "integer"},
            "reference": {"type": "string"},
            "name": {"type": "string", "description": "BPMN id of the user task."},
            "title": {"type": "string"},
            "lane": {"type": "string"},
            "due_at": _NULLABLE_DATE_TIME,
            "overdue": {"type": "boolean"},
        },
    },
    "Inbox": {
        "type": "object",
        "required": ["items", "total", "overdue_total", "page", "page_size"],
        "properties": {
            "items": {"type": "array", "items": _ref("InboxItem")},
            "total": {"type": "integer"},
            "overdue_total": {"type": "integer"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
        },
    },
}

RESPONSES: dict[str, dict] = {
    "InvalidData": _json(_ref("Error"), "The body, a parameter or a field is invalid; `errors` names each one."),
    "Unauthorized": {
        **_json(_ref("Error"), "The bearer token is missing, invalid or expired."),
        "headers": {"WWW-Authenticate": {"description": "`Bearer realm=\"sanad\"`, with `error=\"invalid_token\"` "
                                                        "when a token was sent.",
                                         "schema": {"type": "string"}}},
    },
    "Forbidden": _json(_ref("Error"), "The user's role may not do this."),
    "NotFound": _json(_ref("Error"), "The record does not exist or is outside the user's scope."),
    "Conflict": _json(_ref("Error"), "The task is no longer open: it was completed, by this user or another."),
    "ProcessFailure": _json(_ref("Error"), "A script or condition of the process failed; nothing was saved."),
}

_AUTH_ERRORS = {"401": _error("Unauthorized")}

PATHS: dict[str, dict] = {
    "/api/v1/auth/token": {
        "post": {
            "operationId": "createToken",
            "summary": "Exchange a username and password for a bearer token.",
            "security": [],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _ref("LoginRequest")}}},
            "responses": {
                "200": _json(_ref("Token"), "A new token, valid until `expires_at`."),
                "401": _error("Unauthorized"),
                "422": _error("InvalidData"),
            },
        },
    },
    "/api/v1/cases/form": {
        "get": {
            "operationId": "getDeclarationForm",
            "summary": "Return the declaration form; its `pupil` field lists the school's roster as `oneOf`.",
            "responses": {
                "200": _json(_ref("ServedForm"), "The resolved JSON Schema and the UI schema."),
                **_AUTH_ERRORS,
                "403": _error("Forbidden"),
            },
        },
    },
    "/api/v1/cases": {
        "get": {
            "operationId": "listCases",
            "summary": "List the cases the user may see, newest first.",
            "parameters": [
                {"name": "state", "in": "query", "required": False, "schema": {"enum": ["open", "closed"]}},
                {"name": "search", "in": "query", "required": False,
                 "description": "Part of a reference, pupil name or Massar code.",
                 "schema": {"type": "string", "maxLength": 100}},
                *_page_parameters(),
            ],
            "responses": {
                "200": _json(_ref("CaseList"), "One page of cases."),
                **_AUTH_ERRORS,
                "422": _error("InvalidData"),
            },
        },
        "post": {
            "operationId": "declareCase",
            "summary": "Declare an accident (school users) and run the process until it waits for someone.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("DataEnvelope")}}},
            "responses": {
                "201": {
                    **_json(_ref("Case"), "The new case."),
                    "headers": {"Location": {"description": "URL of the case.", "schema": {"type": "string"}}},
                },
                **_AUTH_ERRORS,
                "403": _error("Forbidden"),
                "422": _error("InvalidData"),
                "500": _error("ProcessFailure"),
            },
        },
    },
    "/api/v1/cases/{case_id}": {
        "get": {
            "operationId": "getCase",
            "summary": "Return a case with its current steps, history and documents.",
            "parameters": [_id_parameter("case_id", "Case id.", {"type": "integer", "minimum": 0})],
            "responses": {
                "200": _json(_ref("Case"), "The case."),
                **_AUTH_ERRORS,
                "404": _error("NotFound"),
            },
        },
    },
    "/api/v1/tasks": {
        "get": {
            "operationId": "listTasks",
            "summary": "Return the user's inbox, soonest due first.",
            "parameters": [
                {"name": "step", "in": "query", "required": False, "description": "BPMN id of a user task.",
                 "schema": {"type": "string", "minLength": 1, "maxLength": 120}},
                {"name": "overdue", "in": "query", "required": False,
                 "description": "`true` keeps only the tasks past their due time.",
                 "schema": {"enum": ["true", "false"]}},
                *_page_parameters(),
            ],
            "responses": {
                "200": _json(_ref("Inbox"), "One page of the inbox."),
                **_AUTH_ERRORS,
                "422": _error("InvalidData"),
            },
        },
    },
    "/api/v1/tasks/{task_id}": {
        "get": {
            "operationId": "getTask",
            "summary": "Return a task's form as JSON Schema, with the values of earlier steps.",
            "parameters": [_id_parameter("task_id", "Task id (a UUID).", {"type": "string"})],
            "responses": {
                "200": _json(_ref("TaskForm"), "The task and its form."),
                **_AUTH_ERRORS,
                "404": _error("NotFound"),
                "409": _error("Conflict"),
            },
        },
    },
    "/api/v1/tasks/{task_id}/complete": {
        "post": {
            "operationId": "completeTask",
            "summary": "Submit a task's form and run the process until it waits again.",
            "parameters": [_id_parameter("task_id", "Task id (a UUID).", {"type": "string"})],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("DataEnvelope")}}},
            "responses": {
                "200": _json(_ref("Case"), "The case after the step."),
                **_AUTH_ERRORS,
                "404": _error("NotFound"),
                "409": _error("Conflict"),
                "422": _error("InvalidData"),
                "500": _error("ProcessFailure"),
            },
        },
    },
    "/api/v1/documents/{document_id}": {
        "get": {
            "operationId": "downloadDocument",
            "summary": "Download one version of a case document.",
            "parameters": [_id_parameter("document_id", "Document id.", {"type": "integer", "minimum": 0})],
            "responses": {
                "200": {
                    "description": "The file, as an attachment.",
                    "content": {media_type: {"schema": {"type": "string", "contentMediaType": media_type}}
                                for media_type in ("application/pdf", "image/jpeg", "image/png")},
                },
                **_AUTH_ERRORS,
                "404": _error("NotFound"),
            },
        },
    },
}


def openapi_document() -> dict:
    """Return a fresh copy of the OpenAPI document, safe for the caller to change."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "info": {
            "title": "Sanad API",
            "version": API_VERSION,
            "summary": "School-accident case files: declaration, tasks, case history and documents.",
            "description": "Authenticate with POST /api/v1/auth/token, then send `Authorization: Bearer <token>`. "
                           "Forms are served as JSON Schema (draft 2020-12); any data valid against the served "
                           "schema is accepted, except that a file must be a PDF, JPEG or PNG of at most 10 MiB.",
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Token from POST /api/v1/auth/token."}},
        },
    })
