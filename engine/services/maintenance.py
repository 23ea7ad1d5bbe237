"""Housekeeping of stored data: sweeping orphaned upload files and checking that cases agree with their workflows."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from engine import workflow
from engine.errors import EngineError
from storage import audit, db
from storage.models import Case, Document, PendingTask

from . import documents, steps, versions

log = logging.getLogger("sanad.maintenance")

# A file younger than this may belong to a request whose transaction has not committed yet.
ORPHAN_GRACE = timedelta(hours=1)
# Staged uploads (of a form that failed validation or is still a draft) are kept this long for the user.
STAGED_RETENTION = timedelta(days=14)
# Stored names looked up per query, below every database's limit on bound parameters.
LOOKUP_BATCH = 500
# Timer due times differ by a serialization round trip at most; anything larger is a real disagreement.
TIMER_TOLERANCE = timedelta(seconds=1)


@dataclass
class SweepResult:
    orphan_files: int = 0
    partial_files: int = 0
    staged_documents: int = 0
    staged_files: int = 0


def sweep_orphan_files(older_than: timedelta = ORPHAN_GRACE, *,
                       staged_older_than: timedelta = STAGED_RETENTION) -> SweepResult:
    """Delete stored files that no document row names, and staged documents not published in time.

    A file is deleted only when its modification time is older than `older_than`, so a file whose request
    is still running keeps its chance to commit. Staged rows uploaded before `staged_older_than` ago are
    deleted and committed first, then their files; a file that cannot be deleted then is an orphan that the
    next sweep removes.
    """
    now = steps.now()
    result = SweepResult()
    _delete_expired_staged(now - staged_older_than, result)
    _delete_orphans(now - older_than, result)
    log.info("orphan files swept", extra={"orphan_files": result.orphan_files, "partial_files": result.partial_files,
                                          "staged_documents": result.staged_documents,
                                          "staged_files": result.staged_files})
    return result


def _delete_expired_staged(cutoff: datetime, result: SweepResult) -> None:
    steps.begin_write()
    expired = list(db.session.scalars(
        sa.select(Document).where(Document.staged.is_(True), Document.uploaded_at < cutoff)
    ))
    names = [document.stored_name for document in expired]
    for document in expired:
        db.session.delete(document)
    db.session.commit()
    result.staged_documents = len(names)
    store = documents.store()
    for name in names:
        try:
            store.delete(name)
        except OSError as exc:
            log.error("staged file could not be deleted", extra={"stored_name": name, "error": str(exc)})
            continue
        result.staged_files += 1


def _delete_orphans(cutoff: datetime, result: SweepResult) -> None:
    store = documents.store()
    if not store.root.is_dir():
        return
    cutoff_timestamp = cutoff.timestamp()
    candidates = []
    for path in store.root.iterdir():
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if modified >= cutoff_timestamp or not path.is_file():
            continue
        if path.name.startswith(".") and path.name.endswith(".part"):
            # A temporary file of a release that renamed each upload into place, left by a crash while writing.
            path.unlink(missing_ok=True)
            result.partial_files += 1
        elif _is_stored_name(path.name):
            candidates.append(path.name)

    for start in range(0, len(candidates), LOOKUP_BATCH):
        batch = candidates[start:start + LOOKUP_BATCH]
        known = set(db.session.scalars(sa.select(Document.stored_name).where(Document.stored_name.in_(batch))))
        for name in batch:
            if name in known:
                continue
            store.delete(name)
            result.orphan_files += 1
            log.info("orphan file deleted", extra={"stored_name": name})
    db.session.rollback()


def _is_stored_name(name: str) -> bool:
    return len(name) == 32 and all(c in "0123456789abcdef" for c in name)


def check_case_consistency(case: Case) -> list[str]:
    """Compare what is stored about a case with its workflow, and return every disagreement found.

    Checks the pending-task rows against the engine's ready tasks, the summary columns and next timer against
    the workflow, the audit chain, and that each of the case's document files exists. Reads only.
    """
    problems = []
    try:
        # Parsed from the stored text, never taken from the pool, so the check reads what the database holds.
        bundle = versions.bundle_of_case(case)
        wf = workflow.loads(bundle, case.workflow, script_engine=steps.script_engine())
    except EngineError as exc:
        return [f"case {case.id}: the workflow cannot be loaded: {exc.code}: {exc.message}"]

    ready = {task.id: task for task in workflow.ready_tasks(bundle, wf)}
    rows = {row.id: row for row in db.session.scalars(sa.select(PendingTask).where(PendingTask.case_id == case.id))}
    for task_id in sorted(ready.keys() - rows.keys()):
        problems.append(f"case {case.id}: ready task {task_id} ({ready[task_id].bpmn_id}) has no pending-task row")
    for task_id in sorted(rows.keys() - ready.keys()):
        problems.append(f"case {case.id}: pending-task row {task_id} ({rows[task_id].bpmn_id}) is not a ready task")
    for task_id in sorted(ready.keys() & rows.keys()):
        if rows[task_id].bpmn_id != ready[task_id].bpmn_id:
            problems.append(f"case {case.id}: pending-task row {task_id} names {rows[task_id].bpmn_id}, "
                            f"the workflow {ready[task_id].bpmn_id}")

    expected_state = "closed" if wf.completed else "open"
    if case.state != expected_state:
        problems.append(f"case {case.id}: state is {case.state}, the workflow is {expected_state}")
    problems.extend(_timer_problems(case, workflow.next_timer_at(wf)))

    events = audit.events(case.id)
    broken = audit.first_broken(events)
    if broken is not None:
        problems.append(f"case {case.id}: audit event {broken} breaks the hash chain")
    if events and case.audit_head != events[-1].sha256:
        problems.append(f"case {case.id}: the audit head is not the hash of the last audit event {events[-1].id}")

    store = documents.store()
    for document in db.session.scalars(sa.select(Document).where(Document.case_id == case.id)):
        if not store.path(document.stored_name).is_file():
            problems.append(f"case {case.id}: document {document.id} has no file {document.stored_name}")

    return problems


def _timer_problems(case: Case, expected: datetime | None) -> list[str]:
    stored = case.next_timer_at
    if case.state == "closed" or (stored is None and expected is None):
        return []
    if stored is None or expected is None:
        return [f"case {case.id}: next_timer_at is {_iso(stored)}, the workflow's earliest timer {_iso(expected)}"]
    if abs(stored.astimezone(timezone.utc) - expected) > TIMER_TOLERANCE:
        return [f"case {case.id}: next_timer_at is {_iso(stored)}, the workflow's earliest timer {_iso(expected)}"]
    return []


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "none"


def check_all_cases(batch_size: int = 200) -> tuple[int, list[str]]:
    """Check every case, `batch_size` at a time, and return (cases checked, problems)."""
    problems: list[str] = []
    checked = 0
    last_id = 0
    while True:
        batch = list(db.session.scalars(
            sa.select(Case).where(Case.id > last_id).order_by(Case.id).limit(batch_size)
        ))
        if not batch:
            break
        for case in batch:
            problems.extend(check_case_consistency(case))
            checked += 1
        last_id = batch[-1].id
        db.session.expunge_all()
    db.session.rollback()
    return checked, problems
