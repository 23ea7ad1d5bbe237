"""Notices that diagrams raise for people: reminders, escalations and alerts.

A diagram asks for a notice with an intermediate throw event (or any non-user task) that carries the
spiffworkflow properties `notify` and, optionally, `noticeKind` and `about`:

- `notify`: who is told, as comma-separated lane names, or `holder` for whoever holds the task named by `about`;
- `noticeKind`: `reminder`, `escalation` or `alert` (default `reminder`);
- `about`: the id of the user task the notice concerns, typically the task a boundary timer is attached to.

The application turns each notice into notifications in the same transaction as the step that raised it.
"""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState

NOTIFY_PROPERTY = "notify"
KIND_PROPERTY = "noticeKind"
ABOUT_PROPERTY = "about"
KINDS = ("reminder", "escalation", "alert")


@dataclass(frozen=True)
class Notice:
    task_id: str
    bpmn_id: str
    name: str
    kind: str
    recipients: tuple[str, ...]
    about: str | None


def _properties(task_spec) -> dict:
    extensions = getattr(task_spec, "extensions", None) or {}
    return extensions.get("properties") or {}


def collect(wf, since: float) -> list[Notice]:
    """Return the notices whose tasks completed at or after `since` (a `time.time()` value), oldest first."""
    found = []
    # Read the task maps of the workflow and its sub-processes. A tree walk filtered on COMPLETED would skip
    # the finished branches under a still-waiting cycle timer, and a full tree walk is slower.
    for workflow in (wf, *wf.subprocesses.values()):
        for task in workflow.tasks.values():
            if task.last_state_change < since or task.state != TaskState.COMPLETED:
                continue
            properties = _properties(task.task_spec)
            if NOTIFY_PROPERTY not in properties:
                continue
            kind = properties.get(KIND_PROPERTY) or "reminder"
            recipients = tuple(part.strip() for part in properties[NOTIFY_PROPERTY].split(",") if part.strip())
            found.append((task.last_state_change, Notice(
                task_id=str(task.id),
                bpmn_id=getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name,
                name=getattr(task.task_spec, "bpmn_name", None) or "",
                kind=kind if kind in KINDS else "reminder",
                recipients=recipients,
                about=properties.get(ABOUT_PROPERTY) or None,
            )))
    return [notice for _, notice in sorted(found, key=lambda pair: pair[0])]
