"""The field model: kinds, display order, fieldsets, translated labels and HTML attributes."""

from __future__ import annotations

import pytest
from form_samples import load_sample, make_context

from forms import FIELD_TYPES, Field, Form, FormSchemaError


def test_kinds_of_sample_fields(build):
    form = build("accident_declaration")

    kinds = {field.name: field.kind for field in form.fields}

    assert kinds == {
        "pupil": "choice", "accident_date": "date", "accident_time": "time", "place": "choice",
        "description": "textarea", "injuries": "multichoice", "witness_count": "integer", "hospitalised": "boolean",
        "hospital_name": "text", "guardian_email": "email", "guardian_phone": "text", "supervisor_report": "file",
    }


def test_every_kind_registered():
    assert set(FIELD_TYPES) == {"text", "textarea", "integer", "number", "boolean", "date", "datetime", "time",
                                "email", "choice", "multichoice", "file", "hidden"}


def test_fieldsets_group_in_listed_order(build):
    form = build("accident_declaration")

    groups = [(fieldset.title, [field.name for field in fieldset.fields]) for fieldset in form.fieldsets]

    assert groups == [
        ("Pupil", ["pupil"]),
        ("Circumstances", ["accident_date", "accident_time", "place", "description"]),
        ("", ["injuries", "witness_count", "hospitalised", "hospital_name", "guardian_email", "guardian_phone",
              "supervisor_report"]),
    ]
    assert [field.name for field in form.fields][:5] == ["pupil", "accident_date", "accident_time", "place",
                                                         "description"]


def test_order_star_places_remaining_fields(build):
    form = build("medical_certificate")

    assert [field.name for field in form.fields] == ["accident_date", "certificate_date", "certificate", "itt_days",
                                                     "ipp_rate", "doctor_name", "examined_at", "reference"]
    assert [fieldset.title for fieldset in form.fieldsets] == [""]


@pytest.mark.parametrize(
    ("ui_schema", "message"),
    [
        ({"ui:order": ["nope", "*"]}, "nope"),
        ({"ui:order": ["certificate"]}, "leaves out"),
        ({"ui:fieldsets": [{"title": "A", "fields": ["ghost"]}]}, "ghost"),
        ({"ui:fieldsets": [{"fields": ["doctor_name"]}, {"fields": ["doctor_name"]}]}, "two groups"),
        ({"doctor_name": {"ui:widget": "colour-picker"}}, "unknown ui:widget"),
    ],
)
def test_broken_ui_schema_rejected(ui_schema, message):
    schema, _ = load_sample("medical_certificate")

    with pytest.raises(FormSchemaError, match=message):
        Form.build(schema, ui_schema, make_context())


def test_invalid_json_schema_rejected():
    schema = {"type": "object", "properties": {"age": {"type": "integer", "minimum": "ten"}}}

    with pytest.raises(FormSchemaError, match="minimum"):
        Form.build(schema, {}, make_context())


def test_labels_translated(build):
    french = {"Place": "Lieu", "Playground": "Cour de récréation", "Pupil": "Élève", "Hospital": "Hôpital",
              "Hospitalised": "Hospitalisé", "Describe the circumstances in a few sentences.": "Décrivez les faits.",
              "In the playground, during the break…": "Dans la cour, pendant la récréation…"}
    form = build("accident_declaration", make_context(translate=lambda text: french.get(text, text)))

    assert form.field("place").title == "Lieu"
    assert ("playground", "Cour de récréation") in form.field("place").options
    assert form.field("description").help == "Décrivez les faits."
    assert form.field("description").placeholder == "Dans la cour, pendant la récréation…"
    assert form.fieldsets[0].title == "Élève"
    assert form.field("hospital_name").conditional_required == "Required when Hospitalisé is Yes."
    # The served schema stays in English.
    assert form.resolved["properties"]["place"]["title"] == "Place"


def test_roster_labels_not_translated(build):
    form = build("accident_declaration", make_context(translate=lambda text: text.upper()))

    assert form.field("pupil").options[0] == ("J130012345", "Amina Idrissi (J130012345)")


def test_html_attributes(build):
    certificate = build("medical_certificate")
    compensation = build("compensation")

    assert certificate.field("certificate_date").attributes == {"min": "2026-11-03", "max": "2026-11-13"}
    assert certificate.field("certificate_date").max == "2026-11-13"
    assert certificate.field("ipp_rate").attributes == {"min": "0", "max": "100", "step": "0.5"}
    assert certificate.field("doctor_name").attributes == {"minlength": "2", "maxlength": "120"}
    assert "application/pdf" in certificate.field("certificate").attributes["accept"]
    assert compensation.field("rib").attributes == {"pattern": "^[0-9]{24}$"}


def test_field_properties(build):
    form = build("medical_certificate")

    assert form.field("accident_date").readonly is True
    assert form.field("certificate").document_type == "initial_medical_certificate"
    assert form.field("certificate").required is True
    assert form.field("reference").kind == "hidden"
    assert form.field("certificate_date").help == (
        "As written on the certificate. On or after 2026-11-03 (the day of the accident). "
        "On or before 2026-11-13 (10 days after the accident)."
    )


def test_boolean_radio_options(build):
    schema = {"type": "object", "properties": {"insured": {"type": "boolean", "title": "Insured"}}}

    form = Form.build(schema, {"insured": {"ui:widget": "radio"}}, make_context())

    assert form.field("insured").options == [("true", "Yes"), ("false", "No")]
    assert form.field("insured").widget == "radio"


def test_new_kind_registers_without_other_changes():
    from forms.fields import register

    class ColourField(Field):
        kind = "colour"
        priority = 50

        @classmethod
        def matches(cls, prop, ui):
            return prop.get("format") == "color"

    register(ColourField)
    try:
        schema = {"type": "object", "properties": {"tint": {"type": "string", "format": "color"}}}
        assert Form.build(schema, {}, make_context()).field("tint").kind == "colour"
    finally:
        del FIELD_TYPES["colour"]
