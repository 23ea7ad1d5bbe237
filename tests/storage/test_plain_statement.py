"""Statements run on the driver's cursor send the same values as SQLAlchemy's own execute does, and a row they
insert joins the session as stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from storage.db import PlainStatement, insert_row
from storage.models import ApiToken, User, UTCDateTime

ECHO = sa.text("SELECT :at AS at, :flag AS flag, :details AS details, :name AS name, :name AS again").bindparams(
    sa.bindparam("at", type_=UTCDateTime), sa.bindparam("flag", value=True, type_=sa.Boolean),
    sa.bindparam("details", type_=sa.JSON),
)


def test_parameters_match_sqlalchemy(db_session):
    # An aware time outside UTC, so the type's conversion to UTC shows in what is sent.
    values = {"at": datetime(2026, 12, 5, 9, 30, tzinfo=timezone(timedelta(hours=1))),
              "details": {"amount": 4200, "note": "reçu"}, "name": "ecole"}
    expected = db_session.connection().execute(ECHO, values).one()

    result = PlainStatement(ECHO).execute(values)

    assert result.rows == [tuple(expected)]


def test_given_value_replaces_default(db_session):
    result = PlainStatement(ECHO).execute({"at": None, "flag": False, "details": None, "name": "x"})

    expected = db_session.connection().execute(ECHO, {"at": None, "flag": False, "details": None, "name": "x"}).one()
    assert result.rows == [tuple(expected)]


def test_rowcount_without_rows(db_session):
    connection = db_session.connection()
    connection.execute(sa.text("CREATE TEMPORARY TABLE plain_probe (id INTEGER PRIMARY KEY, label VARCHAR(20))"))
    connection.execute(sa.text("INSERT INTO plain_probe (id, label) VALUES (1, 'a'), (2, 'a'), (3, 'b')"))

    result = PlainStatement(sa.text("UPDATE plain_probe SET label = :new WHERE label = :old")).execute(
        {"new": "c", "old": "a"})

    assert result.rows == []
    assert result.rowcount == 2
    db_session.rollback()


def test_insert_row_fills_defaults(db_session):
    user_id = db_session.scalar(sa.select(User.id).where(User.username == "ecole.demo"))
    expires = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)

    token = insert_row(ApiToken, {"user_id": user_id, "token_sha256": "a" * 64, "expires_at": expires})

    # In the session as stored: nothing left for the unit of work, and the callable default was applied.
    assert token.id is not None
    assert token in db_session
    assert not db_session.new
    assert not db_session.dirty
    assert token.created_at is not None
    stored = db_session.execute(sa.select(ApiToken.user_id, ApiToken.expires_at).where(ApiToken.id == token.id)).one()
    assert stored == (user_id, expires)
    db_session.rollback()
