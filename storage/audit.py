"""The append-only, hash-chained audit log of each case."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from .db import PlainStatement, db
from .models import AuditEvent, UTCDateTime, utcnow

# The columns each event's hash covers, in the order of the stored JSON.
HASHED = ("case_id", "at", "actor_id", "actor_role", "kind", "task_id", "bpmn_id", "title", "lane",
          "on_behalf_of_guardian", "details", "previous_sha256")


def _digest_values(values: dict) -> str:
    content = {name: values[name] for name in HASHED}
    content["at"] = values["at"].isoformat()
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def _digest(event: AuditEvent) -> str:
    return _digest_values({name: getattr(event, name) for name in HASHED})


_HEAD = sa.text("SELECT sha256 FROM audit_event WHERE case_id = :case_id ORDER BY id DESC LIMIT 1")
_INSERT = PlainStatement(sa.text(
    f"INSERT INTO audit_event ({', '.join(HASHED)}, sha256) "
    f"VALUES ({', '.join(':' + name for name in HASHED)}, :sha256)"
).bindparams(sa.bindparam("at", type_=UTCDateTime), sa.bindparam("details", type_=sa.JSON),
             sa.bindparam("on_behalf_of_guardian", type_=sa.Boolean)))


def append(case_id: int, kind: str, *, actor=None, previous: str | None = None, **fields) -> dict:
    """Add an event after the last one of the case, chaining its hash to that event's hash, and return its values.

    `previous` is the hash of the case's last event when the caller knows it (the case row keeps it). Without
    it, the last event is looked up. The caller has locked the case, so no other event of the same case is
    appended concurrently. The row is inserted at once, so a lookup later in the step finds it.
    """
    if previous is None:
        previous = db.session.connection().execute(_HEAD, {"case_id": case_id}).scalar()
    # Every hashed column gets its value here, before hashing: a column default applied later at insert
    # time would make the stored row differ from what was hashed.
    values = {"task_id": None, "bpmn_id": None, "title": "", "lane": "", "on_behalf_of_guardian": False, **fields}
    values.update(
        case_id=case_id,
        kind=kind,
        at=values.get("at") or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else "",
        previous_sha256=previous or "",
        details=values.get("details") or {},
    )
    values["sha256"] = _digest_values(values)
    _INSERT.execute(values)
    return values


def events(case_id: int) -> list[AuditEvent]:
    """Return the events of a case, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def verify_chain(case_id: int) -> int | None:
    """Return the id of the first event whose content or link was altered, or None when the chain is intact."""
    return first_broken(events(case_id))


def first_broken(chain: list[AuditEvent]) -> int | None:
    """Return the id of the first of a case's events, oldest first, that breaks the hash chain, or None."""
    previous = ""
    for event in chain:
        if event.previous_sha256 != previous or _digest(event) != event.sha256:
            return event.id
        previous = event.sha256
    return None
