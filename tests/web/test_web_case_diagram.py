"""The case page draws its diagram with the pan-and-zoom viewer, without inline scripts."""

from __future__ import annotations

import re

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")


def test_case_page_uses_navigated_viewer(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    html = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert "/static/diagram.js" in html
    assert INLINE_SCRIPT.findall(html) == []


def test_navigated_viewer_is_served(client):
    response = client.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    response.close()
    assert response.status_code == 200


def test_diagram_script_scrolls_to_current_step(app):
    from pathlib import Path

    script = (Path(app.root_path) / "static" / "diagram.js").read_text()
    assert 'canvas.zoom("fit-viewport")' in script
    assert "scrollToElement" in script
    assert '"sanad-current"' in script
