"""The periodic tick: fire due timers, deliver the outbox and record a heartbeat.

`flask serve` runs the tick in a background thread of the web process. In production, `flask scheduler` runs it
as a process of its own, and web workers start none. Several scheduler processes can run at once, because
each case and each outbox row is locked or claimed while it is handled.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

import sqlalchemy as sa

from storage import db
from storage.models import Case, Notification, SchedulerHeartbeat

from . import mail, maintenance, steps, timers
from .errors import Conflict

log = logging.getLogger("sanad.scheduler")

JOB_ID = "sanad-tick"
OUTBOX_ROWS_SHOWN = 50
DUE_CASES_PER_TICK = 500
SWEEP_INTERVAL = timedelta(hours=1)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(app, name: str | None = None) -> dict:
    """Run one tick inside an app context and return its figures."""
    with app.app_context():
        started = steps.now()
        tick_seconds = app.config["SCHEDULER_TICK_SECONDS"]
        due = timers.due_cases(started, DUE_CASES_PER_TICK)
        lag_ms = int((started - due[0][1]).total_seconds() * 1000) if due else 0
        try:
            fired = timers.fire_due(started, late_after=timedelta(seconds=2 * tick_seconds), due=due) if due else 0
            sent, failed = mail.deliver(started)
            _sweep_if_due(app, started)
        except Exception:
            db.session.rollback()
            log.exception("scheduler tick failed")
            fired, sent, failed = 0, 0, 1
        # Cases found due but not advanced here: held by another scheduler, failed, or beyond this tick's batch.
        figures = {"fired": fired, "delivered": sent, "failures": failed, "lag_ms": lag_ms,
                   "due_left": len(due) - fired}
        _heartbeat(name or process_name(), figures)
        db.session.remove()
        return figures


def _sweep_if_due(app, now) -> None:
    """Remove orphaned upload files at most once per SWEEP_INTERVAL in this process.

    The interval is kept in this process's memory, so each scheduler process sweeps on its own schedule.
    """
    last = app.extensions.get("sanad_last_sweep")
    if last is not None and now - last < SWEEP_INTERVAL:
        return
    app.extensions["sanad_last_sweep"] = now
    maintenance.sweep_orphan_files()


def _heartbeat(name: str, figures: dict) -> None:
    try:
        steps.begin_write()
    except Conflict:
        # Another writer kept the database locked for the whole busy timeout, so the next tick writes it.
        log.warning("scheduler heartbeat skipped: the database stayed locked", extra={"scheduler": name})
        return
    row = db.session.get(SchedulerHeartbeat, name)
    if row is None:
        row = SchedulerHeartbeat(name=name, last_tick_at=steps.now())
        db.session.add(row)
    row.last_tick_at = steps.now()
    row.lag_ms = figures["lag_ms"]
    row.fired = figures["fired"]
    row.delivered = figures["delivered"]
    row.failures = figures["failures"]
    row.due_instances = figures["due_left"]
    db.session.commit()


def status() -> dict:
    """Return what the admin page shows about the scheduler: heartbeats, due cases, outbox backlog and failures."""
    now = steps.now()
    return {
        "heartbeats": list(db.session.scalars(sa.select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.name))),
        "due_instances": db.session.scalar(
            sa.select(sa.func.count()).select_from(Case).where(timers.due_filter(now))
        ) or 0,
        "outbox_backlog": db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.email_status.in_(("pending", "sending")))
        ) or 0,
        "outbox_failed": db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.email_status == "failed")
        ) or 0,
        "outbox": list(db.session.scalars(
            sa.select(Notification).where(Notification.email_status.in_(("pending", "sending", "failed")))
            .order_by(Notification.id.desc()).limit(OUTBOX_ROWS_SHOWN)
        )),
        "now": now,
    }


def start(app):
    """Start the tick in a background thread of this process and return the APScheduler instance."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    scheduler.add_job(tick, "interval", seconds=app.config["SCHEDULER_TICK_SECONDS"], args=[app], id=JOB_ID,
                      name="Fire due timers and deliver e-mails", max_instances=1, coalesce=True,
                      next_run_time=None)
    scheduler.start()
    scheduler.modify_job(JOB_ID, next_run_time=_soon())
    app.extensions["sanad_scheduler"] = scheduler
    log.info("scheduler started", extra={"tick_seconds": app.config["SCHEDULER_TICK_SECONDS"]})
    return scheduler


def _soon():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc) + timedelta(seconds=1)


def run_forever(app) -> None:
    """Tick every SCHEDULER_TICK_SECONDS until interrupted (the `flask scheduler` process)."""
    interval = app.config["SCHEDULER_TICK_SECONDS"]
    name = process_name()
    log.info("scheduler process started", extra={"process": name, "tick_seconds": interval})
    while True:
        began = time.monotonic()
        tick(app, name)
        time.sleep(max(0.0, interval - (time.monotonic() - began)))
