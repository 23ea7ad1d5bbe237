"""Declaring an accident, the case page, scoping of cases and downloads."""

import re

import sqlalchemy as sa

EXISTING_INPUT = re.compile(r'name="supervisor_report__existing" value="(document:\d+)"')
DOCUMENT_LINK = re.compile(r'href="/documents/(\d+)"')


def test_declaration_form_renders_fields(login_as):
    html = login_as("ecole.demo").get("/cases/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert '<select id="f-pupil" name="pupil"' in html
    assert 'type="date" id="f-accident_date"' in html
    assert 'type="time" id="f-accident_time"' in html
    assert 'type="datetime-local" id="f-guardian_notified_at"' in html
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in html
    assert 'class="required"' in html


def test_declaration_with_pdf_upload(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)

    page = browser.get(f"/cases/{case_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "rapport.pdf" in html
    assert 'id="diagram"' in html
    assert 'type="application/json" id="diagram-data"' in html
    assert "bpmn-navigated-viewer.production.min.js" in html
    assert "AS-" in html

    document_id = DOCUMENT_LINK.search(html).group(1)
    download = browser.get(f"/documents/{document_id}")
    content = download.data
    download.close()
    assert download.status_code == 200
    assert content == pdf_bytes
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]


def test_declaration_flash_names_reference(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    html = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    reference = re.search(r"AS-\d{4}-\d{6}", html).group(0)
    assert f"dossier {reference}" in html


def test_invalid_declaration_keeps_values_and_file(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    pupil = web_helpers.first_pupil_code(app, "ecole.demo")
    data = web_helpers.declaration_data(pupil, accident_time=None, injury_nature=None, place="Salle de sport")
    data["supervisor_report"] = web_helpers.pdf_upload(pdf_bytes)
    response = browser.post_form("/cases/new", data, content_type="multipart/form-data")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-accident_time-error"' in html
    assert 'id="f-injury_nature-error"' in html
    assert 'aria-describedby="f-accident_time-error"' in html
    assert 'value="Salle de sport"' in html
    assert f'<option value="{pupil}" selected>' in html
    assert 'id="f-place-error"' not in html
    existing = EXISTING_INPUT.search(html)
    assert existing, "the uploaded file is not kept"

    fixed = web_helpers.declaration_data(pupil, place="Salle de sport")
    fixed["supervisor_report__existing"] = existing.group(1)
    response = browser.post_form("/cases/new", fixed, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case_page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "rapport.pdf" in case_page


def test_other_school_cannot_see_case(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    owner_html = login_as("ecole.demo").get(f"/cases/{case_id}").get_data(as_text=True)
    document_id = DOCUMENT_LINK.search(owner_html).group(1)

    other = login_as("ecole2.demo")
    assert other.get(f"/cases/{case_id}").status_code == 404
    assert other.get(f"/documents/{document_id}").status_code == 404
    assert f"/cases/{case_id}" not in other.get("/cases").get_data(as_text=True)


def test_downloads_follow_case_scope(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    html = login_as("ecole.demo").get(f"/cases/{case_id}").get_data(as_text=True)
    document_id = DOCUMENT_LINK.search(html).group(1)

    def status(username: str, url: str) -> int:
        response = login_as(username).get(url)
        response.close()
        return response.status_code

    for username in ("province.demo", "region.demo", "central.demo", "admin.demo", "parent.demo"):
        assert status(username, f"/documents/{document_id}") == 200, username
    assert status("analyste.demo", f"/documents/{document_id}") == 404
    assert status("ecole.demo", "/documents/999999") == 404


def test_cases_list_search_and_filter(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    assert f"/cases/{case_id}" in browser.get("/cases").get_data(as_text=True)
    assert f"/cases/{case_id}" in browser.get("/cases?state=open").get_data(as_text=True)
    assert f"/cases/{case_id}" not in browser.get("/cases?state=closed").get_data(as_text=True)
    assert f"/cases/{case_id}" not in browser.get("/cases?q=ZZZ-no-match").get_data(as_text=True)


def test_case_page_shows_timeline_and_steps(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    html = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Accident déclaré" in html
    assert "Amina El Idrissi" in html
    for task_id, _bpmn_id, role in web_helpers.pending_tasks(app, case_id):
        if role == "school":
            assert f'href="/tasks/{task_id}"' in html


def test_monitoring_lists_new_case(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    html = login_as("admin.demo").get("/admin").get_data(as_text=True)
    assert f"/cases/{case_id}" in html


def test_notifications_mark_all_read(app, login_as, pdf_bytes, web_helpers):
    web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    browser = login_as("ecole.demo")
    from storage import db
    from storage.models import Notification, User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "ecole.demo"))
        unread = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                   .where(Notification.user_id == user.id, Notification.read_at.is_(None)))
        db.session.remove()
    page = browser.get("/notifications").get_data(as_text=True)
    if unread:
        assert 'class="counter"' in page
    response = browser.post_form("/notifications", {})
    assert response.status_code == 302
    assert 'class="counter"' not in browser.get("/notifications").get_data(as_text=True)
