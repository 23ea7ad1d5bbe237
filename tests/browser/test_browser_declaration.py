"""A school declares an accident in headless Chromium, and the province finds the file in its inbox."""

from __future__ import annotations

import base64
import os
import re
import threading
from pathlib import Path

import pytest
from support import DEMO_PASSWORD, MINIMAL_PDF
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def live_server(app):
    """Serve the test app over real HTTP on a free loopback port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR")
        yield context.new_page()
        context.close()
        browser.close()


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def log_out(page) -> None:
    page.click("form[action$='/logout'] button")
    page.wait_for_url(lambda url: "/login" in url)


def open_task(page, base_url: str, bpmn_id: str) -> None:
    """Open the inbox and follow the link of the first pending step with this id."""
    page.goto(f"{base_url}/inbox?step={bpmn_id}")
    page.locator("a[href*='/tasks/']").first.click()
    page.wait_for_url(lambda url: "/tasks/" in url)


def complete_parent_steps(client, api_token, case_id: int, pdf: str) -> None:
    """Let the guardian upload the medical and civil documents through the JSON API."""
    headers = api_token("parent.demo")
    for _ in range(3):
        case = client.get(f"/api/v1/cases/{case_id}", headers=headers).get_json()
        parent_steps = [step for step in case["current_steps"] if step["role"] == "parent"]
        if not parent_steps:
            return
        step = parent_steps[0]
        served = client.get(f"/api/v1/tasks/{step['task_id']}", headers=headers).get_json()
        data = {}
        for name, prop in served["form"]["properties"].items():
            if name not in served["form"].get("required", []):
                continue
            if prop.get("format") == "data-url":
                data[name] = pdf
            elif prop.get("format") == "date":
                data[name] = prop.get("formatMinimum", "2026-11-20")[:10]
            elif prop.get("type") == "number" or prop.get("type") == "integer":
                data[name] = 0
            elif "pattern" in prop and "24" in prop["pattern"]:
                data[name] = "1" * 24
            elif "pattern" in prop:
                data[name] = "AB123456"
            else:
                data[name] = "Document fourni"
        response = client.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": data}, headers=headers)
        assert response.status_code == 200, response.get_json()


def test_school_declares_and_province_receives_the_file(page, live_server, client, api_token, tmp_path: Path):
    scan = tmp_path / "rapport-surveillant.pdf"
    scan.write_bytes(MINIMAL_PDF)

    log_in(page, live_server, "ecole.demo")
    page.goto(f"{live_server}/cases/new")
    page.select_option("select[name=pupil]", index=1)
    page.fill("input[name=accident_date]", "2026-11-30")
    page.fill("input[name=accident_time]", "10:15")
    page.fill("input[name=place]", "Cour de récréation")
    page.select_option("select[name=activity]", "recess")
    page.fill("textarea[name=circumstances]", "L'élève a glissé pendant la récréation.")
    page.fill("input[name=injury_nature]", "Entorse")
    page.fill("input[name=body_part]", "Cheville gauche")
    page.select_option("select[name=severity]", "minor")
    page.select_option("select[name=first_aid]", "first_aid_at_school")
    page.check("input[name=guardian_notified][value=true]")
    page.check("input[name=insured][value=true]")
    page.fill("input[name=supervisor_name]", "Mme Bennani")
    page.fill("input[name=supervisor_function]", "Enseignante")
    page.set_input_files("input[name=supervisor_report]", str(scan))
    page.click("main button.primary[type=submit]")
    page.wait_for_load_state()

    # The time the guardian was notified is required once "notified" is yes. The error is shown by that field,
    # and everything typed and uploaded is still there.
    field_error = page.locator(".has-error:has(input[name=guardian_notified_at])")
    assert field_error.count() == 1
    assert page.input_value("input[name=supervisor_name]") == "Mme Bennani"
    assert page.locator("input[name=supervisor_report__existing]").count() == 1

    page.fill("input[name=guardian_notified_at]", "2026-11-30T10:30")
    page.click("main button.primary[type=submit]")
    page.wait_for_url(lambda url: "/cases/" in url and "/new" not in url)

    reference = re.search(r"AS-\d{4}-\d{6}", page.content()).group(0)
    assert "rapport-surveillant.pdf" in page.content()
    case_id = int(page.url.rstrip("/").split("/")[-1].split("#")[0])

    open_task(page, live_server, "T2_Finalise")
    page.fill("textarea[name=circumstantial_report]", "Glissade sur un sol mouillé, premiers soins donnés.")
    page.set_input_files("input[name=school_accident_certificate]", str(scan))
    page.check("input[name=director_confirmation]")
    page.click("main button.primary[type=submit]")
    page.wait_for_url(lambda url: "/tasks/" not in url)

    pdf_url = "data:application/pdf;name=certificat.pdf;base64," + base64.b64encode(MINIMAL_PDF).decode()
    complete_parent_steps(client, api_token, case_id, pdf_url)

    open_task(page, live_server, "T5_Submit")
    page.check("input[name=checklist_confirmed]")
    page.click("main button.primary[type=submit]")
    page.wait_for_url(lambda url: "/tasks/" not in url)
    log_out(page)

    log_in(page, live_server, "province.demo")
    page.goto(f"{live_server}/inbox")
    assert reference in page.content()
    assert page.locator(f"tr:has-text('{reference}')").count() == 1
