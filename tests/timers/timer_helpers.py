"""Steps shared by the timer tests: declare a case, move it to a step, read its notifications, capture e-mail."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import sqlalchemy as sa

SCHOOL = "ecole.demo"
# Monday 2 November 2026, 08:00 UTC: every test that freezes the clock starts here.
START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def declaration_payload(pupil_code: str, accident_at: datetime, **overrides) -> dict:
    """Return the JSON data of a minor, insured classroom accident at `accident_at` (UTC)."""
    data = {
        "pupil": pupil_code,
        "accident_date": accident_at.date().isoformat(),
        "accident_time": accident_at.strftime("%H:%M"),
        "place": "Classroom 4",
        "activity": "classroom",
        "circumstances": "The pupil slipped on a wet floor.",
        "injury_nature": "Sprain",
        "body_part": "Left ankle",
        "first_aid": "first_aid_at_school",
        "guardian_notified": False,
        "severity": "minor",
        "several_victims": False,
        "third_party_violence": False,
        "road_accident": False,
        "insured": True,
        "supervisor_name": "Amina Idrissi",
        "supervisor_function": "Teacher",
    }
    data.update(overrides)
    return data


def user_named(username: str):
    from storage import db
    from storage.models import User

    return db.session.scalar(sa.select(User).where(User.username == username))


def guarded_pupil_code(school_user) -> str:
    """Return the Massar code of a pupil of the school whose guardian has an account."""
    from storage import db
    from storage.models import Pupil

    return db.session.scalar(
        sa.select(Pupil.massar_code).where(Pupil.school_id == school_user.school_id, Pupil.guardian_id.is_not(None))
        .order_by(Pupil.id).limit(1)
    )


def declare(accident_at: datetime, **overrides) -> int:
    """Declare an accident as the demo school through the service layer and return the case id."""
    import forms
    from engine.services import cases
    from storage import db

    school = user_named(SCHOOL)
    _version, _bundle, form = cases.declaration_form(school)
    raw = forms.parse_json(form, declaration_payload(guarded_pupil_code(school), accident_at, **overrides))
    case = cases.declare(school, raw)
    case_id = case.id
    db.session.remove()
    return case_id


def pending(case_id: int) -> dict[str, str]:
    """Return the pending tasks of a case as BPMN id → task id."""
    from storage import db
    from storage.models import PendingTask

    rows = db.session.execute(sa.select(PendingTask.bpmn_id, PendingTask.id).where(PendingTask.case_id == case_id))
    return {bpmn_id: task_id for bpmn_id, task_id in rows}


def complete_step(case_id: int, bpmn_id: str, data: dict | None = None) -> None:
    """Complete a pending step with engine-level data, as the holder's form would (forms are tested elsewhere)."""
    from engine import workflow
    from engine.services import steps
    from storage import db

    task_id = pending(case_id).get(bpmn_id)
    assert task_id is not None, f"{bpmn_id} is not pending; pending: {sorted(pending(case_id))}"
    case = steps.lock_case(case_id)
    bundle, wf = steps.load(case)
    workflow.complete(bundle, wf, task_id, data or {})
    created = steps.save(case, bundle, wf)
    steps.notify_holders(case, created)
    steps.write_case(case)
    db.session.commit()
    db.session.remove()


def walk(case_id: int, path: list[tuple[str, dict]]) -> None:
    for bpmn_id, data in path:
        complete_step(case_id, bpmn_id, data)


# Steps from the declaration to the file check, for a minor accident of an insured pupil.
TO_CONTROL = [
    ("T2_Finalise", {}),
    ("T3_ParentDocs", {}),
    ("T4_Healing", {"ipp_rate": 0}),
    ("T5_Submit", {}),
]
TO_PARENT_COMPLETION = TO_CONTROL + [
    ("T6_Control", {"control_decision": "incomplete", "return_to": "parent",
                    "missing_documents": ["medical_certificate"]}),
]
TO_PARENT_REACTION = TO_CONTROL + [
    ("T6_Control", {"control_decision": "complete"}),
    ("T7_ToInsurer", {}),
    ("T_InsurerAnswer", {"insurer_outcome": "paid"}),
    ("T8_RecordSettlement", {}),
]


def case_row(case_id: int):
    from storage import db
    from storage.models import Case

    db.session.expire_all()
    return db.session.get(Case, case_id)


def notices(case_id: int, kinds=("reminder", "escalation", "alert")) -> list[tuple[str, str, dict]]:
    """Return (username, kind, params) of the notifications of a case, oldest first."""
    from storage import db
    from storage.models import Notification, User

    rows = db.session.execute(
        sa.select(User.username, Notification.kind, Notification.params).join(User, User.id == Notification.user_id)
        .where(Notification.case_id == case_id, Notification.kind.in_(kinds)).order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CapturingHandler:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class RejectingHandler:
    """An aiosmtpd handler that rejects every message with a permanent error."""

    def __init__(self):
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        return "550 Mailbox unavailable"


def start_smtp(handler):
    """Start an SMTP server on a free loopback port and return its controller."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), loop=asyncio.new_event_loop())
    controller.start()
    return controller


def body_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def later(days: float = 0, hours: float = 0, seconds: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours, seconds=seconds)
