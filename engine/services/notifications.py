"""In-app notifications, written in the step's transaction (the outbox the scheduler delivers by e-mail)."""

from __future__ import annotations

import sqlalchemy as sa

from storage import db
from storage.db import PlainStatement, db_insert
from storage.models import Case, Notification, User, UTCDateTime, utcnow


def notify(user: User, case: Case | None, kind: str, *, key: str, params: dict | None = None, link: str = "") -> None:
    """Queue one notification for `user`, unless one with the same idempotency key already exists."""
    notify_many([(user, case, kind, key, params, link)])


def notify_many(items: list[tuple]) -> None:
    """Queue notifications given as (user, case, kind, key, params, link), skipping keys that already exist.

    One INSERT … ON CONFLICT DO NOTHING writes them all: the unique idempotency key, not a prior SELECT, decides
    which rows are new, so two concurrent steps cannot both write the same notification.
    """
    rows = {}
    for user, case, kind, key, params, link in items:
        rows.setdefault(key, {"user_id": user.id, "case_id": case.id if case else None, "idempotency_key": key,
                              "kind": kind, "params": params or {}, "link": link})
    if not rows:
        return
    table = Notification.__table__
    statement = db_insert(table).on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
    db.session.connection().execute(statement, list(rows.values()))


# INSERT … SELECT statements by (dialect, condition on app_user); see `notify_users_where`.
_INSERT_SELECTED: dict[tuple[str, str], PlainStatement] = {}


def _insert_selected(dialect: str, condition: str) -> PlainStatement:
    statement = _INSERT_SELECTED.get((dialect, condition))
    if statement is None:
        # A bare parameter in a select list is text to PostgreSQL, which a json column refuses.
        params = "CAST(:params AS JSON)" if dialect == "postgresql" else ":params"
        statement = PlainStatement(sa.text(
            "INSERT INTO notification (user_id, case_id, idempotency_key, kind, params, link, created_at, "
            "email_status, email_attempts, email_error) "
            f"SELECT id, :case_id, :key_prefix || CAST(id AS VARCHAR(20)), :kind, {params}, :link, :created_at, "
            f"'pending', 0, '' FROM app_user WHERE active = :active AND {condition} "
            "ON CONFLICT (idempotency_key) DO NOTHING"
        ).bindparams(sa.bindparam("params", type_=sa.JSON), sa.bindparam("created_at", type_=UTCDateTime),
                     sa.bindparam("active", type_=sa.Boolean)))
        _INSERT_SELECTED[(dialect, condition)] = statement
    return statement


def notify_users_where(condition: str, values: dict, case: Case | None, kind: str, *, key_prefix: str,
                       params: dict | None = None, link: str = "") -> None:
    """Queue one notification for each active user that the SQL `condition` on app_user selects, in one statement.

    `condition` is fixed SQL written by the caller, never user input; `values` fill its parameters. Each key is
    `key_prefix` followed by the user id; keys that already exist are skipped, as in `notify_many`.
    """
    dialect = db.session.get_bind().dialect.name
    _insert_selected(dialect, condition).execute({
        **values, "case_id": case.id if case is not None else None, "key_prefix": key_prefix, "kind": kind,
        "params": params or {}, "link": link, "created_at": utcnow(), "active": True,
    })


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def mark_all_read(user: User, moment) -> None:
    from . import steps  # steps imports this module

    steps.begin_write()
    db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=moment)
    )
    db.session.commit()
