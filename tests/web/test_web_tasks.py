"""Completing tasks and saving drafts through the task page, the inbox, and document review."""

import re

DOCUMENT_LINK = re.compile(r'href="/documents/(\d+)"')


def school_task(app, web_helpers, case_id):
    tasks = [(task_id, bpmn_id) for task_id, bpmn_id, role in web_helpers.pending_tasks(app, case_id) if role == "school"]
    assert tasks, "the declaration left no school task"
    return tasks[0]


def test_inbox_lists_school_task(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    html = browser.get("/inbox").get_data(as_text=True)
    assert f'href="/tasks/{task_id}"' in html
    assert '<select id="step" name="step">' in html
    assert f'href="/tasks/{task_id}"' not in login_as("ecole2.demo").get("/inbox").get_data(as_text=True)
    assert f'href="/tasks/{task_id}"' not in login_as("province.demo").get("/inbox").get_data(as_text=True)


def test_inbox_step_filter(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, bpmn_id = school_task(app, web_helpers, case_id)
    assert f'href="/tasks/{task_id}"' in browser.get(f"/inbox?step={bpmn_id}").get_data(as_text=True)
    assert f'href="/tasks/{task_id}"' not in browser.get("/inbox?step=no_such_step").get_data(as_text=True)
    assert browser.get("/inbox?overdue=1&page=abc").status_code == 200


def test_task_page_shows_case_and_form(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    html = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'name="action" value="draft"' in html
    assert 'name="action" value="submit"' in html
    assert "AS-" in html


def test_task_completion(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    data = web_helpers.task_form_data(app, "ecole.demo", task_id, pdf_bytes)
    data["action"] = "submit"
    response = browser.post_form(f"/tasks/{task_id}", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"].endswith("/inbox")
    inbox = browser.get("/inbox").get_data(as_text=True)
    assert "est terminée pour le dossier" in inbox
    assert f'href="/tasks/{task_id}"' not in inbox
    assert task_id not in [row[0] for row in web_helpers.pending_tasks(app, case_id)]
    assert "Étape terminée" in browser.get(f"/cases/{case_id}").get_data(as_text=True)


def test_completed_task_conflict(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    data = web_helpers.task_form_data(app, "ecole.demo", task_id, pdf_bytes)
    page = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    first = browser.client.post(f"/tasks/{task_id}", data={**data, "action": "submit", "csrf_token": token},
                                content_type="multipart/form-data")
    assert first.status_code == 302
    second = browser.client.post(f"/tasks/{task_id}", data={"action": "submit", "csrf_token": token})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Amina El Idrissi" in html
    assert "UTC" in html


def test_invalid_task_keeps_values(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    data = web_helpers.task_form_data(app, "ecole.demo", task_id, pdf_bytes)
    text_fields = [name for name, value in data.items() if value == "Texte de test"]
    required_missing = {name: value for name, value in data.items() if name not in text_fields[:1]}
    if text_fields:
        required_missing[text_fields[0]] = ""
    keep = next((name for name in text_fields[1:]), None)
    if keep:
        required_missing[keep] = "Valeur à garder"
    required_missing["action"] = "submit"
    response = browser.post_form(f"/tasks/{task_id}", required_missing, content_type="multipart/form-data")
    if response.status_code == 302:
        return  # the first text field was optional, so the form was valid
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field-errors"' in html
    if keep:
        assert "Valeur à garder" in html


def test_draft_save_and_reload(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    data = web_helpers.task_form_data(app, "ecole.demo", task_id, pdf_bytes)
    typed = {name: "Brouillon en cours" for name, value in data.items() if value == "Texte de test"}
    assert typed, "the task form has no text field to type a draft into"
    response = browser.post_form(f"/tasks/{task_id}", {**typed, "action": "draft"}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tasks/{task_id}")
    html = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Brouillon en cours" in html
    assert "brouillon" in html.lower()
    assert task_id in [row[0] for row in web_helpers.pending_tasks(app, case_id)]


def test_other_school_cannot_open_task(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    task_id, _ = school_task(app, web_helpers, case_id)
    assert login_as("ecole2.demo").get(f"/tasks/{task_id}").status_code == 404
    assert login_as("province.demo").get(f"/tasks/{task_id}").status_code == 404


def test_guardian_without_account_task_marked(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole2.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes, username="ecole2.demo")
    parent_tasks = [task_id for task_id, _, role in web_helpers.pending_tasks(app, case_id) if role == "parent"]
    if not parent_tasks:
        return  # the process opens no parent step right after the declaration
    inbox = browser.get("/inbox").get_data(as_text=True)
    assert "Au nom du tuteur" in inbox
    page = browser.get(f"/tasks/{parent_tasks[0]}").get_data(as_text=True)
    assert 'class="notice notice-behalf"' in page


def drive_until_province(app, login_as, pdf_bytes, web_helpers, case_id, max_steps=12):
    """Complete school and parent steps with valid values until the province holds a step."""
    for _ in range(max_steps):
        pending = web_helpers.pending_tasks(app, case_id)
        province = [task_id for task_id, _, role in pending if role == "province"]
        if province:
            return province[0]
        actionable = [(task_id, role) for task_id, _, role in pending if role in ("school", "parent")]
        if not actionable:
            return None
        task_id, role = actionable[0]
        username = web_helpers.holder_username(role)
        data = web_helpers.task_form_data(app, username, task_id, pdf_bytes)
        data["action"] = "submit"
        response = login_as(username).post_form(f"/tasks/{task_id}", data, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return None


def test_province_inbox_scoping(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    task_id = drive_until_province(app, login_as, pdf_bytes, web_helpers, case_id)
    assert task_id, "no province step was reached"
    assert f'href="/tasks/{task_id}"' in login_as("province.demo").get("/inbox").get_data(as_text=True)
    assert f'href="/tasks/{task_id}"' not in login_as("ecole.demo").get("/inbox").get_data(as_text=True)
    assert login_as("province.demo").get(f"/tasks/{task_id}").status_code == 200


def test_review_reject_then_replace(app, login_as, pdf_bytes, web_helpers):
    school = login_as("ecole.demo")
    case_id = web_helpers.declare(school, app, pdf_bytes)
    case_url = f"/cases/{case_id}"
    document_id = DOCUMENT_LINK.search(school.get(case_url).get_data(as_text=True)).group(1)
    province = login_as("province.demo")
    assert f'action="/documents/{document_id}/review"' in province.get(case_url).get_data(as_text=True)

    missing_reason = province.post_form(case_url, {"case_id": case_id, "decision": "rejected", "reason": ""},
                                        action=f"/documents/{document_id}/review")
    assert missing_reason.status_code == 422
    assert "raison" in missing_reason.get_data(as_text=True).lower()

    rejected = province.post_form(case_url, {"case_id": case_id, "decision": "rejected", "reason": "Scan illisible"},
                                  action=f"/documents/{document_id}/review")
    assert rejected.status_code == 302
    html = school.get(case_url).get_data(as_text=True)
    assert "Scan illisible" in html
    assert "Rejeté" in html
    assert f'action="/documents/{document_id}/replace"' in html
    assert f'action="/documents/{document_id}/replace"' not in province.get(case_url).get_data(as_text=True)

    no_file = school.post_form(case_url, {"case_id": case_id}, action=f"/documents/{document_id}/replace",
                               content_type="multipart/form-data")
    assert no_file.status_code == 422

    replaced = school.post_form(case_url, {"case_id": case_id, "file": web_helpers.pdf_upload(pdf_bytes, "net.pdf")},
                                action=f"/documents/{document_id}/replace", content_type="multipart/form-data")
    assert replaced.status_code == 302
    html = school.get(case_url).get_data(as_text=True)
    assert "net.pdf" in html
    assert re.search(r"<td>2</td>\s*<td><a href=\"/documents/\d+\">net.pdf</a>", html)


def test_school_cannot_review(app, login_as, pdf_bytes, web_helpers):
    school = login_as("ecole.demo")
    case_id = web_helpers.declare(school, app, pdf_bytes)
    case_url = f"/cases/{case_id}"
    html = school.get(case_url).get_data(as_text=True)
    document_id = DOCUMENT_LINK.search(html).group(1)
    assert "/review" not in html
    response = school.post_form(case_url, {"case_id": case_id, "decision": "accepted"},
                                action=f"/documents/{document_id}/review")
    assert response.status_code == 403
