"""Opening, drafting and completing the user tasks of a case."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

import forms
from engine import notices, workflow
from engine.errors import EngineError, TaskNotReady
from storage import db
from storage.models import AuditEvent, Case, PendingTask, TaskDraft, User
from storage.queries import can_view_case, holds_task

from . import cases, documents, reminders, steps, versions
from .errors import Conflict, NotFound, ProcessFailure

log = logging.getLogger("sanad.engine")


@dataclass
class TaskView:
    task: PendingTask
    case: Case
    bundle: object
    form: forms.Form
    values: dict
    data: dict
    on_behalf_of_guardian: bool
    has_draft: bool
    documentation: str


def _completed_by(task_id: str) -> AuditEvent | None:
    return db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.task_id == task_id, AuditEvent.kind == "task_completed").limit(1)
    )


def _conflict(task_id: str) -> Conflict:
    event = _completed_by(task_id)
    if event is None:
        return Conflict("This task is no longer open; reload the case to see its current step.")
    who = event.actor.full_name if event.actor else event.actor_role
    return Conflict("This task was already completed by %(who)s on %(when)s.", who=who,
                    when=event.at.strftime("%Y-%m-%d %H:%M UTC"))


def _not_pending(user: User, task_id: str) -> Conflict | NotFound:
    """Return the error for a task id without a pending row: completed (if `user` may see its case) or unknown."""
    event = _completed_by(task_id)
    if event is not None:
        case = db.session.get(Case, event.case_id)
        if case is not None and can_view_case(user, case):
            return _conflict(task_id)
    return NotFound("Task %(id)s was not found.", id=task_id)


def get_task(user: User, task_id: str) -> PendingTask:
    """Return a pending task that `user` holds.

    Raises Conflict when the task existed but was completed, NotFound when it never existed or is out of scope.
    """
    task = db.session.get(PendingTask, task_id)
    if task is None:
        raise _not_pending(user, task_id)
    if not holds_task(user, task):
        raise NotFound("Task %(id)s was not found.", id=task_id)
    return task


def _form_for(task: PendingTask, bundle, locale: str, case_data: dict) -> forms.Form:
    ui = bundle.form(task.ui_form) if task.ui_form else None
    return forms.Form.build_shared(bundle.form(task.form), ui, cases.form_context(bundle, locale, case_data),
                                   f"{bundle.sha256}:{locale}")


def open_task(user: User, task_id: str, locale: str = "en") -> TaskView:
    """Return what the task page needs: the form, with the user's draft or earlier values filled in."""
    task = get_task(user, task_id)
    case = task.case
    bundle, wf = steps.load(case)
    ready = workflow.ready_task(bundle, wf, task.id)
    steps.release(case, bundle, wf)
    if ready is None:
        raise _conflict(task.id)
    data = ready.data
    form = _form_for(task, bundle, locale, data)
    draft = db.session.get(TaskDraft, (task.id, user.id))
    values = draft.data if draft else forms.to_html_values(form, _prefill(form, data))
    return TaskView(task=task, case=case, bundle=bundle, form=form, values=values, data=data,
                    on_behalf_of_guardian=task.role == "parent" and user.role == "school",
                    has_draft=draft is not None, documentation=ready.documentation or "")


def _prefill(form: forms.Form, data: dict) -> dict:
    """Return the values of earlier steps for the fields of this form that are not files."""
    return {item.name: data[item.name] for item in form.fields if item.name in data and item.kind != "file"}


def save_draft(user: User, task_id: str, raw: dict, locale: str = "en") -> None:
    """Keep what the user typed, without validating it; uploaded files are stored and kept as staged documents."""
    steps.begin_write()
    task = get_task(user, task_id)
    bundle = versions.bundle_of_case(task.case)
    form = _form_for(task, bundle, locale, {})
    errors: dict[str, list[str]] = {}
    # A draft's files stay staged: they join the case only if the final submission still refers to them.
    documents.attach_files(user, form, raw, task.case, task.bpmn_id, errors, staged=True)
    draft = db.session.get(TaskDraft, (task.id, user.id))
    values = forms.to_html_values(form, raw)
    if draft is None:
        db.session.add(TaskDraft(task_id=task.id, user_id=user.id, case_id=task.case_id, data=values,
                                 updated_at=steps.now()))
    else:
        draft.data = values
        draft.updated_at = steps.now()
    db.session.commit()


def complete(user: User, task_id: str, raw: dict | Callable[[forms.Form], dict], *, locale: str = "en",
             keep_uploads_on_error: bool = True) -> Case:
    """Validate a submitted form, complete the task and run the process until it waits again, in one transaction.

    `raw` is the parsed submission, or a function that parses it from the task's form, so that a caller that
    has no form at hand need not build one first.

    Raises InvalidData (all field errors, with the values to refill the form), Conflict when someone else
    completed the task first, NotFound outside the user's scope, ProcessFailure when a diagram script fails.
    """
    steps.begin_write()
    case = steps.lock_case_of_task(task_id)
    if case is None:
        raise _not_pending(user, task_id)
    # The case row was read under the lock, so a completion that committed while this one waited shows here:
    # the task is no longer ready in the workflow. Who may complete the task follows from the case and the
    # task's lane, as in its pending-task row.
    bundle, wf = steps.load(case)
    ready = workflow.ready_task(bundle, wf, task_id, copy_data=False)
    task = PendingTask(**steps.pending_row(case, ready, created_at=None)) if ready is not None else None
    if task is None or not holds_task(user, task):
        steps.release(case, bundle, wf)
        if task is None and can_view_case(user, case):
            raise _conflict(task_id)
        raise NotFound("Task %(id)s was not found.", id=task_id)

    form = _form_for(task, bundle, locale, ready.data)
    if callable(raw):
        raw = raw(form)
    data, errors = forms.validate(form, raw)
    uploads = documents.attach_files(user, form, data, case, task.bpmn_id, errors)
    if errors:
        raise documents.invalid_submission(form, raw, data, errors, uploads, keep=keep_uploads_on_error)

    case_id, bpmn_id = case.id, task.bpmn_id
    try:
        _run_step(user, task, case, bundle, wf, form, data, uploads)
    except StaleDataError as exc:
        # Another writer saved the case after it was read here: the version column rejected this update.
        db.session.rollback()
        log.warning("task completion lost a race", extra={"case_id": case_id, "task_id": task_id})
        raise _conflict(task_id) from exc
    log.info("task completed", extra={"case_id": case_id, "task_id": task_id, "bpmn_id": bpmn_id})
    return case


def _run_step(user: User, task: PendingTask, case: Case, bundle, wf, form, data: dict, uploads: list) -> None:
    """Complete the task in the engine and commit everything that follows from it, or roll all of it back."""
    task_id = task.id
    title, lane, bpmn_id = task.title, task.lane, task.bpmn_id
    on_behalf = task.role == "parent" and user.role == "school"
    since = time.time()
    try:
        workflow.complete(bundle, wf, task_id, data)
        created = steps.save(case, bundle, wf)
    except TaskNotReady as exc:
        db.session.rollback()
        raise _conflict(task_id) from exc
    except EngineError as exc:
        db.session.rollback()
        log.error("task failed in the process", extra={"case_id": case.id, "task_id": task_id, "error": exc.code})
        raise ProcessFailure("The step could not be completed because the process failed: %(detail)s",
                             detail=exc.message) from exc
    documents.publish(uploads, case)
    steps.record(case, "task_completed", actor=user, task_id=task_id, bpmn_id=bpmn_id, title=title, lane=lane,
                 on_behalf_of_guardian=on_behalf, details=cases.summary(form, data))
    if case.state == "closed":
        steps.record(case, "case_closed", details={"end_state": case.end_state})
    steps.notify_holders(case, created)
    reminders.apply(case, bundle, notices.collect(wf, since))
    steps.write_case(case)
    db.session.commit()


def served_form(user: User, task_id: str) -> dict:
    """Return the JSON document of `GET /api/v1/tasks/{id}`: the resolved schema, UI schema and current data."""
    view = open_task(user, task_id, locale="en")
    task = view.task
    ui = view.bundle.form(task.ui_form) if task.ui_form else {}
    prefill = {key: value for key, value in _prefill(view.form, view.data).items()}
    return {"id": task.id, "case_id": task.case_id, "name": task.bpmn_id, "title": task.title, "lane": task.lane,
            "due_at": task.due_at.isoformat() if task.due_at else None, "form": view.form.resolved, "ui": ui,
            "data": prefill}
