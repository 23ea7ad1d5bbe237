"""Validation: every error at once, each with a short message of our own, and clean typed data."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from form_samples import make_context

from forms import Form, UploadedFile, parse_html, validate

VALID_COMPENSATION = {
    "guardian_cin": "AB123456",
    "payment_method": "cheque",
    "amount": 1500.75,
    "documents_checked": True,
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"guardian_cin": "ab12"}, "guardian_cin",
         "Enter a CIN: one or two capital letters and up to six digits, such as AB123456."),
        ({"pupil_massar": "J13001234"}, "pupil_massar",
         "Enter a Massar code: one capital letter and nine digits, such as J130012345."),
        ({"rib": "0123 4567"}, "rib", "Enter a RIB of 24 digits."),
        ({"payment_method": "cash"}, "payment_method", "Choose one of the listed options."),
        ({"amount": 0}, "amount", "Enter a value greater than 0."),
        ({"amount": 100000.01}, "amount", "Enter a value of at most 100000."),
        ({"amount": 12.345}, "amount", "Enter a multiple of 0.01."),
        ({"amount": "douze"}, "amount", "Enter a number, such as 12.5."),
        ({"hospital_days": 2.5}, "hospital_days", "Enter a whole number."),
        ({"hospital_days": -1}, "hospital_days", "Enter a value of at least 0."),
        ({"hospital_days": True}, "hospital_days", "Enter a whole number."),
        ({"decided_on": "2026-11-02"}, "decided_on", "The date must be on or after 2026-11-03 (the day of the accident)."),
        ({"decided_on": "2026-11-06"}, "decided_on", "The date must be on or before 2026-11-05 (today)."),
        ({"decided_on": "2026-13-01"}, "decided_on", "Enter a valid date as YYYY-MM-DD, such as 2026-11-03."),
        ({"documents_checked": False}, "documents_checked", "Tick this box to continue."),
        ({"documents_checked": "maybe"}, "documents_checked", "Choose yes or no."),
        ({"notes": "x" * 501}, "notes", "Enter at most 500 characters."),
        ({"notes": 12}, "notes", "Enter text."),
    ],
)
def test_invalid_value_names_field(build, changes, field, message):
    form = build("compensation")

    _, errors = validate(form, {**VALID_COMPENSATION, **changes})

    assert errors == {field: [message]}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"injuries": ["fracture", "fracture"]}, "injuries", "Choose each option only once."),
        ({"injuries": ["fracture", "sprain"]}, "injuries", "Choose options from the list."),
        ({"injuries": ["fracture", "wound", "burn", "other"]}, "injuries", "Choose at most 3 options."),
        ({"pupil": "Z999999999"}, "pupil", "Choose one of the listed options."),
        ({"accident_time": "25:00"}, "accident_time", "Enter a valid time as HH:MM, such as 10:15."),
        ({"guardian_email": "amina.example.ma"}, "guardian_email", "Enter a valid e-mail address, such as name@example.ma."),
        ({"guardian_phone": "06-12-34"}, "guardian_phone",
         "Enter a telephone number of 9 to 15 digits, optionally starting with +."),
        ({"witness_count": "3,5"}, "witness_count", "Enter a whole number."),
        ({"description": "Fell."}, "description", "Enter at least 10 characters."),
        ({"accident_date": "2026-10-05"}, "accident_date",
         "The date must be on or after 2026-10-06 (30 days before today)."),
    ],
)
def test_declaration_invalid_value(build, data, field, message):
    base = {"pupil": "J130012345", "accident_date": "2026-11-03", "place": "playground",
            "description": "Fell from the climbing frame."}

    _, errors = validate(build("accident_declaration"), {**base, **data})

    assert errors == {field: [message]}


def test_all_errors_reported_at_once(build):
    form = build("accident_declaration")

    _, errors = validate(form, {"witness_count": "x", "guardian_email": "no"})

    assert list(errors) == ["pupil", "accident_date", "place", "description", "witness_count", "guardian_email"]
    assert errors["pupil"] == ["Choose an option."]
    assert errors["accident_date"] == ["This field is required."]


def test_conditional_requirement_applies(build):
    form = build("accident_declaration")
    base = {"pupil": "J130012345", "accident_date": "2026-11-03", "place": "playground",
            "description": "Fell from the climbing frame."}

    _, errors_when_hospitalised = validate(form, {**base, "hospitalised": True})
    _, errors_when_not = validate(form, {**base, "hospitalised": False})

    assert errors_when_hospitalised == {"hospital_name": ["This field is required when Hospitalised is Yes."]}
    assert errors_when_not == {}


def test_conditional_requirement_on_choice(build):
    _, errors = validate(build("compensation"), {**VALID_COMPENSATION, "payment_method": "transfer"})

    assert errors == {"rib": ["This field is required when Payment method is Bank transfer."]}


def test_date_range_bound_from_accident(build):
    form = build("medical_certificate")
    base = {"certificate": "document:1", "doctor_name": "Dr Benali"}

    _, late = validate(form, {**base, "certificate_date": "2026-11-14"})
    _, last_day = validate(form, {**base, "certificate_date": "2026-11-13"})
    _, early = validate(form, {**base, "certificate_date": "2026-11-02"})

    assert late == {"certificate_date": ["The date must be on or before 2026-11-13 (10 days after the accident)."]}
    assert last_day == {}
    assert early == {"certificate_date": ["The date must be on or after 2026-11-03 (the day of the accident)."]}


def test_clean_data_is_typed(build):
    form = build("medical_certificate")
    values = {"certificate_date": ["2026-11-04"], "certificate__existing": ["document:9"], "itt_days": ["21"],
              "ipp_rate": ["12,5"], "doctor_name": ["Dr Benali"], "examined_at": ["2026-11-03T18:40"],
              "reference": ["REF-1"], "accident_date": ["1999-01-01"], "unknown": ["x"]}

    clean, errors = validate(form, parse_html(form, values))

    assert errors == {}
    assert clean == {"accident_date": "2026-11-03", "certificate_date": "2026-11-04", "certificate": "document:9",
                     "itt_days": 21, "ipp_rate": 12.5, "doctor_name": "Dr Benali",
                     "examined_at": "2026-11-03T18:40:00+01:00", "reference": "REF-1"}


def test_unknown_fields_dropped(build):
    clean, errors = validate(build("compensation"), {**VALID_COMPENSATION, "is_admin": True})

    assert errors == {}
    assert "is_admin" not in clean


def test_readonly_forced_to_case_value(build):
    clean, _ = validate(build("medical_certificate"), {"accident_date": "2020-01-01"})

    assert clean["accident_date"] == "2026-11-03"


def test_readonly_without_case_value_left_out(build):
    form = build("medical_certificate", make_context(case_data={}))

    clean, errors = validate(form, {"accident_date": "2020-01-01"})

    assert "accident_date" not in clean
    assert "accident_date" not in errors


def test_json_strings_coerced(build):
    clean, errors = validate(build("compensation"), {**VALID_COMPENSATION, "amount": "1 500,75",
                                                     "hospital_days": "4", "documents_checked": "true"})

    assert errors == {}
    assert clean["amount"] == 1500.75
    assert clean["hospital_days"] == 4
    assert clean["documents_checked"] is True


@pytest.mark.parametrize("amount", [12.07, 0.01, 99999.99, 1500.1, 3])
def test_decimal_multiple_of_accepted(build, amount):
    _, errors = validate(build("compensation"), {**VALID_COMPENSATION, "amount": amount})

    assert errors == {}


def test_empty_upload_rejected(build):
    data = {"certificate_date": "2026-11-04", "doctor_name": "Dr Benali", "certificate": UploadedFile("a.pdf", b"")}

    _, errors = validate(build("medical_certificate"), data)

    assert errors == {"certificate": ["The file a.pdf is empty; choose the scanned document again."]}


def test_upload_limit_follows_setting(app, build, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 2 * 1024 * 1024 + 512 * 1024)
    upload = UploadedFile("scan.pdf", b"%PDF" + b"0" * (3 * 1024 * 1024), "application/pdf")

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        _, errors = validate(build("medical_certificate"),
                             {"certificate_date": "2026-11-04", "doctor_name": "Dr Benali", "certificate": upload})

    # The limit comes from the setting, in the French number format.
    assert errors == {"certificate": ["Le fichier scan.pdf dépasse la limite de 2,5 Mio ; numérisez-le avec une "
                                      "résolution plus basse."]}


def test_oversized_upload_rejected(build):
    upload = UploadedFile("scan.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "application/pdf")

    clean, errors = validate(build("medical_certificate"),
                             {"certificate_date": "2026-11-04", "doctor_name": "Dr Benali", "certificate": upload})

    assert errors == {"certificate": ["The file scan.pdf is larger than the 10 MiB limit; scan it at a lower "
                                      "resolution."]}
    assert clean["certificate"] is upload


def test_missing_file_message(build):
    _, errors = validate(build("medical_certificate"), {"certificate_date": "2026-11-04", "doctor_name": "Dr Benali"})

    assert errors == {"certificate": ["Upload a file."]}


def test_messages_work_inside_app_context(build):
    app = Flask(__name__)
    Babel(app)
    form = build("compensation")

    with app.test_request_context():
        _, errors = validate(form, {**VALID_COMPENSATION, "rib": "12"})

    assert errors == {"rib": ["Enter a RIB of 24 digits."]}


def test_messages_are_plain_strings(build):
    _, errors = validate(build("accident_declaration"), {})

    assert all(type(message) is str for messages in errors.values() for message in messages)


def test_missing_boolean_asks_yes_no(context):
    schema = {"type": "object", "required": ["road_accident"],
              "properties": {"road_accident": {"type": "boolean", "title": "Road accident", "default": False}}}
    form = Form.build(schema, None, context)

    _, errors = validate(form, {})

    # A plain checkbox left out of a JSON submission is a missing value, not a box that must be ticked.
    assert errors == {"road_accident": ["Choose yes or no."]}
