"""Resolution of x-options-source, x-date-range and x-readonly-from into the served schema."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest
from form_samples import load_sample, make_context
from jsonschema import Draft202012Validator

from forms import FormSchemaError, resolve


def date_schema(date_range: dict, **extra) -> dict:
    return {
        "type": "object",
        "properties": {"day": {"type": "string", "format": "date", "title": "Day", "x-date-range": date_range, **extra}},
    }


@pytest.mark.parametrize(
    ("date_range", "minimum", "maximum"),
    [
        ({"max": "today"}, None, "2026-11-05"),
        ({"min": {"field": "accident_date"}}, "2026-11-03", None),
        ({"min": {"field": "accident_date"}, "max": {"field": "accident_date", "days": 10}}, "2026-11-03", "2026-11-13"),
        ({"min": {"field": "today", "days": -30}, "max": "today"}, "2026-10-06", "2026-11-05"),
        ({"min": "2026-09-01"}, "2026-09-01", None),
    ],
)
def test_date_range_becomes_concrete_bounds(date_range, minimum, maximum):
    prop = resolve(date_schema(date_range), make_context())["properties"]["day"]

    assert prop.get("formatMinimum") == minimum
    assert prop.get("formatMaximum") == maximum
    assert "x-date-range" not in prop


def test_date_range_states_bound_in_description():
    prop = resolve(
        date_schema({"max": {"field": "accident_date", "days": 10}}, description="As written."), make_context()
    )["properties"]["day"]

    assert prop["description"] == "As written. On or before 2026-11-13 (10 days after the accident)."


def test_date_range_reads_datetime_case_values():
    context = make_context(case_data={"accident_date": datetime(2026, 11, 2, 23, 30, tzinfo=UTC)})

    prop = resolve(date_schema({"min": {"field": "accident_date"}}), context)["properties"]["day"]

    # 23:30 UTC is already the next day in Casablanca (UTC+1 outside Ramadan).
    assert prop["formatMinimum"] == "2026-11-03"


def test_date_range_without_case_value_is_dropped():
    context = make_context(case_data={})

    prop = resolve(date_schema({"min": {"field": "accident_date"}, "max": "today"}), context)["properties"]["day"]

    assert "formatMinimum" not in prop
    assert prop["formatMaximum"] == "2026-11-05"


@pytest.mark.parametrize(
    "date_range",
    [{"max": "tomorrow"}, {"max": {"days": 3}}, {"max": {"field": "accident_date", "days": "3"}}, {"after": "today"}, []],
)
def test_date_range_rejects_malformed_spec(date_range):
    with pytest.raises(FormSchemaError):
        resolve(date_schema(date_range), make_context())


def test_date_range_on_non_date_field_rejected():
    schema = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time", "x-date-range": {"max": "today"}}}}

    with pytest.raises(FormSchemaError, match="format"):
        resolve(schema, make_context())


def test_roster_becomes_one_of():
    schema, _ = load_sample("accident_declaration")

    prop = resolve(schema, make_context())["properties"]["pupil"]

    assert prop["oneOf"] == [
        {"const": "J130012345", "title": "Amina Idrissi (J130012345)"},
        {"const": "K140054321", "title": "Youssef Alaoui (K140054321)"},
    ]
    assert "x-options-source" not in prop


def test_empty_roster_accepts_nothing():
    schema, _ = load_sample("accident_declaration")

    resolved = resolve(schema, make_context(options={"school_roster": []}))

    assert resolved["properties"]["pupil"]["enum"] == []
    Draft202012Validator.check_schema(resolved)


def test_missing_options_source_rejected():
    schema, _ = load_sample("accident_declaration")

    with pytest.raises(FormSchemaError, match="school_roster"):
        resolve(schema, make_context(options={}))


def test_readonly_from_sets_default():
    schema, _ = load_sample("medical_certificate")

    prop = resolve(schema, make_context(case_data={"accident_date": date(2026, 11, 3)}))["properties"]["accident_date"]

    assert prop["readOnly"] is True
    assert prop["default"] == "2026-11-03"
    assert "x-readonly-from" not in prop


def test_resolve_leaves_input_untouched():
    schema, _ = load_sample("medical_certificate")
    original = copy.deepcopy(schema)

    resolved = resolve(schema, make_context())

    assert schema == original
    assert resolved["properties"]["certificate"]["x-document-type"] == "initial_medical_certificate"


@pytest.mark.parametrize("name", ["accident_declaration", "medical_certificate", "compensation"])
def test_resolved_sample_is_valid_schema(name):
    schema, _ = load_sample(name)

    Draft202012Validator.check_schema(resolve(schema, make_context()))
