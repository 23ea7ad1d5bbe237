"""Steps shared by the API tests: declare a case, find who holds a step, fill a served form at random."""

from __future__ import annotations

import random

from jsonschema import Draft202012Validator
from schema_data import random_object

SCHOOL = "ecole.demo"
OTHER_SCHOOL = "ecole2.demo"
PARENT = "parent.demo"
# Holder of each lane role; "school" and a parent without an account resolve to the declaring school.
ROLE_USERS = {"parent": PARENT, "province": "province.demo", "region": "region.demo", "central": "central.demo"}
DEMO_USERS = (SCHOOL, OTHER_SCHOOL, PARENT, "province.demo", "region.demo", "central.demo", "analyste.demo",
              "admin.demo")


def assert_not_server_error(response, action: str) -> None:
    assert response.status_code < 500, f"{action}: {response.status_code} {response.get_data(as_text=True)[:2000]}"


def declaration_data(client, headers: dict, rng: random.Random) -> dict:
    """Return random valid declaration data drawn from the form the API serves to this school."""
    response = client.get("/api/v1/cases/form", headers=headers)
    assert response.status_code == 200, response.get_json()
    return random_object(response.get_json()["form"], rng)


def declare(client, headers: dict, seed: int = 0, **overrides) -> dict:
    """Declare a case with random valid data (plus `overrides`) and return the 201 body."""
    data = {**declaration_data(client, headers, random.Random(seed)), **overrides}
    response = client.post("/api/v1/cases", json={"data": data}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def declare_open(client, headers: dict, seed: int = 0, **overrides) -> dict:
    """Declare a case that waits for someone, trying further seeds while the declaration closes it at once.

    Some declarations end the case immediately (an accident during practical work in a technical section goes
    to the work-accident scheme), so a test that needs a current step draws again.
    """
    for attempt in range(20):
        case = declare(client, headers, seed=seed + 1000 * attempt, **overrides)
        if case["state"] == "open" and case["current_steps"]:
            return case
    raise AssertionError(f"20 declarations from seed {seed} all closed at once")


def holder(step: dict, declaring_school: str, guardian_has_account: bool) -> str:
    """Return the demo username that holds a current step of a case."""
    role = step["role"]
    if role == "school" or (role == "parent" and not guardian_has_account):
        return declaring_school
    return ROLE_USERS[role]


def step_for(case: dict, role: str) -> dict | None:
    return next((step for step in case["current_steps"] if step["role"] == role), None)


def fill_task(client, headers: dict, task_id: str, rng: random.Random) -> dict:
    """GET a task's served form and return random data valid against it."""
    response = client.get(f"/api/v1/tasks/{task_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return random_object(response.get_json()["form"], rng)


def document_schema_validator(document: dict, component: str) -> Draft202012Validator:
    """Return a validator of one component schema of the OpenAPI document, its `$ref`s resolvable."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{component}", "components": document["components"]})
