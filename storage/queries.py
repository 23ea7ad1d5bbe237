"""Queries filtered by the user's role and scope: the inbox and the cases a user may see."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .db import db
from .models import Case, PendingTask, Pupil, User, utcnow

NEWEST_CASES = 20
FAILED_CASES = 50

# Roles that see every case of the country, without acting on tasks outside their lanes.
NATIONAL_ROLES = ("central", "admin")


def case_scope(user: User):
    """Return a SQL condition on `Case` that keeps the cases `user` may see; false for a role with none."""
    if user.role == "school":
        return Case.school_id == user.school_id
    if user.role == "province":
        return Case.province_id == user.province_id
    if user.role == "region":
        return Case.region_id == user.region_id
    if user.role in NATIONAL_ROLES:
        return sa.true()
    if user.role == "parent":
        return Case.guardian_id == user.id
    return sa.false()


def task_scope(user: User):
    """Return a SQL condition on `PendingTask` that keeps the tasks `user` holds.

    A school also holds the parent-lane tasks of its pupils whose guardian has no account.
    """
    if user.role == "school":
        return sa.and_(
            PendingTask.school_id == user.school_id,
            sa.or_(
                PendingTask.role == "school",
                sa.and_(PendingTask.role == "parent", PendingTask.guardian_id.is_(None)),
            ),
        )
    if user.role == "parent":
        return sa.and_(PendingTask.role == "parent", PendingTask.guardian_id == user.id)
    if user.role == "province":
        return sa.and_(PendingTask.role == "province", PendingTask.province_id == user.province_id)
    if user.role == "region":
        return sa.and_(PendingTask.role == "region", PendingTask.region_id == user.region_id)
    if user.role == "central":
        return PendingTask.role == "central"
    return sa.false()


def holds_task(user: User, task: PendingTask) -> bool:
    """Tell whether `user` holds `task`, by the same rules as `task_scope`."""
    if task.role == "parent":
        if task.guardian_id is not None:
            return user.role == "parent" and user.id == task.guardian_id
        return user.role == "school" and user.school_id == task.school_id
    if user.role != task.role:
        return False
    if task.role == "school":
        return user.school_id == task.school_id
    if task.role == "province":
        return user.province_id == task.province_id
    if task.role == "region":
        return user.region_id == task.region_id
    return task.role == "central"


def can_view_case(user: User, case: Case) -> bool:
    """Tell whether `user` may see `case`, by the same rules as `case_scope`."""
    if user.role == "school":
        return case.school_id == user.school_id
    if user.role == "province":
        return case.province_id == user.province_id
    if user.role == "region":
        return case.region_id == user.region_id
    if user.role in NATIONAL_ROLES:
        return True
    if user.role == "parent":
        return case.guardian_id is not None and case.guardian_id == user.id
    return False


@dataclass
class InboxRow:
    task: PendingTask
    reference: str
    pupil_name: str
    overdue: bool
    # The process version of the task's case, so a page can translate the task's texts without loading the case.
    process_version_id: int


@dataclass
class InboxPage:
    rows: list[InboxRow]
    total: int
    overdue_total: int
    page: int
    page_size: int
    steps: list[tuple[str, str, int]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# Counts of a scope with more pending tasks than this are kept for FACET_TTL_SECONDS, so a page for a region or
# the whole country costs the same at 2,000 or 200,000 cases. Smaller scopes are counted on every page.
FACET_CACHE_THRESHOLD = 500
FACET_TTL_SECONDS = 30.0
_FACETS: dict[tuple, tuple[float, list]] = {}
_FACETS_LOCK = threading.Lock()


def _scope_key(user: User) -> tuple:
    return (db.engine.url.render_as_string(), user.role, user.school_id, user.province_id, user.region_id,
            user.id if user.role == "parent" else None)


def _facets(user: User, scope, now: datetime) -> list[tuple[str, str, int, int]]:
    """Return (bpmn_id, title, tasks, overdue tasks) for each step of the tasks `user` holds, in one query."""
    key = _scope_key(user)
    clock = time.monotonic()
    with _FACETS_LOCK:
        cached = _FACETS.get(key)
    if cached is not None and clock - cached[0] < FACET_TTL_SECONDS:
        return cached[1]
    overdue = sa.func.sum(sa.case((PendingTask.due_at < now, 1), else_=0))
    facets = [
        (bpmn_id, title, count, int(late or 0))
        for bpmn_id, title, count, late in db.session.execute(
            sa.select(PendingTask.bpmn_id, sa.func.min(PendingTask.title), sa.func.count(), overdue)
            .where(scope).group_by(PendingTask.bpmn_id).order_by(PendingTask.bpmn_id)
        )
    ]
    with _FACETS_LOCK:
        if sum(facet[2] for facet in facets) > FACET_CACHE_THRESHOLD:
            _FACETS[key] = (clock, facets)
        else:
            _FACETS.pop(key, None)
    return facets


def inbox(user: User, *, step: str | None = None, overdue_only: bool = False, page: int = 1,
          page_size: int = 25, now: datetime | None = None) -> InboxPage:
    """Return one page of the tasks `user` holds, soonest due first, with counts for the filters.

    Two queries read the pending-task table through its (role, scope, due date) indexes, and no workflow is
    loaded: one counts the tasks of each step, the other reads the page in index order. Counts of a large scope
    may be up to FACET_TTL_SECONDS old; the rows of the page are always current.
    """
    now = now or utcnow()
    scope = task_scope(user)
    conditions = [scope]
    if step:
        conditions.append(PendingTask.bpmn_id == step)
    if overdue_only:
        conditions.append(PendingTask.due_at < now)

    facets = _facets(user, scope, now)
    chosen = [facet for facet in facets if not step or facet[0] == step]
    total = sum(facet[3] if overdue_only else facet[2] for facet in chosen)
    overdue_total = sum(facet[3] for facet in facets)
    steps = [(bpmn_id, title, count) for bpmn_id, title, count, _ in facets]
    page = max(1, page)
    query = (
        sa.select(PendingTask, Case.reference, Pupil.first_name, Pupil.last_name, Case.process_version_id)
        .join(Case, Case.id == PendingTask.case_id)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .where(*conditions)
        .order_by(PendingTask.due_at.is_(None), PendingTask.due_at, PendingTask.created_at, PendingTask.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = [
        InboxRow(task, reference, f"{first} {last}", task.due_at is not None and task.due_at < now, version_id)
        for task, reference, first, last, version_id in db.session.execute(query)
    ]
    return InboxPage(rows, total, overdue_total, page, page_size, steps)


def visible_cases(user: User, *, state: str | None = None, search: str = "", page: int = 1, page_size: int = 25):
    """Return (cases, total) for one page of the cases `user` may see, newest first."""
    conditions = [case_scope(user)]
    if state in ("open", "closed"):
        conditions.append(Case.state == state)
    if search.strip():
        # autoescape: a % or _ typed by the user is a character to find, not a wildcard.
        text = search.strip()
        conditions.append(sa.or_(*(column.icontains(text, autoescape=True) for column in (
            Case.reference, Pupil.last_name, Pupil.first_name, Pupil.massar_code))))
    base = sa.select(Case).join(Pupil, Pupil.id == Case.pupil_id).where(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    cases = list(
        db.session.scalars(base.order_by(Case.created_at.desc(), Case.id.desc()).limit(page_size)
                           .offset((max(1, page) - 1) * page_size))
    )
    return cases, total


@dataclass
class Monitoring:
    by_state: list[tuple[str, int]]
    by_status: list[tuple[str, str, int]]
    failed: list[Case]
    newest: list[Case]
    pending_by_role: list[tuple[str, int, int]]


def monitoring_summary(moment) -> Monitoring:
    """Count cases by state and status and pending tasks by role, and list failed and newest cases."""
    by_state = list(db.session.execute(
        sa.select(Case.state, sa.func.count()).group_by(Case.state).order_by(Case.state)
    ))
    by_status = list(db.session.execute(
        sa.select(Case.state, Case.status, sa.func.count()).group_by(Case.state, Case.status)
        .order_by(Case.state, sa.func.count().desc())
    ))
    failed = list(db.session.scalars(
        sa.select(Case).where(Case.error.is_not(None)).order_by(Case.updated_at.desc()).limit(FAILED_CASES)
    ))
    newest = list(db.session.scalars(
        sa.select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(NEWEST_CASES)
    ))
    overdue = sa.func.sum(sa.case((PendingTask.due_at < moment, 1), else_=0))
    pending_by_role = [
        (role, total, int(late or 0))
        for role, total, late in db.session.execute(
            sa.select(PendingTask.role, sa.func.count(), overdue).group_by(PendingTask.role).order_by(PendingTask.role)
        )
    ]
    return Monitoring(by_state, by_status, failed, newest, pending_by_role)
