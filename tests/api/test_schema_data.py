"""The random data generator: whatever it draws must be valid against the schema it was given."""

from __future__ import annotations

import base64
import random
import re
from datetime import date

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from schema_data import (
    PDF_DATA_URL,
    GenerationError,
    RegexGenerator,
    format_bound_errors,
    random_object,
)

TODAY = date(2026, 12, 4)

SAMPLE_FORM = {
    "type": "object",
    "properties": {
        "pupil": {"type": "string", "title": "Pupil",
                  "oneOf": [{"const": "J130012345", "title": "A"}, {"const": "J130012346", "title": "B"}]},
        "accident_date": {"type": "string", "format": "date", "formatMaximum": "2026-12-04"},
        "certificate_date": {"type": "string", "format": "date", "formatMinimum": "2026-11-30",
                             "formatMaximum": "2026-12-10"},
        "accident_time": {"type": "string", "format": "time"},
        "reported_at": {"type": "string", "format": "date-time"},
        "place": {"type": "string", "enum": ["classroom", "playground", "gym"]},
        "activities": {"type": "array", "uniqueItems": True,
                       "items": {"type": "string", "oneOf": [{"const": "pe"}, {"const": "break"},
                                                             {"const": "lab"}]}},
        "description": {"type": "string", "minLength": 20, "maxLength": 400},
        "massar_code": {"type": "string", "pattern": "^[A-Z][0-9]{9}$"},
        "guardian_cin": {"type": "string", "pattern": "^[A-Z]{1,2}[0-9]{1,6}$"},
        "rib": {"type": "string", "pattern": "^[0-9]{24}$"},
        "telephone": {"type": "string", "pattern": "^\\+?[0-9 ]{9,15}$"},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "days_off": {"type": "integer", "minimum": 0, "maximum": 365},
        "amount": {"type": "number", "minimum": 0, "maximum": 50000, "multipleOf": 0.01},
        "hospitalised": {"type": "boolean"},
        "hospital_name": {"type": "string", "maxLength": 200},
        "decision": {"type": "string", "oneOf": [{"const": "complete"}, {"const": "incomplete"}]},
        "missing": {"type": "array", "uniqueItems": True,
                    "items": {"type": "string", "oneOf": [{"const": "report"}, {"const": "certificate"}]}},
        "certificate": {"type": "string", "format": "data-url", "x-document-type": "initial_medical_certificate"},
        "case_reference": {"type": "string", "readOnly": True, "default": "AS-2026-000001"},
    },
    "required": ["pupil", "accident_date", "description", "certificate"],
    "allOf": [{"if": {"properties": {"hospitalised": {"const": True}}, "required": ["hospitalised"]},
               "then": {"required": ["hospital_name"]}},
              {"if": {"properties": {"decision": {"const": "incomplete"}}, "required": ["decision"]},
               "then": {"required": ["missing"], "properties": {"missing": {"minItems": 1}}}}],
}


@pytest.mark.parametrize("seed", range(40))
def test_random_object_valid(seed):
    data = random_object(SAMPLE_FORM, random.Random(seed), TODAY)

    errors = [error.message for error in Draft202012Validator(SAMPLE_FORM, format_checker=FormatChecker())
              .iter_errors(data)]
    assert errors == []
    assert format_bound_errors(SAMPLE_FORM, data) == []
    assert "case_reference" not in data
    if data.get("hospitalised") is True:
        assert "hospital_name" in data
    if data.get("decision") == "incomplete":
        assert data["missing"]


def test_random_object_same_seed_same_data():
    first = random_object(SAMPLE_FORM, random.Random(7), TODAY)
    second = random_object(SAMPLE_FORM, random.Random(7), TODAY)
    assert first == second


def test_random_object_optional_fields_vary():
    drawn = [set(random_object(SAMPLE_FORM, random.Random(seed), TODAY)) for seed in range(30)]
    assert set.union(*drawn) - set.intersection(*drawn), "optional fields are always or never drawn"


def test_pdf_data_url_decodes_to_pdf():
    header, _, body = PDF_DATA_URL.partition(",")
    assert header.startswith("data:application/pdf")
    assert base64.b64decode(body).startswith(b"%PDF-")


@pytest.mark.parametrize("pattern", [
    "^[A-Z][0-9]{9}$",
    "^[A-Z]{1,2}[0-9]{1,6}$",
    "^[0-9]{24}$",
    "^\\+?[0-9 ]{9,15}$",
    "^(?:MA|FR)-\\d{2,4}[a-z]*$",
    "^[^0-9]+x?$",
    "^(ab|cd)+\\.e{2,}$",
])
def test_regex_generator_matches(pattern):
    rng = random.Random(3)
    for _ in range(50):
        text = RegexGenerator(pattern, rng).generate()
        assert re.search(pattern, text), text


@pytest.mark.parametrize("pattern", ["^(a)\\1$", "^(?=a)a$", "^[a-z"])
def test_regex_generator_rejects_unsupported(pattern):
    with pytest.raises(GenerationError):
        RegexGenerator(pattern, random.Random(0))


def test_empty_choice_list_rejected():
    schema = {"type": "object", "properties": {"pupil": {"type": "string", "enum": []}}, "required": ["pupil"]}
    with pytest.raises(GenerationError):
        random_object(schema, random.Random(0), TODAY)
