"""One engine step as one transaction: lock the case, run the engine, save everything that follows from it."""

from __future__ import annotations

import json
import logging
from importlib.metadata import version as package_version

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from engine import workflow
from engine.clock import clock, install_in_spiffworkflow
from engine.pool import WorkflowPool
from storage import audit, db
from storage.db import SQLITE_BEGIN_OPTION, PlainStatement
from storage.models import Case, PendingTask, User, UTCDateTime

from . import notifications, versions
from .errors import Conflict

log = logging.getLogger("sanad.engine")

ENGINE_VERSION = f"spiff-{package_version('SpiffWorkflow')}"

# SQLSTATE of PostgreSQL's lock_not_available, raised when lock_timeout expires.
LOCK_NOT_AVAILABLE = "55P03"


def now():
    return clock.now()


# Script engines by CPU time bound; an engine keeps no state between scripts, so workflows share one.
_SCRIPT_ENGINES: dict[float, object] = {}

# Workflows this process saved, handed back to the next step of the same case (see engine.pool).
POOL = WorkflowPool()
# Session.info key of the cases whose step columns are set but not yet stored (by id(case), see write_case).
UNWRITTEN_CASES = "sanad_unwritten_cases"
# Session.info key of the workflows saved in the current transaction, as case id -> (text, bundle, workflow).
SAVED_WORKFLOWS = "sanad_saved_workflows"


def init_app(app) -> None:
    POOL.capacity = int(app.config["WORKFLOW_POOL_SIZE"])


def script_engine():
    """Return a sandboxed script engine bound to the application clock, which timer events read too."""
    install_in_spiffworkflow()
    timeout = float(current_app.config["SCRIPT_TIMEOUT_SECONDS"]) if current_app else 2.0
    engine = _SCRIPT_ENGINES.get(timeout)
    if engine is None:
        engine = _SCRIPT_ENGINES[timeout] = workflow.make_script_engine(timeout_seconds=timeout, clock=clock.now)
    return engine


def begin_write() -> None:
    """Make sure the session's next statements run in a transaction that may write one step.

    On SQLite this ends the read transaction the request may have opened and starts a new one with BEGIN
    IMMEDIATE, so it waits for any other writer and every read that follows returns committed rows. A
    transaction that already began with BEGIN IMMEDIATE (a POST request's, see web.create_app) goes on. On
    PostgreSQL every statement already reads the latest committed rows, so the open transaction goes on: the
    row lock that `lock_case` takes serialises the writers of one case, and the connection's lock_timeout
    (POSTGRESQL_LOCK_TIMEOUT_MS in web.config) bounds the wait. Raises Conflict when the wait times out.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate":
            # It holds the write lock since it began, so no other writer committed after its reads.
            return
        # Commit, not roll back: a read transaction has nothing to lose, and anything pending is kept. What it
        # read (most often the request's user) stays loaded instead of being read again on first use. A step
        # locks and reloads the case it writes.
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    try:
        session.connection(execution_options={SQLITE_BEGIN_OPTION: "immediate"})
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


_LOCK_CASE_OF_TASK = (
    sa.select(Case)
    .where(Case.id == sa.select(PendingTask.case_id).where(PendingTask.id == sa.bindparam("task_id")).scalar_subquery())
    .with_for_update(of=Case)
    .execution_options(populate_existing=True)
)


def lock_case_of_task(task_id: str) -> Case | None:
    """Lock and return the case of a pending task, as `lock_case` does, or None when no such task is pending."""
    try:
        return db.session.scalar(_LOCK_CASE_OF_TASK, {"task_id": task_id})
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise _busy(exc) from exc
        raise


def load(case: Case):
    """Return (bundle, workflow) of a case, restored against the version it started on.

    The workflow is this caller's own: a step saves it with `save`, a reader hands it back with `release`.
    """
    bundle = versions.bundle_of_case(case)
    engine = script_engine()
    wf = POOL.take(case.id, case.workflow, bundle)
    if wf is None:
        return bundle, workflow.loads(bundle, case.workflow, script_engine=engine)
    wf.script_engine = engine
    return bundle, wf


def release(case: Case, bundle, wf) -> None:
    """Give back a workflow that `load` returned and that was only read, so the next step can reuse it."""
    POOL.put(case.id, case.workflow, bundle, wf)


@event.listens_for(Session, "after_commit")
def _pool_saved_workflows(session) -> None:
    for case_id, (text, bundle, wf) in session.info.pop(SAVED_WORKFLOWS, {}).items():
        POOL.put(case_id, text, bundle, wf)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_steps(session, transaction) -> None:
    """Drop what a transaction that did not commit left behind: saved workflows and unwritten cases.

    After a commit, the hooks before it have already emptied both, so this only discards a failed step's state.
    """
    if transaction.parent is None and not transaction.nested:
        session.info.pop(SAVED_WORKFLOWS, None)
        session.info.pop(UNWRITTEN_CASES, None)


def record(case: Case, kind: str, *, actor: User | None = None, **fields) -> dict:
    """Append an event to the audit log of a case that this transaction has locked, and move its head."""
    event = audit.append(case.id, kind, actor=actor, at=now(), previous=case.audit_head, **fields)
    set_step_column(case, "audit_head", event["sha256"])
    return event


def save(case: Case, bundle, wf) -> list[PendingTask]:
    """Write the workflow, its pending tasks, the case summary and the next timer of `case` to the session.

    Returns the pending tasks that this step created, so the caller can notify their holders.
    """
    text = workflow.dumps(wf)
    db.session.info.setdefault(SAVED_WORKFLOWS, {})[case.id] = (text, bundle, wf)
    set_step_column(case, "workflow", text)
    set_step_column(case, "engine_version", ENGINE_VERSION)
    set_step_column(case, "next_timer_at", workflow.next_timer_at(wf))
    set_step_column(case, "updated_at", now())
    set_step_column(case, "error", None)

    ready = {task.id: task for task in workflow.ready_tasks(bundle, wf, with_data=False)}
    created = _sync_pending_tasks(case, ready)
    if wf.completed:
        set_step_column(case, "state", "closed")
        set_step_column(case, "end_state", workflow.end_state(bundle, wf))
        set_step_column(case, "status", "closed")
    else:
        # Same rule as workflow.status: the status of the first READY human task that declares one.
        status = next((task.status for task in ready.values() if task.status), None) or case.status
        set_step_column(case, "status", status)
    return created


# The statements of every step, written once and run on the driver's cursor (see storage.db.PlainStatement).
# On SQLite, the ids of the ready tasks travel as one JSON array.
_DELETE_GONE_TASKS = PlainStatement(sa.text(
    "DELETE FROM pending_task WHERE case_id = :case_id AND id NOT IN (SELECT value FROM json_each(:ready)) RETURNING id"
))
# PostgreSQL syncs a case's pending tasks in one round trip: the rows of the ready tasks travel as a JSON array,
# and the statement reports each id it deleted ("gone") or inserted ("added").
_SYNC_TASKS_POSTGRESQL = PlainStatement(sa.text(
    "WITH gone AS (DELETE FROM pending_task WHERE case_id = :case_id "
    "AND id NOT IN (SELECT json_array_elements_text(CAST(:ready AS json))) RETURNING id), "
    "added AS (INSERT INTO pending_task (id, case_id, bpmn_id, title, lane, role, school_id, province_id, region_id, "
    "guardian_id, form, ui_form, due_at, created_at) SELECT t.id, :case_id, t.bpmn_id, t.title, t.lane, t.role, "
    ":school_id, :province_id, :region_id, t.guardian_id, t.form, t.ui_form, t.due_at, :created_at "
    "FROM json_to_recordset(CAST(:rows AS json)) AS t(id text, bpmn_id text, title text, lane text, role text, "
    "guardian_id integer, form text, ui_form text, due_at timestamptz) "
    "ON CONFLICT (id) DO NOTHING RETURNING id) "
    "SELECT 'gone', id FROM gone UNION ALL SELECT 'added', id FROM added"
).bindparams(sa.bindparam("created_at", type_=UTCDateTime)))
_RECORDSET_FIELDS = ("id", "bpmn_id", "title", "lane", "role", "guardian_id", "form", "ui_form")
_PENDING_COLUMNS = ("id", "case_id", "bpmn_id", "title", "lane", "role", "school_id", "province_id", "region_id",
                    "guardian_id", "form", "ui_form", "due_at", "created_at")
_INSERT_TASK = PlainStatement(sa.text(
    f"INSERT INTO pending_task ({', '.join(_PENDING_COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in _PENDING_COLUMNS)}) ON CONFLICT (id) DO NOTHING RETURNING id"
).bindparams(sa.bindparam("due_at", type_=UTCDateTime), sa.bindparam("created_at", type_=UTCDateTime)))


# The columns of a case that a step changes, written by `write_case` (a declaration sets the reference too).
_STEP_COLUMNS = ("reference", "workflow", "engine_version", "next_timer_at", "updated_at", "error", "state",
                 "end_state", "status", "audit_head")
_WRITE_CASE = PlainStatement(sa.text(
    "UPDATE accident_case SET " + ", ".join(f"{name} = :{name}" for name in _STEP_COLUMNS)
    + ", row_version = row_version + 1 WHERE id = :id AND row_version = :row_version"
).bindparams(sa.bindparam("next_timer_at", type_=UTCDateTime), sa.bindparam("updated_at", type_=UTCDateTime)))


def set_step_column(case: Case, name: str, value) -> None:
    """Set one of a case's step columns for `write_case` to store, without queueing an ORM update."""
    set_committed_value(case, name, value)
    db.session.info.setdefault(UNWRITTEN_CASES, {})[id(case)] = case


def write_case(case: Case) -> None:
    """Store the step columns of a locked case in one plain UPDATE, checked against its version column.

    The step sets them with `set_step_column`, which the unit of work does not see, so the flush at commit has
    nothing to write for the case. Raises StaleDataError, as the version column would, when another writer
    saved the case after it was read.
    """
    values = {name: getattr(case, name) for name in _STEP_COLUMNS}
    result = _WRITE_CASE.execute({**values, "id": case.id, "row_version": case.row_version})
    if result.rowcount != 1:
        raise StaleDataError(f"case {case.id} was saved by another writer after it was read")
    set_committed_value(case, "row_version", case.row_version + 1)
    db.session.info.get(UNWRITTEN_CASES, {}).pop(id(case), None)


@event.listens_for(Session, "before_commit")
def _check_cases_written(session) -> None:
    """Stop a commit that would lose step columns set with `set_step_column` but never stored by `write_case`."""
    unwritten = session.info.get(UNWRITTEN_CASES)
    if unwritten:
        ids = ", ".join(str(case.id) for case in unwritten.values())
        raise RuntimeError(f"case {ids}: a step changed the case but did not call steps.write_case before commit")


def _sync_pending_tasks(case: Case, ready: dict) -> list[PendingTask]:
    """Make the pending-task rows of `case` match the engine's ready tasks, and return the rows added.

    Plain statements on the session's connection delete the rows of tasks that are no longer ready and insert
    those of new ones: one statement in all on PostgreSQL, one per task on SQLite. A row that exists already is
    left as it is, because a ready task's data, and so its due date, does not change until it is completed. The
    returned rows are not in the session. They carry what `notify_holders` reads.
    """
    session = db.session
    moment = now()
    rows = [pending_row(case, task, created_at=moment) for task in ready.values()]
    if session.get_bind().dialect.name == "postgresql":
        outcome = _SYNC_TASKS_POSTGRESQL.execute({
            "case_id": case.id, "ready": json.dumps(list(ready)), "school_id": case.school_id,
            "province_id": case.province_id, "region_id": case.region_id, "created_at": moment,
            "rows": json.dumps([{**{name: row[name] for name in _RECORDSET_FIELDS},
                                 "due_at": row["due_at"].isoformat() if row["due_at"] else None} for row in rows]),
        }).rows
        deleted = [task_id for kind, task_id in outcome if kind == "gone"]
        added = {task_id for kind, task_id in outcome if kind == "added"}
    else:
        result = _DELETE_GONE_TASKS.execute({"case_id": case.id, "ready": json.dumps(list(ready))})
        deleted = [task_id for (task_id,) in result.rows]
        added = {row["id"] for row in rows if _INSERT_TASK.execute(row).rows}
    for task_id in deleted:
        # A row loaded earlier in this session (the completed task) must not outlive its deletion.
        stale = session.identity_map.get(identity_key(PendingTask, task_id))
        if stale is not None:
            session.expunge(stale)
    return [PendingTask(**row) for row in rows if row["id"] in added]


def pending_row(case: Case, task: workflow.ReadyTask, *, created_at) -> dict:
    """Return the pending-task row of a ready task: what the task is, and the scope of its case."""
    return {"id": task.id, "case_id": case.id, "bpmn_id": task.bpmn_id, "title": task.title or task.bpmn_id,
            "lane": task.lane or "", "role": task.role, "school_id": case.school_id, "province_id": case.province_id,
            "region_id": case.region_id, "guardian_id": case.guardian_id if task.role == "parent" else None,
            "form": task.form, "ui_form": task.ui_form, "due_at": task.due_at, "created_at": created_at}


def notify_holders(case: Case, tasks: list[PendingTask]) -> None:
    """Tell each holder of a newly pending task that it waits for them: one INSERT … SELECT per task."""
    for task in tasks:
        condition, values = holders_condition(task)
        notifications.notify_users_where(
            condition, values, case, "task_assigned", key_prefix=f"task:{task.id}:",
            params={"title": task.title, "reference": case.reference}, link=f"/tasks/{task.id}",
        )


def holders_condition(task: PendingTask) -> tuple[str, dict]:
    """Return the SQL condition on app_user that selects the holders of a task, with its values."""
    if task.role == "parent":
        if task.guardian_id is not None:
            return "id = :guardian_id", {"guardian_id": task.guardian_id}
        return "role = 'school' AND school_id = :school_id", {"school_id": task.school_id}
    if task.role == "school":
        return "role = 'school' AND school_id = :school_id", {"school_id": task.school_id}
    if task.role == "province":
        return "role = 'province' AND province_id = :province_id", {"province_id": task.province_id}
    if task.role == "region":
        return "role = 'region' AND region_id = :region_id", {"region_id": task.region_id}
    return "role = :role", {"role": task.role}


def holders(task: PendingTask) -> list[User]:
    """Return the active users who hold a pending task."""
    condition, values = holders_condition(task)
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), sa.text(condition).bindparams(**values))))
