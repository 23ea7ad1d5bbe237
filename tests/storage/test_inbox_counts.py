"""Inbox counts: exact for small scopes, kept briefly for large ones, while the page's rows stay current."""

from __future__ import annotations

import sqlalchemy as sa
from api_helpers import SCHOOL, declare_open

from storage import db, queries
from storage.models import Case, PendingTask, User


def _school_user() -> User:
    return db.session.scalar(sa.select(User).where(User.username == SCHOOL))


def _school_task_ids(user: User) -> set[str]:
    return {row.task.id for row in queries.inbox(user, page_size=100).rows}


def _add_school_task(case_id: int, task_id: str) -> None:
    case = db.session.get(Case, case_id)
    db.session.add(PendingTask(id=task_id, case_id=case.id, bpmn_id="T_Extra", title="Extra step", lane="School",
                               role="school", school_id=case.school_id, province_id=case.province_id,
                               region_id=case.region_id))
    db.session.commit()


def test_small_scope_counts_every_page(app, client, api_token, db_session, monkeypatch):
    monkeypatch.setattr(queries, "_FACETS", {})
    case = declare_open(client, api_token(SCHOOL), seed=31)
    user = _school_user()
    before = queries.inbox(user).total

    _add_school_task(case["id"], "extra-small-scope")
    after = queries.inbox(user)

    assert after.total == before + 1
    assert "T_Extra" in [bpmn_id for bpmn_id, _, _ in after.steps]


def _kept_counts(client, api_token, monkeypatch, seed: int, task_id: str) -> tuple[int, User]:
    """Keep every scope's counts, add a task after a first page, and return (the first total, the user)."""
    monkeypatch.setattr(queries, "_FACETS", {})
    monkeypatch.setattr(queries, "FACET_CACHE_THRESHOLD", 0)
    case = declare_open(client, api_token(SCHOOL), seed=seed)
    user = _school_user()
    before = queries.inbox(user).total
    _add_school_task(case["id"], task_id)
    return before, user


def test_large_scope_keeps_counts_but_not_rows(app, client, api_token, db_session, monkeypatch):
    before, user = _kept_counts(client, api_token, monkeypatch, 32, "extra-large-scope")

    assert queries.inbox(user).total == before
    assert "extra-large-scope" in _school_task_ids(user)


def test_kept_counts_expire(app, client, api_token, db_session, monkeypatch):
    before, user = _kept_counts(client, api_token, monkeypatch, 33, "extra-expired")

    monkeypatch.setattr(queries, "FACET_TTL_SECONDS", 0.0)

    assert queries.inbox(user).total == before + 1
