"""`flask scheduler --once` in separate processes: catching up after downtime, and several schedulers at once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from timer_helpers import declare

from engine.clock import OFFSET_VARIABLE, clock

ROOT = Path(__file__).resolve().parents[2]
THREE_DAYS = timedelta(days=3).total_seconds()


def _scheduler_env(app, controller, offset_seconds: float) -> dict:
    """Return the environment of a scheduler process on the test database, its clock `offset_seconds` ahead."""
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "MAIL_SERVER": controller.hostname,
        "MAIL_PORT": str(controller.port),
        OFFSET_VARIABLE: str(offset_seconds),
    }


def _run_once(env: dict) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "scheduler", "--once"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _declare_now(app, count: int = 1) -> list[int]:
    """Declare `count` accidents that happened an hour ago, on the real clock, and release the database."""
    from storage import db

    with app.test_request_context():
        case_ids = [declare(clock.now() - timedelta(hours=1)) for _ in range(count)]
        db.session.remove()
    return case_ids


def _subject_count(handler, word: str) -> int:
    return sum(1 for message in handler.messages if word in message["Subject"])


def test_restart_after_three_days(app, smtp_capture):
    from storage import db
    from storage.models import Notification

    controller, handler = smtp_capture
    (case_id,) = _declare_now(app)
    env = _scheduler_env(app, controller, THREE_DAYS)

    output = _run_once(env)
    assert "fired=1" in output
    assert _subject_count(handler, "rappel") == 1
    assert _subject_count(handler, "délai dépassé") == 1
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Notification).where(Notification.case_id == case_id)))
        statuses = {row.email_status for row in rows}
        reminder = next(row for row in rows if row.kind == "reminder")
        db.session.remove()
    assert statuses == {"sent"}
    assert len(handler.messages) == len(rows)
    # The deadline passed about a day before the scheduler came back, so the reminder says it is late.
    assert reminder.params["late"] is True

    delivered = len(handler.messages)
    output = _run_once(env)
    assert "fired=0" in output
    assert "delivered=0" in output
    assert len(handler.messages) == delivered


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_three_schedulers_no_duplicates(app, smtp_capture):
    from storage import db
    from storage.models import Notification

    controller, handler = smtp_capture
    case_ids = _declare_now(app, 20)
    env = _scheduler_env(app, controller, THREE_DAYS)
    loop = f"for round in 1 2 3; do {sys.executable} -m flask scheduler --once || exit 1; done"
    workers = [subprocess.Popen(["sh", "-c", loop], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for worker in workers:
        _stdout, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr[-3000:]

    with app.app_context():
        rows = list(db.session.scalars(sa.select(Notification).where(Notification.case_id.in_(case_ids))))
        db.session.remove()
    reminders = [row for row in rows if row.kind == "reminder"]
    escalations = [row for row in rows if row.kind == "escalation"]
    assert len(reminders) == 20
    assert len(escalations) == 20
    assert len({row.case_id for row in reminders}) == 20
    assert {row.email_status for row in rows} == {"sent"}
    message_ids = [message["Message-ID"] for message in handler.messages]
    assert len(message_ids) == len(set(message_ids))
    assert len(message_ids) == len(rows)
