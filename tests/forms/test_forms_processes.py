"""Every form file deployed with the processes resolves and builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from form_samples import make_context

from forms import Form, validate

FORMS_DIR = Path(__file__).resolve().parents[2] / "processes" / "forms"
SCHEMAS = sorted(FORMS_DIR.glob("*.schema.json"))


def ui_schema_for(schema_path: Path) -> dict:
    ui_path = schema_path.with_name(schema_path.name.replace(".schema.json", ".uischema.json"))
    return json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.exists() else {}


@pytest.mark.skipif(not SCHEMAS, reason="processes/forms holds no form files yet")
@pytest.mark.parametrize("schema_path", SCHEMAS, ids=[path.name for path in SCHEMAS])
def test_process_form_builds(schema_path):
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    context = make_context(case_data={"accident_date": "2026-11-03"},
                           options={"school_roster": [("J130012345", "Amina Idrissi (J130012345)")]})

    form = Form.build(schema, ui_schema_for(schema_path), context)
    _, errors = validate(form, {})

    assert form.fields
    assert set(errors) <= {field.name for field in form.fields}
