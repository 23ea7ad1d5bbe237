"""Drive whole cases through the API alone, every form filled with random data valid against its served schema.

Each run declares a case, then repeatedly completes one of its current steps as the demo user who holds it,
choosing at random among parallel steps, until the case closes. Loops in the process end with probability 1
because every decision is drawn at random.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from api_helpers import (
    DEMO_USERS,
    OTHER_SCHOOL,
    SCHOOL,
    assert_not_server_error,
    declaration_data,
    document_schema_validator,
    holder,
)
from schema_data import random_object

MAX_COMPLETIONS = 200
LANE_ROLES = json.loads((Path(__file__).resolve().parents[2] / "processes" / "lanes.json").read_text())


def completions_by_role(case: dict, role: str) -> list[dict]:
    """Return the task completions of a case's history whose lane maps to `role`."""
    return [event for event in case["history"]
            if event["kind"] == "task_completed" and LANE_ROLES.get(event["lane"]) == role]


def run_case(client, api_token, declaring_school: str, seed: int) -> dict:
    """Declare a case and complete its steps through the API until it closes, then return the closed case."""
    rng = random.Random(seed)
    headers = {username: api_token(username) for username in DEMO_USERS}
    case_schema = document_schema_validator(client.get("/api/openapi.json").get_json(), "Case")

    data = declaration_data(client, headers[declaring_school], rng)
    response = client.post("/api/v1/cases", json={"data": data}, headers=headers[declaring_school])
    assert_not_server_error(response, "declare")
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    case_url = f"/api/v1/cases/{case['id']}"
    guardian_has_account = declaring_school == SCHOOL

    completed = []
    for _ in range(MAX_COMPLETIONS):
        response = client.get(case_url, headers=headers[declaring_school])
        assert_not_server_error(response, "read case")
        case = response.get_json()
        assert list(case_schema.iter_errors(case)) == []
        if case["state"] == "closed":
            break
        assert case["current_steps"], f"case {case['reference']} is open with no current step ({case['status']})"

        step = rng.choice(case["current_steps"])
        username = holder(step, declaring_school, guardian_has_account)
        action = f"{step['name']} as {username} after {completed}"

        served = client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers[username])
        assert_not_server_error(served, action)
        assert served.status_code == 200, (action, served.get_json())
        values = random_object(served.get_json()["form"], rng)

        response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": values},
                               headers=headers[username])
        assert_not_server_error(response, action)
        assert response.status_code == 200, (action, values, response.get_json())
        completed.append(step["name"])
    else:
        pytest.fail(f"case still open after {MAX_COMPLETIONS} completions: {completed[-20:]}")

    assert case["state"] == "closed"
    assert case["end_state"], case
    assert case["current_steps"] == []
    return case


@pytest.mark.parametrize("seed", range(8))
def test_random_case_reaches_end(client, api_token, seed):
    case = run_case(client, api_token, SCHOOL, seed)

    completions = [event for event in case["history"] if event["kind"] == "task_completed"]
    assert completions, "the case closed without any task"
    assert not any(event["on_behalf_of_guardian"] for event in completions)
    assert all(event["actor_role"] == "parent" for event in completions_by_role(case, "parent"))


@pytest.mark.parametrize("seed", range(100, 104))
def test_school_acts_for_guardian_without_account(client, api_token, seed):
    case = run_case(client, api_token, OTHER_SCHOOL, seed)

    parent_steps = completions_by_role(case, "parent")
    other_steps = [event for event in case["history"]
                   if event["kind"] == "task_completed" and event not in parent_steps]
    assert all(event["on_behalf_of_guardian"] is True for event in parent_steps)
    assert all(event["actor_role"] == "school" for event in parent_steps)
    assert all(event["on_behalf_of_guardian"] is False for event in other_steps)


def test_guardian_steps_done_on_behalf_somewhere(client, api_token):
    """Check that at least one of a few random runs passes through a parent step, completed by the school."""
    for seed in range(200, 204):
        case = run_case(client, api_token, OTHER_SCHOOL, seed)
        if completions_by_role(case, "parent"):
            return
    pytest.fail("no random run reached a parent-lane step")
