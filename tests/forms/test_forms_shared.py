"""Forms shared between requests: one built form per schema, language and the context values it reads."""

from __future__ import annotations

from datetime import timedelta

from form_samples import ROSTER, TODAY, load_sample, make_context

from forms import Form


def _shared(schema, ui_schema, **overrides) -> Form:
    return Form.build_shared(schema, ui_schema, make_context(**overrides), "en")


def test_same_inputs_share_one_form():
    schema, ui_schema = load_sample("medical_certificate")

    assert _shared(schema, ui_schema) is _shared(schema, ui_schema)


def test_unread_case_value_still_shares():
    schema, ui_schema = load_sample("medical_certificate")
    first = _shared(schema, ui_schema)

    other = _shared(schema, ui_schema, case_data={"accident_date": "2026-11-03", "unrelated": "changed"})

    assert other is first


def test_read_case_value_builds_another_form():
    schema, ui_schema = load_sample("medical_certificate")
    first = _shared(schema, ui_schema)

    other = _shared(schema, ui_schema, case_data={"accident_date": "2026-10-20"})

    assert other is not first
    assert other.resolved != first.resolved


def test_other_day_builds_another_form():
    schema, ui_schema = load_sample("medical_certificate")

    assert _shared(schema, ui_schema, today=TODAY + timedelta(days=1)) is not _shared(schema, ui_schema)


def test_other_roster_builds_another_form():
    schema, ui_schema = load_sample("accident_declaration")
    first = _shared(schema, ui_schema)

    other = _shared(schema, ui_schema, options={"school_roster": ROSTER[:1]})

    assert other is not first
    assert len(other.field("pupil").options) == 1


def test_shared_form_matches_a_fresh_build():
    schema, ui_schema = load_sample("medical_certificate")

    shared = _shared(schema, ui_schema)
    fresh = Form.build(schema, ui_schema, make_context())

    assert shared.resolved == fresh.resolved
    assert [field.name for field in shared.fields] == [field.name for field in fresh.fields]
