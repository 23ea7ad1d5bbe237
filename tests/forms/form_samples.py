"""Sample form files and a context with a fixed date, shared by the forms tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from forms import FormContext

DATA = Path(__file__).resolve().parent.parent / "data" / "forms"
SAMPLE_FORMS = ("accident_declaration", "medical_certificate", "compensation")
TODAY = date(2026, 11, 5)
ROSTER = [("J130012345", "Amina Idrissi (J130012345)"), ("K140054321", "Youssef Alaoui (K140054321)")]


def load_sample(name: str) -> tuple[dict, dict]:
    """Return the schema and UI schema of a sample form under tests/data/forms/."""
    schema = json.loads((DATA / f"{name}.schema.json").read_text(encoding="utf-8"))
    ui_path = DATA / f"{name}.uischema.json"
    ui_schema = json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.exists() else {}
    return schema, ui_schema


def make_context(**overrides) -> FormContext:
    """Return a context on 2026-11-05 for an accident on 2026-11-03 at a school with two pupils."""
    values = {
        "case_data": {"accident_date": "2026-11-03"},
        "today": TODAY,
        "options": {"school_roster": list(ROSTER)},
    }
    values.update(overrides)
    return FormContext(**values)
