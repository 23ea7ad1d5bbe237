"""Turn the notices a step raised (reminders, escalations, alerts) into notifications for the right people."""

from __future__ import annotations

import sqlalchemy as sa

from engine.notices import Notice
from storage import db
from storage.models import Case, PendingTask, UTCDateTime

from . import notifications, steps

_PENDING_OF_CASE = sa.text(
    "SELECT id, bpmn_id, title, role, school_id, province_id, region_id, guardian_id, due_at FROM pending_task "
    "WHERE case_id = :case_id ORDER BY created_at, id"
).columns(due_at=UTCDateTime)


def _recipient_groups(case: Case, bundle, notice: Notice, pending: list) -> list[tuple[str, dict]]:
    """Return the conditions on app_user that select a notice's recipients.

    The recipients are the holders of the notice's task, or everyone of a lane in the case's scope.
    """
    groups = []
    for target in notice.recipients:
        if target == "holder":
            tasks = [task for task in pending if not notice.about or task.bpmn_id == notice.about]
        else:
            role = bundle.lanes.get(target, target)
            tasks = [PendingTask(role=role, school_id=case.school_id, province_id=case.province_id,
                                 region_id=case.region_id, guardian_id=case.guardian_id if role == "parent" else None)]
        groups.extend(steps.holders_condition(task) for task in tasks)
    return groups


def apply(case: Case, bundle, notices: list[Notice], *, late: bool = False) -> None:
    """Write one notification per recipient for each group of notices.

    Several firings of the same reminder in one step (a cycle timer catching up after downtime) make a single
    notification marked late, not a burst. A user reached through two recipients of one notice gets it once:
    the idempotency key names the notice and the user.
    """
    groups: dict[tuple[str, str | None], list[Notice]] = {}
    for notice in notices:
        groups.setdefault((notice.bpmn_id, notice.about), []).append(notice)
    if not groups:
        return
    pending = db.session.connection().execute(_PENDING_OF_CASE, {"case_id": case.id}).all()
    for (_, about), items in groups.items():
        first = items[0]
        task = next((row for row in pending if row.bpmn_id == about), None) if about else None
        link = f"/tasks/{task.id}" if task is not None else f"/cases/{case.id}"
        params = {
            "reference": case.reference,
            "notice": first.name,
            "task": task.title if task is not None else (about or ""),
            "due_at": task.due_at.isoformat() if task is not None and task.due_at else "",
            "late": late or len(items) > 1,
            "missed": len(items),
        }
        for condition, values in _recipient_groups(case, bundle, first, pending):
            notifications.notify_users_where(condition, values, case, first.kind,
                                             key_prefix=f"notice:{first.task_id}:", params=params, link=link)
