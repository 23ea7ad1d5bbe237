"""One engine step as one transaction: lock the case, run the engine, save everything that follows from it."""

from __future__ import annotations

import logging
from importlib.metadata import version as package_version

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from engine import workflow
from engine.clock import clock, install_in_spiffworkflow
from storage import audit, db
from storage.db import SQLITE_BEGIN_OPTION
from storage.models import Case, PendingTask, User

from . import notifications, versions
from .errors import Conflict

log = logging.getLogger("sanad.engine")

ENGINE_VERSION = f"spiff-{package_version('SpiffWorkflow')}"

# How long a PostgreSQL writer waits for another one's row lock before giving up; SQLite's busy timeout
# (storage.db.SQLITE_BUSY_TIMEOUT_MS) bounds the same wait there.
LOCK_TIMEOUT_MS = 30000
# SQLSTATE of PostgreSQL's lock_not_available, raised when lock_timeout expires.
LOCK_NOT_AVAILABLE = "55P03"


def now():
    return clock.now()


def script_engine():
    """Return a sandboxed script engine bound to the application clock, which timer events read too."""
    install_in_spiffworkflow()
    timeout = current_app.config["SCRIPT_TIMEOUT_SECONDS"] if current_app else 2.0
    return workflow.make_script_engine(timeout_seconds=timeout, clock=clock.now)


def begin_write() -> None:
    """End the read transaction the request may have opened, and start the write transaction of one step.

    On SQLite the new transaction starts with BEGIN IMMEDIATE, so this waits for any other writer and every
    read that follows returns its committed rows. On PostgreSQL the transaction starts as usual with a bounded
    lock wait, and `lock_case` serialises the writers of one case. Raises Conflict when the wait times out.
    """
    session = db.session()
    if session.in_transaction():
        # Commit, not roll back: a read transaction has nothing to lose, and anything pending is kept.
        session.commit()
    try:
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={SQLITE_BEGIN_OPTION: "immediate"})
        else:
            session.execute(sa.text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise _busy(exc) from exc
        raise


def _busy(exc: OperationalError) -> Conflict:
    session = db.session
    session.rollback()
    log.warning("write lock wait timed out", extra={"error": str(exc.orig)})
    return Conflict("Another change to this case is still being saved; try again in a moment.")


def is_lock_timeout(exc: OperationalError) -> bool:
    """Tell whether a database error is a lock wait that timed out (SQLite busy, PostgreSQL lock_timeout)."""
    code = getattr(exc.orig, "sqlstate", None)
    return code == LOCK_NOT_AVAILABLE or "database is locked" in str(exc.orig)


def lock_case(case_id: int) -> Case | None:
    """Load a case for update and return it, or None when it does not exist.

    PostgreSQL takes a row lock (SELECT … FOR UPDATE) that a concurrent writer waits for. SQLite has no row
    locks, so the caller must have called `begin_write`, whose BEGIN IMMEDIATE already took the database's
    write lock. The version column catches a writer that skipped it. Raises Conflict when the wait times out.
    """
    try:
        return db.session.scalar(
            sa.select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
        )
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise _busy(exc) from exc
        raise


def load(case: Case):
    """Return (bundle, workflow) of a case, restored against the version it started on."""
    bundle = versions.bundle_for(case.process_version)
    return bundle, workflow.loads(bundle, case.workflow, script_engine=script_engine())


def record(case: Case, kind: str, *, actor: User | None = None, **fields):
    return audit.append(case.id, kind, actor=actor, at=now(), **fields)


def save(case: Case, bundle, wf) -> list[PendingTask]:
    """Write the workflow, its pending tasks, the case summary and the next timer of `case` to the session.

    Returns the pending tasks that this step created, so the caller can notify their holders.
    """
    case.workflow = workflow.dumps(wf)
    case.engine_version = ENGINE_VERSION
    case.next_timer_at = workflow.next_timer_at(wf)
    case.updated_at = now()
    case.error = None

    ready = {task.id: task for task in workflow.ready_tasks(bundle, wf, with_data=False)}
    existing = {row.id: row for row in db.session.scalars(sa.select(PendingTask).where(PendingTask.case_id == case.id))}
    for task_id, row in existing.items():
        if task_id not in ready:
            db.session.delete(row)
    created = []
    for task_id, task in ready.items():
        if task_id in existing:
            existing[task_id].due_at = task.due_at
            continue
        row = PendingTask(
            id=task_id, case_id=case.id, bpmn_id=task.bpmn_id, title=task.title or task.bpmn_id, lane=task.lane or "",
            role=task.role, school_id=case.school_id, province_id=case.province_id, region_id=case.region_id,
            guardian_id=case.guardian_id if task.role == "parent" else None, form=task.form, ui_form=task.ui_form,
            due_at=task.due_at, created_at=now(),
        )
        db.session.add(row)
        created.append(row)

    if wf.completed:
        case.state = "closed"
        case.end_state = workflow.end_state(bundle, wf)
        case.status = "closed"
    else:
        # Same rule as workflow.status: the status of the first READY human task that declares one.
        case.status = next((task.status for task in ready.values() if task.status), None) or case.status
    return created


def notify_holders(case: Case, tasks: list[PendingTask]) -> None:
    """Tell each holder of a newly pending task that it waits for them."""
    items = []
    found: dict[tuple, list[User]] = {}
    for task in tasks:
        scope = _holder_scope(task)
        if scope not in found:
            found[scope] = holders(task)
        for user in found[scope]:
            items.append((user, case, "task_assigned", f"task:{task.id}:{user.id}",
                          {"title": task.title, "reference": case.reference}, f"/tasks/{task.id}"))
    notifications.notify_many(items)


def _holder_scope(task: PendingTask) -> tuple:
    """Return the fields of a pending task that `holders` reads, so tasks with the same holders share one query."""
    return (task.role, task.guardian_id, task.school_id, task.province_id, task.region_id)


def holders(task: PendingTask) -> list[User]:
    """Return the active users who hold a pending task."""
    query = sa.select(User).where(User.active.is_(True))
    if task.role == "parent":
        if task.guardian_id is not None:
            query = query.where(User.id == task.guardian_id)
        else:
            query = query.where(User.role == "school", User.school_id == task.school_id)
    elif task.role == "school":
        query = query.where(User.role == "school", User.school_id == task.school_id)
    elif task.role == "province":
        query = query.where(User.role == "province", User.province_id == task.province_id)
    elif task.role == "region":
        query = query.where(User.role == "region", User.region_id == task.region_id)
    else:
        query = query.where(User.role == task.role)
    return list(db.session.scalars(query))
