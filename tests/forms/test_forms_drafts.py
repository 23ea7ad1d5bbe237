"""Re-rendering typed values and saving drafts without validation."""

from __future__ import annotations

import json

from werkzeug.datastructures import MultiDict

from forms import (
    UploadedFile,
    draft_payload,
    load_draft,
    parse_html,
    to_html_values,
    validate,
)


def test_rerender_keeps_invalid_text(build):
    form = build("medical_certificate")
    values = MultiDict({"itt_days": "vingt", "ipp_rate": "12,5", "examined_at": "2026-11-03T18:40",
                        "certificate__existing": "document:9", "certificate_date": "2026-11-30"})

    data = parse_html(form, values)
    _, errors = validate(form, data)
    html = to_html_values(form, data)

    assert "itt_days" in errors
    assert html["itt_days"] == "vingt"
    assert html["ipp_rate"] == "12.5"
    assert html["examined_at"] == "2026-11-03T18:40"
    assert html["certificate"] == "document:9"
    assert html["certificate_date"] == "2026-11-30"
    assert html["accident_date"] == "2026-11-03"


def test_rerender_typed_values(build):
    form = build("accident_declaration")
    data = {"injuries": ["fracture", "burn"], "hospitalised": True, "witness_count": 2,
            "supervisor_report": UploadedFile("r.pdf", b"%PDF")}

    html = to_html_values(form, data)

    assert html == {"injuries": ["fracture", "burn"], "hospitalised": "true", "witness_count": "2",
                    "supervisor_report": ""}


def test_rerender_datetime_in_context_zone(build):
    form = build("medical_certificate")

    assert to_html_values(form, {"examined_at": "2026-11-03T09:40:00Z"})["examined_at"] == "2026-11-03T10:40"


def test_draft_keeps_raw_text_and_references(build):
    form = build("accident_declaration")
    values = MultiDict([("description", "Fell "), ("witness_count", "trois"), ("injuries", "wound"),
                        ("injuries", "burn"), ("supervisor_report__existing", "document:12"), ("pupil", ""),
                        ("unknown", "x")])

    draft = draft_payload(form, values)

    assert draft == {"description": "Fell ", "witness_count": "trois", "injuries": ["wound", "burn"],
                     "supervisor_report": "document:12"}
    assert json.loads(json.dumps(draft)) == draft


def test_load_draft_round_trip(build):
    form = build("accident_declaration")
    draft = {"description": "Fell ", "injuries": ["wound"], "supervisor_report": "document:12", "gone": "x",
             "witness_count": 3}

    assert load_draft(form, draft) == {"description": "Fell ", "injuries": ["wound"],
                                       "supervisor_report": "document:12"}


def test_load_draft_shows_current_readonly_value(build):
    form = build("medical_certificate")

    assert load_draft(form, {"accident_date": "1999-01-01"}) == {"accident_date": "2026-11-03"}
