"""The OpenAPI document at /api/openapi.json: its structure, and that it describes every /api/v1 route."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# The parts of the OpenAPI 3.1 structure this document uses, checked strictly enough to catch a misplaced key.
_REFERENCE = {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string"}}}
_MEDIA = {"type": "object", "additionalProperties": {"type": "object", "required": ["schema"],
                                                      "properties": {"schema": {"type": "object"}}}}
_RESPONSE = {
    "type": "object",
    "required": ["description"],
    "properties": {"description": {"type": "string", "minLength": 1}, "content": _MEDIA,
                   "headers": {"type": "object"}},
    "additionalProperties": False,
}
_PARAMETER = {
    "type": "object",
    "required": ["name", "in", "schema"],
    "properties": {"name": {"type": "string"}, "in": {"enum": ["query", "path", "header", "cookie"]},
                   "required": {"type": "boolean"}, "description": {"type": "string"},
                   "schema": {"type": "object"}},
    "additionalProperties": False,
    "if": {"properties": {"in": {"const": "path"}}},
    "then": {"required": ["required"], "properties": {"required": {"const": True}}},
}
_OPERATION = {
    "type": "object",
    "required": ["operationId", "summary", "responses"],
    "properties": {
        "operationId": {"type": "string", "pattern": "^[a-z][A-Za-z]+$"},
        "summary": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "security": {"type": "array"},
        "parameters": {"type": "array", "items": _PARAMETER},
        "requestBody": {"type": "object", "required": ["content"],
                        "properties": {"required": {"type": "boolean"}, "content": _MEDIA}},
        "responses": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[1-5][0-9][0-9]$"},
            "additionalProperties": {"anyOf": [_REFERENCE, _RESPONSE]},
        },
    },
    "additionalProperties": False,
}
OPENAPI_STRUCTURE = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components", "security"],
    "properties": {
        "openapi": {"type": "string", "pattern": r"^3\.1\.\d+$"},
        "info": {"type": "object", "required": ["title", "version"],
                 "properties": {"title": {"type": "string"}, "version": {"type": "string"}}},
        "jsonSchemaDialect": {"type": "string"},
        "security": {"type": "array"},
        "paths": {
            "type": "object",
            "propertyNames": {"pattern": "^/"},
            "additionalProperties": {
                "type": "object",
                "propertyNames": {"enum": sorted(HTTP_METHODS)},
                "additionalProperties": _OPERATION,
            },
        },
        "components": {
            "type": "object",
            "required": ["schemas", "responses", "securitySchemes"],
            "properties": {
                "schemas": {"type": "object", "additionalProperties": {"type": "object"}},
                "responses": {"type": "object", "additionalProperties": _RESPONSE},
                "securitySchemes": {"type": "object", "additionalProperties": {"type": "object",
                                                                               "required": ["type"]}},
            },
        },
    },
}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    return response.get_json()


def _api_routes(app) -> set[tuple[str, str]]:
    """Return (OpenAPI path, method) for every /api/v1 rule of the URL map."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def _references(node, found: list[str]) -> list[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.append(node["$ref"])
        for value in node.values():
            _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)
    return found


def test_openapi_served_without_token(client):
    assert client.get("/api/openapi.json").status_code == 200


def test_openapi_structure_valid(document):
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in Draft202012Validator(OPENAPI_STRUCTURE).iter_errors(document)]
    assert errors == []


def test_openapi_documents_every_route(app, document):
    routes = _api_routes(app)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}

    assert routes, "no /api/v1 route registered"
    assert routes - documented == set()
    assert documented - routes == set()


def test_openapi_path_parameters_declared(document):
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            declared = {parameter["name"] for parameter in operation.get("parameters", [])
                        if parameter["in"] == "path"}
            assert declared == names, f"{method.upper()} {path}"


def test_openapi_references_resolve(document):
    for reference in _references(document, []):
        assert reference.startswith("#/"), reference
        node = document
        for part in reference[2:].split("/"):
            assert part in node, f"{reference} does not resolve"
            node = node[part]


def test_openapi_schemas_valid_json_schema(document):
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert schema.get("type") == "object", name


def test_openapi_bearer_security(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearerAuth": []}]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            public = operation.get("security") == []
            assert public == (path == "/api/v1/auth/token"), f"{method.upper()} {path}"
            if not public:
                assert "401" in operation["responses"], f"{method.upper()} {path}"


def test_openapi_error_shape_matches_answers(client, document):
    validator = Draft202012Validator({"$ref": "#/components/schemas/Error", "components": document["components"]})
    answers = [
        client.get("/api/v1/tasks"),
        client.post("/api/v1/auth/token", json={"username": "nobody.demo", "password": "x"}),
        client.post("/api/v1/auth/token", data=b"[", content_type="application/json"),
    ]
    for answer in answers:
        assert list(validator.iter_errors(answer.get_json())) == [], answer.get_json()
