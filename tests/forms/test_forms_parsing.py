"""Reading HTML form submissions (MultiDict or dict of lists) into typed values."""

from __future__ import annotations

import io

import pytest
from form_samples import make_context
from werkzeug.datastructures import FileStorage, MultiDict

from forms import Form, UploadedFile, parse_html, parse_json, validate


def form_of(prop: dict, ui: dict | None = None, required: bool = False, **context) -> Form:
    schema = {"type": "object", "properties": {"value": {"title": "Value", **prop}}}
    if required:
        schema["required"] = ["value"]
    return Form.build(schema, {"value": ui} if ui else {}, make_context(**context))


INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
TEXT = {"type": "string"}
CHOICE_INT = {"type": "integer", "oneOf": [{"const": 1, "title": "One"}, {"const": 2, "title": "Two"}]}


@pytest.mark.parametrize(
    ("prop", "ui", "submitted", "expected"),
    [
        (TEXT, None, "  Amina  ", "Amina"),
        (TEXT, {"ui:widget": "textarea"}, "line one\r\nline two", "line one\nline two"),
        (INTEGER, None, "12", 12),
        (INTEGER, None, "12.0", 12),
        (INTEGER, None, "1 200", 1200),
        (INTEGER, None, "-3", -3),
        (INTEGER, None, "12,5", "12,5"),
        (INTEGER, None, "douze", "douze"),
        (NUMBER, None, "12,5", 12.5),
        (NUMBER, None, "12.5", 12.5),
        (NUMBER, None, ",5", 0.5),
        (NUMBER, None, "1\u00a0234,75", 1234.75),
        (NUMBER, None, "7", 7),
        (NUMBER, None, "1e3", "1e3"),
        (DATE, None, "2026-11-03", "2026-11-03"),
        (DATE, None, "03/11/2026", "2026-11-03"),
        (DATE, None, "31/02/2026", "31/02/2026"),
        (DATE_TIME, None, "2026-11-03T10:15", "2026-11-03T10:15:00+01:00"),
        (DATE_TIME, None, "2026-11-03T10:15:30", "2026-11-03T10:15:30+01:00"),
        (DATE_TIME, None, "2026-11-03T10:15Z", "2026-11-03T10:15:00+00:00"),
        (DATE_TIME, None, "2026-11-03 at ten", "2026-11-03 at ten"),
        (CHOICE_INT, None, "2", 2),
        (CHOICE_INT, None, "3", "3"),
        ({"type": "boolean"}, {"ui:widget": "radio"}, "false", False),
        ({"type": "boolean"}, {"ui:widget": "radio"}, "true", True),
        ({"type": "boolean"}, None, "on", True),
        ({"type": "boolean"}, None, "true", True),
        ({"type": "integer"}, {"ui:widget": "hidden"}, "7", 7),
    ],
)
def test_html_string_coerced(prop, ui, submitted, expected):
    form = form_of(prop, ui)

    data = parse_html(form, MultiDict({"value": submitted}))

    assert data == {"value": expected}
    assert type(data["value"]) is type(expected)


def test_datetime_local_uses_ramadan_offset():
    # The tz database puts Morocco on UTC+0 during Ramadan, which covers 2026-02-20.
    form = form_of(DATE_TIME)

    assert parse_html(form, {"value": ["2026-02-20T09:00"]}) == {"value": "2026-02-20T09:00:00+00:00"}


def test_datetime_local_uses_context_timezone():
    form = form_of(DATE_TIME, timezone="Europe/Paris")

    assert parse_html(form, {"value": ["2026-07-01T09:00"]}) == {"value": "2026-07-01T09:00:00+02:00"}


@pytest.mark.parametrize("prop", [TEXT, INTEGER, NUMBER, DATE, CHOICE_INT])
@pytest.mark.parametrize("submitted", ["", "   "])
def test_empty_string_is_absent(prop, submitted):
    assert parse_html(form_of(prop), MultiDict({"value": submitted})) == {}


def test_unchecked_optional_checkbox_is_false():
    assert parse_html(form_of({"type": "boolean"}), MultiDict()) == {"value": False}


def test_unchecked_required_checkbox_is_false():
    assert parse_html(form_of({"type": "boolean"}, required=True), MultiDict()) == {"value": False}


def test_unchecked_box_that_must_be_ticked_fails_validation():
    form = form_of({"type": "boolean", "const": True}, required=True)

    _, errors = validate(form, parse_html(form, MultiDict()))

    assert errors == {"value": ["Tick this box to continue."]}


def test_unanswered_radio_boolean_is_absent():
    assert parse_html(form_of({"type": "boolean"}, {"ui:widget": "radio"}), MultiDict()) == {}


def test_multichoice_reads_every_box(build):
    form = build("accident_declaration")
    values = MultiDict([("injuries", "fracture"), ("injuries", "wound"), ("injuries", "")])

    assert parse_html(form, values)["injuries"] == ["fracture", "wound"]


def test_multichoice_accepts_dict_of_lists(build):
    assert parse_html(build("accident_declaration"), {"injuries": ["burn"]})["injuries"] == ["burn"]


def test_multichoice_without_boxes_is_empty_list(build):
    assert parse_html(build("accident_declaration"), {})["injuries"] == []


def test_unknown_and_readonly_inputs_ignored(build):
    form = build("medical_certificate")

    data = parse_html(form, MultiDict({"accident_date": "1999-01-01", "intruder": "x", "doctor_name": "Dr Benali"}))

    assert data == {"doctor_name": "Dr Benali"}


def test_file_storage_becomes_uploaded_file(build):
    form = build("medical_certificate")
    files = MultiDict({"certificate": FileStorage(io.BytesIO(b"%PDF-1.7"), filename="C:\\scans\\certificat.pdf",
                                                  content_type="application/pdf")})

    data = parse_html(form, MultiDict({"certificate__existing": "document:7"}), files)

    assert data["certificate"] == UploadedFile("certificat.pdf", b"%PDF-1.7", "application/pdf")


def test_existing_document_kept_without_new_file(build):
    form = build("medical_certificate")
    files = MultiDict({"certificate": FileStorage(io.BytesIO(b""), filename="", content_type="application/octet-stream")})

    data = parse_html(form, MultiDict({"certificate__existing": "document:7"}), files)

    assert data["certificate"] == "document:7"


def test_no_file_and_no_existing_is_absent(build):
    assert "certificate" not in parse_html(build("medical_certificate"), MultiDict(), MultiDict())


def test_parse_json_drops_empty_and_unknown(build):
    form = build("compensation")

    data = parse_json(form, {"notes": "", "rib": None, "extra": 1, "amount": 12.5, "guardian_cin": "AB123"})

    assert data == {"amount": 12.5, "guardian_cin": "AB123"}


def test_parse_json_rejects_non_object(build):
    from forms import FormDataError

    with pytest.raises(FormDataError):
        parse_json(build("compensation"), ["amount", 1])
