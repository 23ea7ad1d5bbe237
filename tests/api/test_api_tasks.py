"""The inbox, served task forms and task completion through /api/v1/tasks."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
from api_helpers import (
    OTHER_SCHOOL,
    SCHOOL,
    declare_open,
    document_schema_validator,
    fill_task,
    holder,
)


@pytest.fixture
def openapi(client):
    return client.get("/api/openapi.json").get_json()


@pytest.fixture
def open_step(client, api_token):
    """Declare a case as ecole.demo and return (case, its first current step, the step holder's headers)."""
    case = declare_open(client, api_token(SCHOOL), seed=20)
    step = case["current_steps"][0]
    return case, step, api_token(holder(step, SCHOOL, guardian_has_account=True))


# --- Inbox -------------------------------------------------------------------------------------------------


def test_inbox_lists_held_task(client, open_step, openapi):
    case, step, headers = open_step

    response = client.get("/api/v1/tasks", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert list(document_schema_validator(openapi, "Inbox").iter_errors(body)) == []
    item = next(item for item in body["items"] if item["id"] == step["task_id"])
    overdue = step["due_at"] is not None and datetime.fromisoformat(step["due_at"]) < datetime.now(UTC)
    assert item == {"id": step["task_id"], "case_id": case["id"], "reference": case["reference"],
                    "name": step["name"], "title": step["title"], "lane": step["lane"], "due_at": step["due_at"],
                    "overdue": overdue}
    assert body["page"] == 1
    assert body["total"] >= 1


def test_inbox_filters(client, open_step):
    _, step, headers = open_step

    by_step = client.get(f"/api/v1/tasks?step={step['name']}", headers=headers).get_json()
    other_step = client.get("/api/v1/tasks?step=no_such_step", headers=headers).get_json()
    overdue = client.get("/api/v1/tasks?overdue=true&page_size=100", headers=headers).get_json()
    unfiltered = client.get("/api/v1/tasks?overdue=false&page_size=100", headers=headers).get_json()

    assert step["task_id"] in [item["id"] for item in by_step["items"]]
    assert other_step["items"] == []
    assert other_step["total"] == 0
    assert all(item["overdue"] for item in overdue["items"])
    assert overdue["total"] == unfiltered["overdue_total"]
    assert step["task_id"] in [item["id"] for item in unfiltered["items"]]


def test_inbox_pages(client, api_token):
    headers = api_token(SCHOOL)
    for seed in (21, 22, 23):
        declare_open(client, headers, seed=seed)
    cases = client.get("/api/v1/cases", headers=headers).get_json()["items"]
    first_case = client.get(f"/api/v1/cases/{cases[0]['id']}", headers=headers).get_json()
    holder_headers = api_token(holder(first_case["current_steps"][0], SCHOOL, guardian_has_account=True))

    everything = client.get("/api/v1/tasks?page_size=100", headers=holder_headers).get_json()
    pages = [client.get(f"/api/v1/tasks?page_size=1&page={page}", headers=holder_headers).get_json()
             for page in range(1, everything["total"] + 1)]

    assert everything["total"] >= 3
    assert [page["items"][0]["id"] for page in pages] == [item["id"] for item in everything["items"]]
    beyond = client.get(f"/api/v1/tasks?page_size=1&page={everything['total'] + 1}", headers=holder_headers)
    assert beyond.get_json()["items"] == []


def test_inbox_of_other_school_excludes_task(client, api_token, open_step):
    _, step, _ = open_step

    body = client.get("/api/v1/tasks?page_size=100", headers=api_token(OTHER_SCHOOL)).get_json()

    assert step["task_id"] not in [item["id"] for item in body["items"]]


@pytest.mark.parametrize("query,parameter", [
    ("page=0", "page"), ("page=-1", "page"), ("page=x", "page"), (f"page={10**40}", "page"),
    ("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page_size=-5", "page_size"),
    ("page_size=2.5", "page_size"), ("overdue=maybe", "overdue"), ("overdue=", "overdue"),
    ("step=" + "s" * 500, "step"),
])
def test_inbox_bad_query(client, api_token, query, parameter):
    response = client.get(f"/api/v1/tasks?{query}", headers=api_token(SCHOOL))

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data"
    assert parameter in body["errors"]


def test_inbox_empty_for_analyst(client, api_token):
    body = client.get("/api/v1/tasks", headers=api_token("analyste.demo")).get_json()
    assert body["items"] == []
    assert body["total"] == 0


# --- Task form ---------------------------------------------------------------------------------------------


def test_task_form_served(client, open_step, openapi):
    case, step, headers = open_step

    response = client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert list(document_schema_validator(openapi, "TaskForm").iter_errors(body)) == []
    assert body["id"] == step["task_id"]
    assert body["case_id"] == case["id"]
    assert body["form"]["type"] == "object"
    for extension in ("x-options-source", "x-date-range", "x-readonly-from"):
        assert extension not in response.get_data(as_text=True)


@pytest.mark.parametrize("task_id", [str(uuid.uuid4()), "not-a-uuid", "x" * 5000, "1", "%00", "..%2F..%2Fetc"])
def test_unknown_task_not_found(client, api_token, task_id):
    headers = api_token(SCHOOL)

    shown = client.get(f"/api/v1/tasks/{task_id}", headers=headers)
    completed = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=headers)

    assert shown.status_code == 404
    assert completed.status_code == 404
    assert shown.get_json()["error"] == "not_found"


def test_task_outside_scope_not_found(client, api_token, open_step):
    _, step, _ = open_step

    for username in (OTHER_SCHOOL, "analyste.demo", "admin.demo"):
        headers = api_token(username)
        assert client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers).status_code == 404, username
        response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": {}}, headers=headers)
        assert response.status_code == 404, username


# --- Completion --------------------------------------------------------------------------------------------


def test_complete_returns_case(client, open_step, openapi):
    case, step, headers = open_step
    data = fill_task(client, headers, step["task_id"], random.Random(1))

    response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": data}, headers=headers)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert list(document_schema_validator(openapi, "Case").iter_errors(body)) == []
    assert body["id"] == case["id"]
    assert step["task_id"] not in [current["task_id"] for current in body["current_steps"]]
    completed = [event for event in body["history"] if event["kind"] == "task_completed"]
    assert completed[-1]["name"] == step["name"]


def test_completed_task_conflict(client, open_step):
    _, step, headers = open_step
    data = fill_task(client, headers, step["task_id"], random.Random(2))
    url = f"/api/v1/tasks/{step['task_id']}/complete"
    assert client.post(url, json={"data": data}, headers=headers).status_code == 200

    again = client.post(url, json={"data": data}, headers=headers)
    shown = client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers)

    assert again.status_code == 409
    assert again.get_json()["error"] == "conflict"
    assert again.get_json()["message"]
    assert shown.status_code == 409


def test_complete_invalid_data_names_fields(client, open_step):
    _, step, headers = open_step
    form = client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers).get_json()["form"]
    wrong = {name: {"nested": ["object"]} for name in form["properties"]}

    response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": wrong}, headers=headers)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data"
    editable = {name for name, prop in form["properties"].items() if not prop.get("readOnly")}
    assert editable <= set(body["errors"])
    still_open = client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers)
    assert still_open.status_code == 200


@pytest.mark.parametrize("body", [b"{oops", b"[]", b"{}", b'{"data": 3}', b'{"data": {"x": Infinity}}'])
def test_complete_malformed_body_rejected(client, open_step, body):
    _, step, headers = open_step

    response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", data=body,
                           content_type="application/json", headers=headers)

    assert response.status_code == 422
    assert response.get_json()["errors"]
