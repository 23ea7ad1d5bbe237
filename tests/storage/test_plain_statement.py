"""Statements run on the driver's cursor send the same values as SQLAlchemy's own execute does."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from storage.db import PlainStatement
from storage.models import UTCDateTime

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
