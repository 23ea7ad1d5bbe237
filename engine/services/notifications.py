"""In-app notifications, written in the step's transaction (the outbox the scheduler delivers by e-mail)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage import db
from storage.models import Case, Notification, User


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
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(Notification)
    elif dialect == "sqlite":
        statement = sqlite.insert(Notification)
    else:
        raise NotImplementedError(f"notifications need INSERT … ON CONFLICT, which {dialect} lacks here")
    statement = statement.on_conflict_do_nothing(index_elements=[Notification.idempotency_key])
    db.session.execute(statement, list(rows.values()))


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
    db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=moment)
    )
    db.session.commit()
