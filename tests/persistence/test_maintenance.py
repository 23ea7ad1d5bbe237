"""Uploads written by a rolled-back step are deleted; the sweep removes orphans and abandoned staged uploads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from engine.clock import clock
from engine.services import documents, maintenance
from storage import db
from storage.models import Document, User

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Upload:
    content: bytes
    filename: str


def _school_user() -> User:
    return db.session.scalar(sa.select(User).where(User.username == "ecole.demo"))


def _stage(user: User) -> Document:
    return documents.store_upload(user, Upload(PDF, "scan.pdf"), doc_type="report", case=None, task_bpmn_id="start",
                                  field="report")


def test_rollback_deletes_written_upload(db_session):
    document = _stage(_school_user())
    path = documents.store().path(document.stored_name)
    assert path.is_file()
    db_session.rollback()
    assert not path.exists()


def test_commit_keeps_written_upload(db_session):
    document = _stage(_school_user())
    db_session.commit()
    db_session.rollback()
    assert documents.store().path(document.stored_name).is_file()


def test_sweep_deletes_only_old_orphans(db_session):
    user = _school_user()
    kept = _stage(user)
    db_session.commit()
    store = documents.store()
    orphan = store.save(PDF, "lost.pdf").stored_name
    partial = store.root / ".0123456789abcdef0123456789abcdef.part"
    partial.write_bytes(b"%PDF")

    young = maintenance.sweep_orphan_files(timedelta(hours=1))
    assert young.orphan_files == 0
    assert store.path(orphan).is_file()

    clock.freeze(clock.now() + timedelta(hours=2))
    swept = maintenance.sweep_orphan_files(timedelta(hours=1))
    # Files of earlier tests whose rows were cleaned up count as orphans too.
    assert swept.orphan_files >= 1
    assert swept.partial_files >= 1
    assert not store.path(orphan).exists()
    assert not partial.exists()
    assert store.path(kept.stored_name).is_file()


def test_sweep_deletes_abandoned_staged(db_session):
    user = _school_user()
    staged = _stage(user)
    db_session.commit()
    staged_id, name = staged.id, staged.stored_name

    clock.freeze(clock.now() + timedelta(days=1))
    assert maintenance.sweep_orphan_files(staged_older_than=timedelta(days=14)).staged_documents == 0

    clock.freeze(clock.now() + timedelta(days=15))
    swept = maintenance.sweep_orphan_files(staged_older_than=timedelta(days=14))
    assert swept.staged_documents == 1
    assert swept.staged_files == 1
    assert db_session.get(Document, staged_id) is None
    assert not documents.store().path(name).exists()


def test_sweep_command(runner):
    result = runner.invoke(args=["maintenance", "sweep", "--older-than-minutes", "60"])
    assert result.exit_code == 0, result.output
    assert "orphan file(s)" in result.output


def test_check_command_without_cases(runner):
    result = runner.invoke(args=["maintenance", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 0 case(s)" in result.output
