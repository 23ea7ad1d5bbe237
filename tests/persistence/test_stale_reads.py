"""Writes that follow a read still succeed when another connection committed in between.

On SQLite, a transaction that read and then writes fails at once with "database is locked" once another
connection has committed after its first read. Each service that writes therefore starts its own write
transaction; these tests read first, commit from a second connection, then call the service.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.clock import clock
from engine.services import accounts, notifications, scheduler
from storage import db
from storage.models import ApiToken, SchedulerHeartbeat, User


@pytest.fixture
def stale_read(db_session):
    """Read the school account in the session's transaction, then commit a change from another connection."""
    user = db_session.scalar(sa.select(User).where(User.username == "ecole.demo"))
    # A new row, because an update that rewrites the same values leaves the snapshot valid (SQLite writes no page).
    with db.engine.connect() as other:
        other.execute(sa.insert(SchedulerHeartbeat).values(name="other-writer", last_tick_at=clock.now()))
        other.commit()
    return user


def test_token_after_stale_read(stale_read, db_session):
    token = accounts.issue_api_token(stale_read, 60)

    assert db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.user_id == stale_read.id)) >= 1
    assert token


def test_locale_after_stale_read(stale_read, db_session):
    accounts.set_locale(stale_read, "ar")

    assert db_session.scalar(sa.select(User.locale).where(User.id == stale_read.id)) == "ar"
    accounts.set_locale(stale_read, "fr")


def test_mark_read_after_stale_read(stale_read):
    notifications.mark_all_read(stale_read, clock.now())


def test_heartbeat_after_stale_read(stale_read, db_session):
    scheduler._heartbeat("stale-read-test", {"lag_ms": 0, "fired": 0, "delivered": 0, "failures": 0,
                                             "due_left": 0})

    assert db_session.get(SchedulerHeartbeat, "stale-read-test") is not None
