"""Paged lists, out-of-range numbers in URLs and forms, and the labels of the monitoring page."""

from __future__ import annotations

import pytest

from web.views import lists


@pytest.fixture
def two_cases(app, login_as, pdf_bytes, web_helpers, monkeypatch):
    """Declare two cases, with lists of one row a page, and return the school's browser."""
    monkeypatch.setattr(lists, "CASES_PAGE_SIZE", 1)
    monkeypatch.setitem(app.config, "INBOX_PAGE_SIZE", 1)
    browser = login_as("ecole.demo")
    for _ in range(2):
        web_helpers.declare(browser, app, pdf_bytes)
    return browser


@pytest.mark.parametrize("path", ["/cases", "/inbox"])
def test_list_pages(two_cases, path):
    first = two_cases.get(path)
    second = two_cases.get(f"{path}?page=2")

    assert first.status_code == 200
    assert 'rel="next"' in first.get_data(as_text=True)
    assert second.status_code == 200
    assert 'rel="prev"' in second.get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=99999999999999999999", "state=zzz"])
def test_odd_page_query_shows_list(two_cases, query):
    assert two_cases.get(f"/cases?{query}").status_code == 200


@pytest.mark.parametrize("path", ["/cases/99999999999999999999", "/documents/99999999999999999999"])
def test_huge_id_in_url_not_found(login_as, path):
    assert login_as("province.demo").get(path).status_code == 404


def test_huge_case_id_in_form_rejected(login_as):
    browser = login_as("province.demo")

    response = browser.post_form("/documents/1/review", {"case_id": "99999999999999999999", "decision": "accepted"})

    assert response.status_code == 400


def test_outbox_labels_translated(app, login_as, pdf_bytes, web_helpers):
    web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)

    html = login_as("admin.demo").get("/admin").get_data(as_text=True)

    # A declaration queues "step waiting" e-mails, and the page names their kind and state in French.
    assert "Étape en attente" in html
    assert "En attente d’envoi" in html
    assert "<td>task_assigned</td>" not in html
