"""The append-only, hash-chained audit log of each case."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from .db import db
from .models import AuditEvent, utcnow


def _digest(event: AuditEvent) -> str:
    content = {
        "case_id": event.case_id,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "kind": event.kind,
        "task_id": event.task_id,
        "bpmn_id": event.bpmn_id,
        "title": event.title,
        "lane": event.lane,
        "on_behalf_of_guardian": event.on_behalf_of_guardian,
        "details": event.details,
        "previous_sha256": event.previous_sha256,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def append(case_id: int, kind: str, *, actor=None, **fields) -> AuditEvent:
    """Add an event after the last one of the case, chaining its hash to that event's hash.

    The caller holds the case's lock, so no other event of the same case is appended concurrently.
    """
    previous = db.session.scalar(
        sa.select(AuditEvent.sha256).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id.desc()).limit(1)
    )
    # Every hashed column gets its value here, before hashing: a column default applied later at insert
    # time would make the stored row differ from what was hashed.
    values = {"task_id": None, "bpmn_id": None, "title": "", "lane": "", "on_behalf_of_guardian": False, **fields}
    event = AuditEvent(
        case_id=case_id,
        kind=kind,
        at=values.pop("at", None) or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else "",
        previous_sha256=previous or "",
        details=values.pop("details", None) or {},
        **values,
    )
    event.sha256 = _digest(event)
    db.session.add(event)
    return event


def events(case_id: int) -> list[AuditEvent]:
    """Return the events of a case, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def verify_chain(case_id: int) -> int | None:
    """Return the id of the first event whose content or link was altered, or None when the chain is intact."""
    previous = ""
    for event in events(case_id):
        if event.previous_sha256 != previous or _digest(event) != event.sha256:
            return event.id
        previous = event.sha256
    return None
