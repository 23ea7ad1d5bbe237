"""Concurrent writers over real HTTP: one winner per task, and no lock error or 500 ever reaches a client."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from api_helpers import SCHOOL, declare_open, fill_task, holder
from persistence_support import ThreadedServer, bearer, request_json
from schema_data import random_object

from engine.clock import clock
from engine.services import maintenance, tasks, timers
from storage import db
from storage.models import AuditEvent, Case, PendingTask, User

PASSWORD = "test-password-123"
RACERS = 20
WRITERS = 5
# Seconds of the writers' soak. SQLite, where writers share one database lock, always gets 30 s. PostgreSQL, with
# row locks, gets 5 s unless SANAD_LONG_TESTS is set. SANAD_SOAK_SECONDS overrides both.
SOAK_SECONDS = {"sqlite": 30.0, "postgresql": 30.0 if os.environ.get("SANAD_LONG_TESTS") else 5.0}
ACCEPTED_STATUSES = {200, 201, 409, 422}


def _open_case(client, api_token, seed: int = 0) -> tuple[dict, dict, str]:
    """Declare an open case through the test client; return (case JSON, first step, its holder's username)."""
    school_headers = api_token(SCHOOL)
    case = declare_open(client, school_headers, seed=seed)
    step = case["current_steps"][0]
    return case, step, holder(step, SCHOOL, guardian_has_account=_guardian_has_account(case["id"]))


def _guardian_has_account(case_id: int) -> bool:
    return db.session.get(Case, case_id).guardian_id is not None


def consistency_problems(case: Case) -> list[str]:
    """Return the consistency checker's findings for a case, the audit hash chain included."""
    return maintenance.check_case_consistency(case)


def _completions(case_id: int, task_id: str | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "task_completed")
    if task_id is not None:
        query = query.where(AuditEvent.task_id == task_id)
    return list(db.session.scalars(query))


def test_twenty_racing_completions_one_wins(app, client, api_token, db_session):
    case, step, username = _open_case(client, api_token)
    data = fill_task(client, api_token(username), step["task_id"], random.Random(7))
    task_id = step["task_id"]

    with ThreadedServer(app) as server:
        headers = [bearer(server.port, username, PASSWORD) for _ in range(RACERS)]
        barrier = threading.Barrier(RACERS)
        results: list[tuple[int, dict]] = [None] * RACERS

        def race(index: int) -> None:
            barrier.wait(timeout=60)
            results[index] = request_json(server.port, "POST", f"/api/v1/tasks/{task_id}/complete",
                                          {"data": data}, headers[index])

        threads = [threading.Thread(target=race, args=(index,)) for index in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)

    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: RACERS - 1}, [result for result in results if result[0] not in (200, 409)]
    # End the test's own read transaction, whose snapshot predates the race.
    db_session.rollback()
    winner = db_session.get(User, _completions(case["id"], task_id)[0].actor_id)
    for status, body in results:
        if status == 409:
            assert body["error"] == "conflict"
            assert winner.full_name in body["message"], body["message"]
    assert len(_completions(case["id"], task_id)) == 1
    assert len(_completions(case["id"])) == 1
    assert db_session.get(PendingTask, task_id) is None
    assert consistency_problems(db_session.get(Case, case["id"])) == []


def test_writers_never_see_lock_errors(app, client, api_token, db_session):
    """Run several writers (declarations, drafts, racing completions) for a bounded time; no response is a 500."""
    form = client.get("/api/v1/cases/form", headers=api_token(SCHOOL)).get_json()["form"]
    seconds = float(os.environ.get("SANAD_SOAK_SECONDS") or SOAK_SECONDS[db.engine.dialect.name])
    deadline = time.monotonic() + seconds
    statuses: Counter = Counter()
    failures: list[tuple[int, dict]] = []
    lock = threading.Lock()

    with ThreadedServer(app) as server:
        headers = [bearer(server.port, SCHOOL, PASSWORD) for _ in range(WRITERS)]
        shared_task: dict = {}

        def note(status: int, body: dict) -> None:
            with lock:
                statuses[status] += 1
                if status not in ACCEPTED_STATUSES:
                    failures.append((status, body))

        def writer(index: int) -> None:
            rng = random.Random(index)
            while time.monotonic() < deadline:
                status, body = request_json(server.port, "POST", "/api/v1/cases",
                                            {"data": random_object(form, rng)}, headers[index])
                note(status, body)
                if status != 201 or not body["current_steps"]:
                    continue
                step = body["current_steps"][0]
                if step["role"] not in ("school", "parent"):
                    continue
                with lock:
                    # Writers race on the task another writer declared last.
                    task_id = shared_task.get("id", step["task_id"])
                    shared_task["id"] = step["task_id"]
                status, served = request_json(server.port, "GET", f"/api/v1/tasks/{task_id}", None, headers[index])
                note(status if status != 404 else 409, served)
                if status != 200:
                    continue
                status, body = request_json(server.port, "POST", f"/api/v1/tasks/{task_id}/complete",
                                            {"data": random_object(served["form"], rng)}, headers[index])
                note(status, body)

        threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 300)

    db_session.rollback()
    assert failures == []
    assert statuses[201] > 0
    for case in db_session.scalars(sa.select(Case)):
        assert consistency_problems(case) == []


def test_completion_and_timer_serialised(app, client, api_token, db_session):
    """Fire a case's due timers in one thread while a client completes its task in another."""
    clock.freeze(clock.now())
    case, step, username = _open_case(client, api_token, seed=3)
    case_id = case["id"]
    due = db_session.get(Case, case_id).next_timer_at
    for attempt in range(8):
        # Walk the case until one of its waiting steps carries a timer.
        if due is not None:
            break
        headers = api_token(username)
        response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", headers=headers,
                               json={"data": fill_task(client, headers, step["task_id"], random.Random(attempt))})
        assert response.status_code == 200, response.get_json()
        case = response.get_json()
        if not case["current_steps"]:
            break
        step = case["current_steps"][0]
        username = holder(step, SCHOOL, guardian_has_account=_guardian_has_account(case_id))
        db_session.rollback()
        due = db_session.get(Case, case_id).next_timer_at
    if due is None:
        pytest.skip("no step of the declared case carried a timer")
    clock.advance(due - clock.now() + timedelta(minutes=1))
    data = fill_task(client, api_token(username), step["task_id"], random.Random(5))
    db_session.remove()

    fired: list = []
    errors: list = []
    barrier = threading.Barrier(2)

    def fire() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                fired.append(timers.fire_case(case_id, clock.now(), late_after=timedelta(seconds=30)))
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                errors.append(exc)
            finally:
                db.session.remove()

    with ThreadedServer(app) as server:
        headers = bearer(server.port, username, PASSWORD)
        thread = threading.Thread(target=fire)
        thread.start()
        barrier.wait(timeout=30)
        status, body = request_json(server.port, "POST", f"/api/v1/tasks/{step['task_id']}/complete",
                                    {"data": data}, headers)
        thread.join(timeout=120)

    db_session.rollback()
    assert errors == []
    assert status in (200, 409), body
    stored = db_session.get(Case, case_id)
    assert consistency_problems(stored) == []
    assert len(_completions(case_id, step["task_id"])) == (1 if status == 200 else 0)
    timer_events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "timer_fired")).all()
    assert len(timer_events) == (1 if fired == [True] else 0)


def test_service_conflict_names_winner(app, client, api_token, db_session):
    case, step, username = _open_case(client, api_token, seed=11)
    user = db_session.scalar(sa.select(User).where(User.username == username))
    data = fill_task(client, api_token(username), step["task_id"], random.Random(2))
    response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": data},
                           headers=api_token(username))
    assert response.status_code == 200, response.get_json()
    db_session.rollback()

    from engine.services.errors import Conflict

    with pytest.raises(Conflict) as raised:
        tasks.complete(user, step["task_id"], {})
    assert raised.value.params["who"] == user.full_name


def test_stale_version_becomes_conflict(app, client, api_token, db_session, monkeypatch):
    """A writer whose case row changed after it was read gets the 409 conflict, not a 500."""
    from engine.services import steps

    case, step, username = _open_case(client, api_token, seed=13)
    user = db_session.scalar(sa.select(User).where(User.username == username))
    data = fill_task(client, api_token(username), step["task_id"], random.Random(4))
    view = tasks.open_task(user, step["task_id"])
    import forms

    raw = forms.parse_json(view.form, data)
    original_lock = steps.lock_case_of_task

    def lock_then_bump(task_id):
        locked = original_lock(task_id)
        # Another writer's update, as the version column would see it without a lock.
        db.session.execute(sa.text("UPDATE accident_case SET row_version = row_version + 1 WHERE id = :id"),
                           {"id": locked.id})
        return locked

    monkeypatch.setattr(steps, "lock_case_of_task", lock_then_bump)
    from engine.services.errors import Conflict

    with pytest.raises(Conflict):
        tasks.complete(user, step["task_id"], raw)
    monkeypatch.setattr(steps, "lock_case_of_task", original_lock)
    db_session.rollback()
    assert db_session.get(PendingTask, step["task_id"]) is not None
    assert _completions(case["id"], step["task_id"]) == []
