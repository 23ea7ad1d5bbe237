"""Helpers for the web tests: declare a case through the HTML form and fill any task form with valid values."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

CASE_URL = re.compile(r"/cases/(\d+)$")

# Values that satisfy the identifier patterns of docs/forms.md.
PATTERN_SAMPLES = {
    "^[A-Z][0-9]{9}$": "J130012345",
    "^[A-Z]{1,2}[0-9]{1,6}$": "AB123456",
    "^[0-9]{24}$": "011780000012345678901234",
    "^\\+?[0-9 ]{9,15}$": "+212600000000",
}


def first_pupil_code(app, username: str) -> str:
    """Return the Massar code of the first pupil, by name, of a demo school user's school."""
    from storage import db
    from storage.models import Pupil, User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        pupil = db.session.scalar(sa.select(Pupil).where(Pupil.school_id == user.school_id)
                                  .order_by(Pupil.last_name, Pupil.first_name).limit(1))
        return pupil.massar_code


def declaration_data(pupil: str, **overrides) -> dict:
    """Return a complete, valid declaration as the HTML form posts it."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    data = {
        "pupil": pupil,
        "accident_date": yesterday,
        "accident_time": "10:30",
        "place": "Cour de récréation",
        "activity": "recess",
        "circumstances": "L'élève a glissé pendant la récréation.",
        "injury_nature": "Entorse",
        "body_part": "Cheville gauche",
        "first_aid": "first_aid_at_school",
        "guardian_notified": "true",
        "guardian_notified_at": f"{yesterday}T11:00",
        "severity": "minor",
        "several_victims": "false",
        "third_party_violence": "false",
        "road_accident": "false",
        "insured": "true",
        "insurance_receipt_number": "R-2026-0001",
        "supervisor_name": "M. Alaoui",
        "supervisor_function": "Surveillant",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def pdf_upload(content: bytes, name: str = "rapport.pdf"):
    return (io.BytesIO(content), name, "application/pdf")


def declare(browser, app, pdf: bytes, username: str = "ecole.demo", **overrides) -> int:
    """Declare an accident through the HTML form and return the new case's id."""
    data = declaration_data(first_pupil_code(app, username), **overrides)
    data["supervisor_report"] = pdf_upload(pdf)
    response = browser.post_form("/cases/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = CASE_URL.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def pending_tasks(app, case_id: int) -> list[tuple[str, str, str]]:
    """Return (task id, BPMN id, role) of the pending tasks of a case."""
    from storage import db
    from storage.models import PendingTask

    with app.app_context():
        rows = db.session.execute(sa.select(PendingTask.id, PendingTask.bpmn_id, PendingTask.role)
                                  .where(PendingTask.case_id == case_id).order_by(PendingTask.created_at))
        result = [tuple(row) for row in rows]
        db.session.remove()
        return result


def valid_value(field, pdf: bytes):
    """Return a value the HTML form would post for `field` that its schema accepts, or None to leave it out."""
    if field.kind == "hidden" or field.readonly:
        return None
    if field.kind == "file":
        return pdf_upload(pdf, f"{field.name}.pdf")
    if field.kind == "boolean":
        return "true"
    if field.kind == "choice":
        return field.options[0][0] if field.options else None
    if field.kind == "multichoice":
        return [field.options[0][0]] if field.options else None
    if field.kind == "date":
        return field.attributes.get("max") or field.attributes.get("min") or date.today().isoformat()
    if field.kind == "datetime":
        return datetime.now().strftime("%Y-%m-%dT%H:%M")
    if field.kind == "time":
        return "09:00"
    if field.kind in ("integer", "number"):
        return field.attributes.get("min") or "1"
    if field.kind == "email":
        return "tuteur@example.ma"
    pattern = field.attributes.get("pattern")
    if pattern:
        return PATTERN_SAMPLES.get(pattern)
    return "Texte de test"


def task_form_data(app, username: str, task_id: str, pdf: bytes) -> dict:
    """Build a valid submission for every field of a task's form, as it is served to `username`."""
    from engine.services import tasks
    from storage import db
    from storage.models import User

    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        view = tasks.open_task(user, task_id, "en")
        data = {}
        for field in view.form.fields:
            value = valid_value(field, pdf)
            if value is not None:
                data[field.name] = value
        db.session.remove()
    return data


def holder_username(role: str) -> str:
    """Return the demo account that holds a task of `role` on a case of ecole.demo's first pupil."""
    return {"school": "ecole.demo", "parent": "parent.demo", "province": "province.demo",
            "region": "region.demo", "central": "central.demo"}[role]


@pytest.fixture
def web_helpers():
    """Expose the helper functions to tests without importing this module by path."""

    class Helpers:
        declare = staticmethod(declare)
        declaration_data = staticmethod(declaration_data)
        first_pupil_code = staticmethod(first_pupil_code)
        pdf_upload = staticmethod(pdf_upload)
        pending_tasks = staticmethod(pending_tasks)
        task_form_data = staticmethod(task_form_data)
        holder_username = staticmethod(holder_username)

    return Helpers
