"""The random data generator against every form file of processes/forms, resolved and validated by `forms`."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from schema_data import format_bound_errors, random_object

import forms

FORMS_DIR = Path(__file__).resolve().parents[2] / "processes" / "forms"
SCHEMA_FILES = sorted(FORMS_DIR.glob("*.schema.json"))
TODAY = date(2026, 12, 4)
ROSTER = [("J130012345", "Alaoui Sara"), ("J130012346", "Bennani Omar")]
# Values that earlier steps would have stored, for x-date-range anchors and x-readonly-from fields.
CASE_DATA = {"accident_date": "2026-11-20", "missing_documents": "Initial medical certificate",
             "control_comment": "Certificate unreadable", "requested_documents": "Hospital report"}


@pytest.fixture(scope="module")
def babel_app():
    app = Flask(__name__)
    Babel(app)
    return app


def _ui_schema(schema_file: Path) -> dict:
    ui_file = schema_file.with_name(schema_file.name.replace(".schema.json", ".uischema.json"))
    return json.loads(ui_file.read_text()) if ui_file.exists() else {}


@pytest.mark.skipif(not SCHEMA_FILES, reason="processes/forms holds no form file")
@pytest.mark.parametrize("schema_file", SCHEMA_FILES, ids=lambda path: path.name.removesuffix(".schema.json"))
@pytest.mark.parametrize("seed", range(20))
def test_random_data_passes_form_validation(babel_app, schema_file, seed):
    context = forms.FormContext(case_data=CASE_DATA, today=TODAY, options={"school_roster": ROSTER})
    with babel_app.test_request_context():
        form = forms.Form.build(json.loads(schema_file.read_text()), _ui_schema(schema_file), context)
        data = random_object(form.resolved, random.Random(seed), TODAY)
        assert format_bound_errors(form.resolved, data) == []

        _, errors = forms.validate(form, forms.parse_json(form, data))

    assert errors == {}, data
