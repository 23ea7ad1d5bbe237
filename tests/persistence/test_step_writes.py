"""The write path of a step: pooled workflows, the case's audit head, drafts, and the write_case guard."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from api_helpers import SCHOOL, declare_open, fill_task, holder
from support import MINIMAL_PDF

import forms
from engine.pool import WorkflowPool
from engine.services import documents, maintenance, steps, tasks
from forms.uploads import UploadedFile
from storage import audit, db
from storage.models import Case, Document, PendingTask, TaskDraft, User


def _open_step(client, api_token, seed: int) -> tuple[dict, dict, User]:
    """Declare a case and return (case JSON, its first step, the holder of that step)."""
    case = declare_open(client, api_token(SCHOOL), seed=seed)
    return (case, *_first_step(case))


def _first_step(case: dict) -> tuple[dict, User]:
    """Return the first current step of a case JSON and the user who may complete it."""
    step = case["current_steps"][0]
    guardian = db.session.get(Case, case["id"]).guardian_id is not None
    username = holder(step, SCHOOL, guardian_has_account=guardian)
    return step, db.session.scalar(sa.select(User).where(User.username == username))


def _complete(client, api_token, user: User, task_id: str, seed: int) -> None:
    data = fill_task(client, api_token(user.username), task_id, random.Random(seed))
    view = tasks.open_task(user, task_id)
    tasks.complete(user, task_id, forms.parse_json(view.form, data))


# --- The pool itself -----------------------------------------------------------------------------------------


def test_pool_hands_back_only_same_text():
    pool = WorkflowPool(capacity=4)
    bundle, workflow = object(), object()
    pool.put(1, "saved", bundle, workflow)

    assert pool.take(1, "changed elsewhere", bundle) is None
    pool.put(1, "saved", bundle, workflow)
    assert pool.take(1, "saved", object()) is None
    pool.put(1, "saved", bundle, workflow)
    assert pool.take(1, "saved", bundle) is workflow
    assert pool.take(1, "saved", bundle) is None


def test_pool_drops_least_recently_used():
    pool = WorkflowPool(capacity=2)
    bundle = object()
    for case_id in (1, 2, 3):
        pool.put(case_id, "text", bundle, f"workflow {case_id}")

    assert len(pool) == 2
    assert pool.take(1, "text", bundle) is None
    assert pool.take(3, "text", bundle) == "workflow 3"


def test_pool_of_size_zero_keeps_nothing():
    pool = WorkflowPool(capacity=0)
    pool.put(1, "text", None, "workflow")

    assert len(pool) == 0


# --- Pooled workflows in steps -------------------------------------------------------------------------------


def test_saved_workflow_is_reused_next_step(app, client, api_token, db_session):
    case, step, user = _open_step(client, api_token, seed=21)
    hits = steps.POOL.hits
    _complete(client, api_token, user, step["task_id"], seed=1)

    assert steps.POOL.hits > hits
    stored = db_session.get(Case, case["id"])
    assert maintenance.check_case_consistency(stored) == []


def test_changed_stored_text_is_not_served_from_pool(app, client, api_token, db_session):
    case, step, user = _open_step(client, api_token, seed=22)
    stored = db_session.get(Case, case["id"])
    bundle, wf = steps.load(stored)
    steps.release(stored, bundle, wf)
    # Another process rewrote the row: the text differs by one space only, so it restores the same state.
    rewritten = stored.workflow.replace(',"workflow":', ', "workflow":', 1)
    assert rewritten != stored.workflow
    db_session.execute(sa.update(Case).where(Case.id == stored.id).values(workflow=rewritten))
    db_session.commit()
    stored = db_session.get(Case, case["id"])

    loaded_bundle, loaded = steps.load(stored)

    assert loaded is not wf
    assert {task.id for task in steps.workflow.ready_tasks(loaded_bundle, loaded)} == {
        task["task_id"] for task in case["current_steps"]}


def test_failed_step_does_not_pool_its_workflow(app, client, api_token, db_session, monkeypatch):
    case, step, user = _open_step(client, api_token, seed=23)
    stored = db_session.get(Case, case["id"])
    bundle, wf = steps.load(stored)
    steps.release(stored, bundle, wf)
    db_session.rollback()

    def broken(case, tasks_created):
        raise RuntimeError("notification store unavailable")

    monkeypatch.setattr(steps, "notify_holders", broken)
    with pytest.raises(RuntimeError):
        _complete(client, api_token, user, step["task_id"], seed=2)
    db_session.rollback()
    stored = db_session.get(Case, case["id"])

    assert steps.POOL.take(stored.id, stored.workflow, bundle) is None
    assert db_session.get(PendingTask, step["task_id"]) is not None


# --- Audit head, drafts, the write_case guard --------------------------------------------------------------


def test_case_keeps_head_of_its_audit_chain(app, client, api_token, db_session):
    case, step, user = _open_step(client, api_token, seed=24)
    _complete(client, api_token, user, step["task_id"], seed=3)
    stored = db_session.get(Case, case["id"])

    assert stored.audit_head == audit.events(stored.id)[-1].sha256
    assert audit.verify_chain(stored.id) is None


def test_consistency_check_reports_stale_audit_head(app, client, api_token, db_session):
    case, _, _ = _open_step(client, api_token, seed=25)
    db_session.execute(sa.update(Case).where(Case.id == case["id"]).values(audit_head="0" * 64))
    db_session.commit()
    stored = db_session.get(Case, case["id"])

    problems = maintenance.check_case_consistency(stored)

    assert any("audit head" in problem for problem in problems)


def test_completing_a_task_deletes_its_drafts(app, client, api_token, db_session):
    case, step, user = _open_step(client, api_token, seed=26)
    tasks.save_draft(user, step["task_id"], {})
    assert db_session.get(TaskDraft, (step["task_id"], user.id)) is not None

    _complete(client, api_token, user, step["task_id"], seed=4)

    assert db_session.scalars(sa.select(TaskDraft).where(TaskDraft.case_id == case["id"])).all() == []


def test_draft_upload_stays_staged(app, client, api_token, db_session):
    case, step, user = _open_step(client, api_token, seed=28)
    # Walk until a step whose form takes a file.
    for seed in range(40, 52):
        view = tasks.open_task(user, step["task_id"])
        field = next((item for item in view.form.fields if item.kind == "file"), None)
        if field is not None:
            break
        _complete(client, api_token, user, step["task_id"], seed=seed)
        headers = {"Authorization": f"Bearer {api_token(SCHOOL)}"}
        step, user = _first_step(client.get(f"/api/v1/cases/{case['id']}", headers=headers).get_json())
    assert field is not None, "no step of the walked case takes a file"
    db_session.rollback()

    tasks.save_draft(user, step["task_id"], {field.name: UploadedFile("brouillon.pdf", MINIMAL_PDF)})

    draft_document = db_session.scalars(sa.select(Document).where(Document.original_name == "brouillon.pdf",
                                                                  Document.case_id == case["id"])).one()
    assert draft_document.staged
    assert draft_document not in documents.case_documents(db_session.get(Case, case["id"]))

    # The final submission that refers to the draft's file makes it the first version of its type.
    data = fill_task(client, api_token(user.username), step["task_id"], random.Random(5))
    data[field.name] = f"document:{draft_document.id}"
    view = tasks.open_task(user, step["task_id"])
    tasks.complete(user, step["task_id"], forms.parse_json(view.form, data))
    published = db_session.get(Document, draft_document.id)
    assert not published.staged
    assert published.version == 1


def test_commit_without_write_case_is_refused(app, client, api_token, db_session):
    case, _, _ = _open_step(client, api_token, seed=27)
    stored = db_session.get(Case, case["id"])
    steps.set_step_column(stored, "status", "changed but never written")

    with pytest.raises(RuntimeError, match="write_case"):
        db_session.commit()
    db_session.rollback()

    assert db_session.get(Case, case["id"]).status != "changed but never written"
