"""Pooled PostgreSQL connections: one that idled and was closed by the server is replaced, not handed out."""

import pytest
import sqlalchemy as sa

from storage import db
from storage.db import IDLE_PING_SECONDS


def test_idle_closed_connection_is_replaced(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs TEST_DATABASE_URL (PostgreSQL): SQLite has no server connection to lose")
        with db.engine.connect() as other, db.engine.connect() as connection:
            doomed = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            record = connection.connection._connection_record
            connection.close()
            # Mark the pooled connection as idle for long enough to be tested, then end its server process.
            record.info["checked_in_at"] -= IDLE_PING_SECONDS + 1
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": doomed})

        with db.engine.connect() as connection:
            serving = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()

        assert serving != doomed

