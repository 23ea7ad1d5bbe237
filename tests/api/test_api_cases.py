"""Declaring and reading cases through /api/v1/cases, and downloading their documents."""

from __future__ import annotations

import random

import pytest
from api_helpers import (
    OTHER_SCHOOL,
    PARENT,
    SCHOOL,
    declaration_data,
    declare,
    document_schema_validator,
)
from schema_data import MINIMAL_PDF, PDF_DATA_URL

CASE_KEYS = {"id", "reference", "state", "status", "end_state", "current_steps", "history", "documents"}


@pytest.fixture
def openapi(client):
    return client.get("/api/openapi.json").get_json()


# --- Declaration form --------------------------------------------------------------------------------------


def test_declaration_form_served_as_json_schema(client, api_token):
    response = client.get("/api/v1/cases/form", headers=api_token(SCHOOL))

    assert response.status_code == 200
    body = response.get_json()
    assert body["form"]["type"] == "object"
    assert isinstance(body["ui"], dict)
    text = response.get_data(as_text=True)
    for extension in ("x-options-source", "x-date-range", "x-readonly-from"):
        assert extension not in text


def test_declaration_form_lists_own_roster(client, api_token):
    own = client.get("/api/v1/cases/form", headers=api_token(SCHOOL)).get_json()
    other = client.get("/api/v1/cases/form", headers=api_token(OTHER_SCHOOL)).get_json()

    own_codes = {option["const"] for option in own["form"]["properties"]["pupil"]["oneOf"]}
    other_codes = {option["const"] for option in other["form"]["properties"]["pupil"]["oneOf"]}
    assert own_codes
    assert other_codes
    assert not own_codes & other_codes


def test_declaration_form_bounds_accident_date(client, api_token):
    form = client.get("/api/v1/cases/form", headers=api_token(SCHOOL)).get_json()["form"]
    assert "formatMaximum" in form["properties"]["accident_date"]


@pytest.mark.parametrize("username", [PARENT, "province.demo", "region.demo", "central.demo", "analyste.demo",
                                      "admin.demo"])
def test_declaration_form_forbidden_outside_schools(client, api_token, username):
    response = client.get("/api/v1/cases/form", headers=api_token(username))

    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


# --- Declaring ---------------------------------------------------------------------------------------------


def test_declare_returns_created_case(client, api_token, openapi):
    headers = api_token(SCHOOL)
    data = declaration_data(client, headers, random.Random(1))

    response = client.post("/api/v1/cases", json={"data": data}, headers=headers)

    assert response.status_code == 201
    body = response.get_json()
    assert CASE_KEYS <= set(body)
    assert body["reference"].startswith("AS-")
    assert body["history"][0]["kind"] == "case_declared"
    if body["state"] == "open":
        assert body["current_steps"], "an open case waits for someone"
    else:
        assert body["end_state"]
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    assert list(document_schema_validator(openapi, "Case").iter_errors(body)) == []


def test_declare_stores_data_url_file(client, api_token):
    headers = api_token(SCHOOL)
    case = declare(client, headers, seed=2, supervisor_report=PDF_DATA_URL)

    assert [document["doc_type"] for document in case["documents"]] == ["supervisor_report"]
    document = case["documents"][0]
    with client.get(f"/api/v1/documents/{document['id']}", headers=headers) as download:
        assert download.status_code == 200
        assert download.data == MINIMAL_PDF
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_document_outside_scope_not_found(client, api_token):
    case = declare(client, api_token(SCHOOL), seed=3, supervisor_report=PDF_DATA_URL)
    document_id = case["documents"][0]["id"]

    assert client.get(f"/api/v1/documents/{document_id}", headers=api_token(OTHER_SCHOOL)).status_code == 404
    with client.get(f"/api/v1/documents/{document_id}", headers=api_token(PARENT)) as parent_download:
        assert parent_download.status_code == 200
    assert client.get("/api/v1/documents/999999999", headers=api_token(SCHOOL)).status_code == 404
    assert client.get(f"/api/v1/documents/{10**30}", headers=api_token(SCHOOL)).status_code == 404


def test_declare_invalid_data_url_rejected(client, api_token):
    headers = api_token(SCHOOL)
    data = declaration_data(client, headers, random.Random(4))

    for bad in ("data:application/pdf;base64,%%%", "not a data url", "data:text/plain,hello"):
        response = client.post("/api/v1/cases", json={"data": {**data, "supervisor_report": bad}}, headers=headers)
        assert response.status_code == 422, bad
        assert "supervisor_report" in response.get_json()["errors"]
    assert client.get("/api/v1/cases", headers=headers).get_json()["total"] == 0


def test_declare_missing_fields_listed(client, api_token):
    headers = api_token(SCHOOL)
    form = client.get("/api/v1/cases/form", headers=headers).get_json()["form"]

    response = client.post("/api/v1/cases", json={"data": {}}, headers=headers)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data"
    assert body["message"]
    assert set(form["required"]) <= set(body["errors"])
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())


def test_declare_future_accident_date_rejected(client, api_token):
    headers = api_token(SCHOOL)
    data = declaration_data(client, headers, random.Random(5))

    response = client.post("/api/v1/cases", json={"data": {**data, "accident_date": "2999-01-01"}}, headers=headers)

    assert response.status_code == 422
    assert "accident_date" in response.get_json()["errors"]


def test_declare_other_school_pupil_rejected(client, api_token):
    headers = api_token(SCHOOL)
    other_form = client.get("/api/v1/cases/form", headers=api_token(OTHER_SCHOOL)).get_json()["form"]
    foreign_pupil = other_form["properties"]["pupil"]["oneOf"][0]["const"]
    data = declaration_data(client, headers, random.Random(6))

    response = client.post("/api/v1/cases", json={"data": {**data, "pupil": foreign_pupil}}, headers=headers)

    assert response.status_code == 422
    assert "pupil" in response.get_json()["errors"]


@pytest.mark.parametrize("value", [None, 12, 1.5e300, True, [], {}, "x" * 200_000, "\u0000", ["a", {"b": None}]])
def test_declare_wrong_types_everywhere(client, api_token, value):
    headers = api_token(SCHOOL)
    form = client.get("/api/v1/cases/form", headers=headers).get_json()["form"]
    data = {name: value for name in form["properties"]}

    response = client.post("/api/v1/cases", json={"data": data}, headers=headers)

    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.get_json()["errors"]


def test_declare_control_characters_no_server_error(client, api_token):
    headers = api_token(SCHOOL)
    form = client.get("/api/v1/cases/form", headers=headers).get_json()["form"]
    data = declaration_data(client, headers, random.Random(13))
    free_text = [name for name, prop in form["properties"].items()
                 if prop.get("type") == "string" and not {"format", "pattern", "oneOf", "enum"} & set(prop)]

    response = client.post("/api/v1/cases", json={"data": {**data, free_text[0]: "a\u0000b\u001bc"}},
                           headers=headers)

    assert response.status_code in (201, 422), response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("body", [
    b"{broken",
    b"[]",
    b'"data"',
    b"{}",
    b'{"data": []}',
    b'{"data": "text"}',
    b'{"data": null}',
    b'{"data": {"pupil": NaN}}',
    b'{"data": {"pupil": 1e999}}',
    b'{"data": {"pupil": ' + b"9" * 5000 + b"}}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"data": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
    b'{"data": {"pupil": ' + b"[" * 900 + b"]" * 900 + b"}}",
])
def test_declare_malformed_body_rejected(client, api_token, body):
    response = client.post("/api/v1/cases", data=body, content_type="application/json", headers=api_token(SCHOOL))

    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_data"
    assert response.get_json()["errors"]


@pytest.mark.parametrize("username", [PARENT, "province.demo", "central.demo", "analyste.demo"])
def test_declare_forbidden_outside_schools(client, api_token, username):
    response = client.post("/api/v1/cases", json={"data": {}}, headers=api_token(username))
    assert response.status_code == 403


# --- Reading -----------------------------------------------------------------------------------------------


def test_case_read_in_scope(client, api_token, openapi):
    case = declare(client, api_token(SCHOOL), seed=7)

    for username in (SCHOOL, PARENT, "province.demo", "region.demo", "central.demo", "admin.demo"):
        response = client.get(f"/api/v1/cases/{case['id']}", headers=api_token(username))
        assert response.status_code == 200, username
        body = response.get_json()
        assert CASE_KEYS <= set(body)
        assert body["reference"] == case["reference"]
        assert body["history"][0]["kind"] == "case_declared"
        assert list(document_schema_validator(openapi, "Case").iter_errors(body)) == []


@pytest.mark.parametrize("username", [OTHER_SCHOOL, "analyste.demo"])
def test_case_outside_scope_not_found(client, api_token, username):
    case = declare(client, api_token(SCHOOL), seed=8)

    response = client.get(f"/api/v1/cases/{case['id']}", headers=api_token(username))

    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_parent_sees_only_own_child(client, api_token):
    own = declare(client, api_token(SCHOOL), seed=9)
    other = declare(client, api_token(OTHER_SCHOOL), seed=9)
    headers = api_token(PARENT)

    listed = client.get("/api/v1/cases", headers=headers).get_json()

    assert [item["id"] for item in listed["items"]] == [own["id"]]
    assert client.get(f"/api/v1/cases/{other['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/cases/0", "/api/v1/cases/999999999", f"/api/v1/cases/{10**30}",
                                 "/api/v1/cases/-1", "/api/v1/cases/abc"])
def test_unknown_case_not_found(client, api_token, url):
    response = client.get(url, headers=api_token(SCHOOL))

    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_case_list_paginated(client, api_token, openapi):
    headers = api_token(SCHOOL)
    declared = [declare(client, headers, seed=seed)["id"] for seed in (10, 11, 12)]

    first = client.get("/api/v1/cases?page_size=2", headers=headers).get_json()
    second = client.get("/api/v1/cases?page_size=2&page=2", headers=headers).get_json()
    closed = client.get("/api/v1/cases?state=closed", headers=headers).get_json()
    opened = client.get("/api/v1/cases?state=open", headers=headers).get_json()

    assert first["total"] == 3
    assert [item["id"] for item in first["items"] + second["items"]] == declared[::-1]
    assert list(document_schema_validator(openapi, "CaseList").iter_errors(first)) == []
    assert closed["total"] + opened["total"] == 3
    assert all(item["state"] == "closed" for item in closed["items"])
    assert all(item["state"] == "open" for item in opened["items"])
    assert client.get("/api/v1/cases", headers=api_token(OTHER_SCHOOL)).get_json()["total"] == 0


@pytest.mark.parametrize("query,parameter", [
    ("page=0", "page"), ("page=-3", "page"), ("page=abc", "page"), ("page=1.5", "page"),
    (f"page={10**40}", "page"), ("page_size=0", "page_size"), ("page_size=101", "page_size"),
    ("state=lost", "state"), ("search=" + "x" * 500, "search"),
])
def test_case_list_bad_query(client, api_token, query, parameter):
    response = client.get(f"/api/v1/cases?{query}", headers=api_token(SCHOOL))

    assert response.status_code == 422
    assert parameter in response.get_json()["errors"]
