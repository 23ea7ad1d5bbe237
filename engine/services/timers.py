"""Firing due timer events: find cases by their indexed `next_timer_at`, then advance each one under a lock."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa

from engine import notices, workflow
from engine.errors import EngineError
from storage import db
from storage.models import Case

from . import reminders, steps

log = logging.getLogger("sanad.scheduler")


def due_filter(now: datetime):
    """Return the SQL condition of a case whose earliest timer is due at `now`, read from its index alone.

    SpiffWorkflow 3.2 fires a timer only when its due time is strictly before the current time, so a case due
    exactly at `now` is not due yet. A closed case has no waiting timer, so its `next_timer_at` is empty and
    the condition needs no test of the state.
    """
    return Case.next_timer_at < now


def due_cases(now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """Return (id, due time) of the cases whose earliest timer is due, soonest first, in one indexed query."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Case.id, Case.next_timer_at).where(due_filter(now)).order_by(Case.next_timer_at).limit(limit)
    )]


def _lock_if_free(case_id: int) -> Case | None:
    """Lock a case row, skipping it when another scheduler holds it (PostgreSQL); SQLite has one writer anyway."""
    query = sa.select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def fire_case(case_id: int, now: datetime, *, late_after: timedelta) -> bool:
    """Advance one case whose timer is due, in one transaction; return whether it was advanced.

    A case that another process advanced meanwhile (its `next_timer_at` moved) is left alone. Notices raised
    by timers that fell due more than `late_after` ago are marked late.
    """
    steps.begin_write()
    case = _lock_if_free(case_id)
    if case is None or case.state != "open" or case.next_timer_at is None or case.next_timer_at >= now:
        db.session.rollback()
        return False
    late = now - case.next_timer_at > late_after
    try:
        bundle, wf = steps.load(case)
        since = time.time()
        workflow.refresh(wf)
        created = steps.save(case, bundle, wf)
    except EngineError as exc:
        db.session.rollback()
        _record_failure(case_id, exc)
        return False
    raised = notices.collect(wf, since)
    steps.record(case, "timer_fired", details={"notices": [notice.bpmn_id for notice in raised], "late": late})
    if case.state == "closed":
        steps.record(case, "case_closed", details={"end_state": case.end_state})
    steps.notify_holders(case, created)
    reminders.apply(case, bundle, raised, late=late)
    steps.write_case(case)
    db.session.commit()
    log.info("timers fired", extra={"case_id": case_id, "notices": len(raised), "late": late})
    return True


def _record_failure(case_id: int, exc: EngineError) -> None:
    """Keep the engine error on the case and push its timer back an hour, so one broken case cannot spin."""
    log.error("timer failed", extra={"case_id": case_id, "error": exc.code, "element": exc.element_id})
    steps.begin_write()
    case = db.session.get(Case, case_id)
    if case is not None:
        case.error = f"{exc.code}: {exc.message}"
        case.next_timer_at = steps.now() + timedelta(hours=1)
        db.session.commit()


def fire_due(now: datetime | None = None, *, limit: int = 500, late_after: timedelta = timedelta(seconds=30),
             due: list[tuple[int, datetime]] | None = None) -> int:
    """Advance every case whose timer is due now (or the cases `due` lists), and return how many were advanced."""
    now = now or steps.now()
    fired = 0
    for case_id, _ in due if due is not None else due_cases(now, limit):
        if fire_case(case_id, now, late_after=late_after):
            fired += 1
    db.session.rollback()
    return fired
