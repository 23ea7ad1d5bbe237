"""Rejected forms keep what was typed; searches, sizes and passwords read input as people mean it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from engine.services import accounts
from storage import queries
from storage.models import User
from web.views.common import file_size

DOCUMENT_LINK = re.compile(r'href="/documents/(\d+)"')


def _declared_document(app, login_as, pdf_bytes, web_helpers) -> tuple[int, int]:
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    html = login_as("province.demo").get(f"/cases/{case_id}").get_data(as_text=True)
    return case_id, int(DOCUMENT_LINK.search(html).group(1))


def test_rejected_review_keeps_reason(app, login_as, pdf_bytes, web_helpers):
    case_id, document_id = _declared_document(app, login_as, pdf_bytes, web_helpers)

    response = login_as("province.demo").post_form(
        f"/cases/{case_id}", {"case_id": str(case_id), "decision": "maybe", "reason": "Signature illisible"},
        action=f"/documents/{document_id}/review")

    assert response.status_code == 422
    assert "Signature illisible</textarea>" in response.get_data(as_text=True)


def test_review_reason_counts_line_breaks_once(app, login_as, pdf_bytes, web_helpers):
    case_id, document_id = _declared_document(app, login_as, pdf_bytes, web_helpers)
    # 50 lines: 999 characters in the browser, 1048 on the wire with CRLF line breaks.
    reason = "\r\n".join(["x" * 19] * 50)

    response = login_as("province.demo").post_form(
        f"/cases/{case_id}", {"case_id": str(case_id), "decision": "rejected", "reason": reason},
        action=f"/documents/{document_id}/review")

    assert response.status_code == 302


def test_rejected_deploy_keeps_comment(app, login_as, tmp_path, monkeypatch):
    (tmp_path / "school_accident.bpmn").write_text("<not-xml", encoding="utf-8")
    monkeypatch.setitem(app.config, "PROCESSES_DIR", str(tmp_path))

    response = login_as("analyste.demo").post_form("/processes", {"comment": "Version cassée"},
                                                   action="/processes/deploy")

    assert response.status_code == 422
    assert 'value="Version cassée"' in response.get_data(as_text=True)


def test_search_treats_wildcards_as_text(app, login_as, pdf_bytes, web_helpers):
    web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    with app.app_context():
        from storage import db

        user = db.session.scalar(sa.select(User).where(User.username == "ecole.demo"))
        _, everything = queries.visible_cases(user)
        _, percent = queries.visible_cases(user, search="%")
        _, underscore = queries.visible_cases(user, search="_")

    assert everything >= 1
    assert percent == 0
    assert underscore == 0


def test_blank_password_refused():
    assert accounts._password_errors(" " * 16)


def test_file_size_in_french(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert file_size(125) == "125 o"
        assert file_size(5 * 1024 * 1024 // 2) == "2,5 Mio"


def test_notification_due_date_formatted(app):
    from engine.services import mail

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        # 10:30 UTC on 12 November is 11:30 in Morocco.
        formatted = mail.format_moment("2026-11-12T10:30:00+00:00")
        unchanged = mail.format_moment("not a date")

    assert formatted == "12/11/2026 11:30"
    assert unchanged == "not a date"
