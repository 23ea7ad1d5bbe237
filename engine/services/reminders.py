"""Turn the notices a step raised (reminders, escalations, alerts) into notifications for the right people."""

from __future__ import annotations

import sqlalchemy as sa

from engine.notices import Notice
from storage import db
from storage.models import Case, PendingTask, User

from . import notifications, steps


def recipients(case: Case, bundle, notice: Notice) -> list[User]:
    """Return the active users a notice is for: the holders of its task, or everyone of a lane in the case's scope."""
    users: dict[int, User] = {}
    for target in notice.recipients:
        if target == "holder":
            query = sa.select(PendingTask).where(PendingTask.case_id == case.id)
            if notice.about:
                query = query.where(PendingTask.bpmn_id == notice.about)
            for task in db.session.scalars(query):
                users.update((user.id, user) for user in steps.holders(task))
            continue
        role = bundle.lanes.get(target, target)
        probe = PendingTask(role=role, school_id=case.school_id, province_id=case.province_id,
                            region_id=case.region_id, guardian_id=case.guardian_id if role == "parent" else None)
        users.update((user.id, user) for user in steps.holders(probe))
    return list(users.values())


def apply(case: Case, bundle, notices: list[Notice], *, late: bool = False) -> int:
    """Write one notification per recipient for each group of notices, and return how many were written.

    Several firings of the same reminder in one step (a cycle timer catching up after downtime) make a single
    notification marked late, not a burst.
    """
    groups: dict[tuple[str, str | None], list[Notice]] = {}
    for notice in notices:
        groups.setdefault((notice.bpmn_id, notice.about), []).append(notice)
    written = 0
    queued = []
    for (_, about), items in groups.items():
        first = items[0]
        pending = db.session.scalar(
            sa.select(PendingTask).where(PendingTask.case_id == case.id, PendingTask.bpmn_id == about).limit(1)
        ) if about else None
        link = f"/tasks/{pending.id}" if pending is not None else f"/cases/{case.id}"
        params = {
            "reference": case.reference,
            "notice": first.name,
            "task": pending.title if pending is not None else (about or ""),
            "due_at": pending.due_at.isoformat() if pending is not None and pending.due_at else "",
            "late": late or len(items) > 1,
            "missed": len(items),
        }
        for user in recipients(case, bundle, first):
            queued.append((user, case, first.kind, f"notice:{first.task_id}:{user.id}", params, link))
            written += 1
    notifications.notify_many(queued)
    return written
