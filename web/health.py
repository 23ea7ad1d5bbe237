"""Readiness check for load balancers and orchestrators: database, migrations and scheduler heartbeat.

`/healthz` (in the views) only reports that the process responds, and `/readyz` whether it can serve requests.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from engine.clock import clock
from storage import db
from storage.models import SchedulerHeartbeat

log = logging.getLogger("sanad.web")

bp = Blueprint("health", __name__)

# A scheduler counts as alive while its last tick is younger than this many ticks.
HEARTBEAT_TICKS = 3


def _database() -> dict:
    db.session.execute(sa.text("SELECT 1"))
    return {"ok": True}


def _migration_heads() -> set[str]:
    heads = current_app.extensions.get("sanad_migration_heads")
    if heads is None:
        config = Config()
        config.set_main_option("script_location", current_app.extensions["migrate"].directory)
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["sanad_migration_heads"] = heads
    return heads


def _migrations() -> dict:
    connection = db.session.connection()
    current = set(MigrationContext.configure(connection).get_current_heads())
    heads = _migration_heads()
    return {"ok": current == heads, "database": sorted(current), "head": sorted(heads)}


def _scheduler() -> dict:
    if not current_app.config["SCHEDULER_REQUIRED"]:
        return {"ok": True, "skipped": True, "note": "SCHEDULER_REQUIRED is off, so the heartbeat is not checked."}
    max_age = timedelta(seconds=HEARTBEAT_TICKS * current_app.config["SCHEDULER_TICK_SECONDS"])
    last = db.session.scalar(sa.select(sa.func.max(SchedulerHeartbeat.last_tick_at)))
    now = clock.now()
    fresh = last is not None and now - last <= max_age
    return {"ok": fresh, "last_tick_at": last.isoformat() if last else None,
            "max_age_seconds": int(max_age.total_seconds())}


CHECKS = (("database", _database), ("migrations", _migrations), ("scheduler", _scheduler))


@bp.route("/readyz")
def readyz():
    """Return 200 when every check passes, or 503 with the checks that failed."""
    results = {}
    for name, check in CHECKS:
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a check means "not ready", never a 500
            db.session.rollback()
            log.warning("readiness check failed", extra={"check": name, "error": str(exc)})
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            if name == "database":
                break
    db.session.rollback()
    ready = all(result["ok"] for result in results.values()) and len(results) == len(CHECKS)
    failing = sorted(name for name, _ in CHECKS if not results.get(name, {}).get("ok"))
    body = {"status": "ready" if ready else "not_ready", "checks": results, "failing": failing}
    return jsonify(body), 200 if ready else 503, {"Cache-Control": "no-store"}


def init_app(app) -> None:
    app.register_blueprint(bp)
