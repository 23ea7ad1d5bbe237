"""Declaring a case and reading it back: summary, timeline, current steps, documents and diagram."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

import forms
from engine import notices, workflow
from engine.errors import EngineError
from storage import db
from storage.db import insert_row
from storage.models import AuditEvent, Case, Document, PendingTask, Province, Pupil, School, User

from . import documents, reminders, steps, versions
from .errors import Forbidden, NotFound, ProcessFailure

log = logging.getLogger("sanad.engine")

DECLARING_ROLES = ("school",)


def start_form_name(bundle) -> str:
    """Return the form file named by the main process's start event."""
    name = workflow.start_form(bundle)
    if not name:
        raise NotFound("The deployed process has no declaration form on its start event.")
    return name


def form_context(bundle, locale: str, case_data: dict | None = None, options: dict | None = None) -> forms.FormContext:
    return forms.FormContext(
        case_data=case_data or {},
        today=steps.now().date(),
        options=options or {},
        translate=lambda text: bundle.translate(locale, text),
    )


def roster_options(user: User) -> list[tuple[str, str]]:
    pupils = db.session.execute(
        sa.select(Pupil.massar_code, Pupil.last_name, Pupil.first_name, Pupil.level)
        .where(Pupil.school_id == user.school_id).order_by(Pupil.last_name, Pupil.first_name)
    )
    return [(p.massar_code, f"{p.last_name} {p.first_name} ({p.massar_code}, {p.level})") for p in pupils]


def declaration_form(user: User, locale: str = "en"):
    """Return (version, bundle, form) of the declaration `user` may fill, its pupil list drawn from their school."""
    if user.role not in DECLARING_ROLES or user.school_id is None:
        raise Forbidden("Only a school can declare an accident.")
    version = versions.require_latest()
    bundle = versions.bundle_for(version)
    name = start_form_name(bundle)
    form = forms.Form.build_shared(bundle.form(name), _ui_schema(bundle, name),
                                   form_context(bundle, locale, options={"school_roster": roster_options(user)}),
                                   f"{bundle.sha256}:{locale}")
    return version, bundle, form


def _ui_schema(bundle, schema_name: str) -> dict | None:
    ui_name = schema_name.replace(".schema.json", ".uischema.json")
    return bundle.form(ui_name) if f"forms/{ui_name}" in bundle.files else None


def declare(user: User, raw: dict, *, locale: str = "en", keep_uploads_on_error: bool = True) -> Case:
    """Open a case from a declaration and run the process until it waits for someone.

    `raw` is what `forms.parse_html` or `forms.parse_json` returned. Raises InvalidData with every field error;
    uploads that were valid are kept (staged) so a corrected form need not send them again.
    """
    steps.begin_write()
    version, bundle, form = declaration_form(user, locale)
    data, errors = forms.validate(form, raw)
    uploads = documents.attach_files(user, form, data, None, "start", errors)
    if errors:
        raise documents.invalid_submission(form, raw, data, errors, uploads, keep=keep_uploads_on_error)

    found = db.session.execute(
        sa.select(Pupil, School.is_public, School.province_id, Province.region_id)
        .join(School, School.id == Pupil.school_id).join(Province, Province.id == School.province_id)
        .where(Pupil.massar_code == data.get("pupil"))
    ).first()
    if found is None or found.Pupil.school_id != user.school_id:
        errors = {"pupil": [gettext("Choose a pupil of your school.")]}
        raise documents.invalid_submission(form, raw, data, errors, uploads, keep=keep_uploads_on_error)
    pupil = found.Pupil
    accident_date = date.fromisoformat(data["accident_date"]) if data.get("accident_date") else steps.now().date()

    case = insert_row(Case, dict(
        reference=f"pending-{steps.now().timestamp()}-{user.id}",
        process_version_id=version.id, pupil_id=pupil.id, school_id=pupil.school_id, province_id=found.province_id,
        region_id=found.region_id, guardian_id=pupil.guardian_id, accident_date=accident_date,
        workflow="", engine_version=steps.ENGINE_VERSION, created_by_id=user.id, created_at=steps.now(),
        updated_at=steps.now(),
    ))
    steps.set_step_column(case, "reference", f"AS-{accident_date.year}-{case.id:06d}")
    # A new case has no audit event yet, so its first one chains to nothing, without a lookup.
    steps.set_step_column(case, "audit_head", "")
    documents.publish(uploads, case)

    start_data = {
        **data,
        "settings": bundle.settings,
        "case_reference": case.reference,
        "school_is_public": bool(found.is_public),
        "pupil_insured": bool(pupil.insured),
        "guardian_has_account": pupil.guardian_id is not None,
        "declared_at": steps.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    since = time.time()
    try:
        wf = workflow.start(bundle, start_data, script_engine=steps.script_engine())
        created = steps.save(case, bundle, wf)
    except EngineError as exc:
        db.session.rollback()
        log.error("declaration failed in the process", extra={"error": exc.code, "element": exc.element_id})
        raise ProcessFailure("The process could not start: %(detail)s", detail=exc.message) from exc
    steps.record(case, "case_declared", actor=user, bpmn_id="start", title="Declare the accident",
                 lane="School", details=summary(form, data))
    steps.notify_holders(case, created)
    reminders.apply(case, bundle, notices.collect(wf, since))
    steps.write_case(case)
    case_id, reference = case.id, case.reference
    db.session.commit()
    log.info("case declared", extra={"case_id": case_id, "reference": reference})
    return case


def summary(form, data: dict) -> dict:
    """Return the values of a submitted form worth showing in the timeline (everything but long free text)."""
    shown = {}
    for item in form.fields:
        if item.name in data and item.kind not in ("textarea", "hidden"):
            shown[item.name] = data[item.name]
    return shown


def get_case(user: User, case_id: int) -> Case:
    """Return a case `user` may see, or raise NotFound (a case outside the scope does not exist for them)."""
    from storage.queries import can_view_case

    # The pupil and the school come in the same query: every page and JSON document of a case names them.
    case = db.session.get(Case, case_id, options=[joinedload(Case.pupil), joinedload(Case.school)])
    if case is None or not can_view_case(user, case):
        raise NotFound("Case %(id)s was not found.", id=case_id)
    return case


@dataclass
class CaseView:
    case: Case
    bundle: object
    pending: list[PendingTask]
    timeline: list[AuditEvent]
    documents: list[Document]
    diagram: str
    completed_ids: list[str] = field(default_factory=list)
    current_ids: list[str] = field(default_factory=list)
    can_review: bool = False


def case_view(user: User, case_id: int) -> CaseView:
    """Gather what the case page shows, without loading the workflow."""
    case = get_case(user, case_id)
    bundle = versions.bundle_for(case.process_version)
    pending = list(db.session.scalars(
        sa.select(PendingTask).where(PendingTask.case_id == case.id).order_by(PendingTask.created_at)
    ))
    timeline = list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ))
    completed = [event.bpmn_id for event in timeline if event.kind == "task_completed" and event.bpmn_id]
    return CaseView(
        case=case, bundle=bundle, pending=pending, timeline=timeline, documents=documents.case_documents(case),
        diagram=workflow.diagram_xml(bundle), completed_ids=completed,
        current_ids=[task.bpmn_id for task in pending], can_review=documents.can_review(user, case),
    )


def case_json(view: CaseView) -> dict:
    """Render a case view as the JSON document of `GET /api/v1/cases/{id}`."""
    case = view.case
    return {
        "id": case.id,
        "reference": case.reference,
        "state": case.state,
        "status": case.status,
        "end_state": case.end_state,
        "pupil": {"massar_code": case.pupil.massar_code, "name": case.pupil.full_name},
        "school": {"code": case.school.code, "name": case.school.name_fr},
        "accident_date": case.accident_date.isoformat(),
        "created_at": case.created_at.isoformat(),
        "current_steps": [
            {"task_id": task.id, "name": task.bpmn_id, "title": task.title, "lane": task.lane, "role": task.role,
             "due_at": task.due_at.isoformat() if task.due_at else None}
            for task in view.pending
        ],
        "history": [
            {"at": event.at.isoformat(), "kind": event.kind, "name": event.bpmn_id, "title": event.title,
             "lane": event.lane, "actor_role": event.actor_role,
             "on_behalf_of_guardian": event.on_behalf_of_guardian, "details": event.details}
            for event in view.timeline
        ],
        "documents": [
            {"id": doc.id, "doc_type": doc.doc_type, "version": doc.version, "name": doc.original_name,
             "media_type": doc.media_type, "size": doc.size, "sha256": doc.sha256, "status": doc.status,
             "review_reason": doc.review_reason, "uploaded_at": doc.uploaded_at.isoformat()}
            for doc in view.documents
        ],
    }
