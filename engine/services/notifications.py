"""In-app notifications, written in the step's transaction (the outbox the scheduler delivers by e-mail)."""

from __future__ import annotations

import sqlalchemy as sa

from storage import db
from storage.models import Case, Notification, User


def notify(user: User, case: Case | None, kind: str, *, key: str, params: dict | None = None, link: str = "") -> None:
    """Queue one notification for `user`, unless one with the same idempotency key already exists."""
    exists = db.session.scalar(sa.select(Notification.id).where(Notification.idempotency_key == key))
    if exists is not None:
        return
    db.session.add(Notification(user_id=user.id, case_id=case.id if case else None, idempotency_key=key, kind=kind,
                                params=params or {}, link=link))


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
