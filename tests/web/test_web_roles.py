"""Role checks on the pages for analysts and administrators, and the home page of each role."""

import io

import pytest


@pytest.mark.parametrize("username", ["parent.demo", "ecole.demo", "province.demo", "central.demo"])
def test_processes_forbidden_for_actors(login_as, username):
    response = login_as(username).get("/processes")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["analyste.demo", "admin.demo"])
def test_processes_lists_versions(login_as, username):
    response = login_as(username).get("/processes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "school_accident" in html


def test_processes_check_shows_problems(login_as):
    browser = login_as("analyste.demo")
    broken = b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    response = browser.post_form("/processes", {"files": (io.BytesIO(broken), "school_accident.bpmn")},
                                 action="/processes/validate", content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "school_accident.bpmn" in html
    assert "<table>" in html


def test_processes_check_accepts_current_folder(login_as):
    response = login_as("analyste.demo").post_form("/processes", {}, action="/processes/validate")
    assert response.status_code == 200


def test_deploy_unchanged_folder(login_as):
    browser = login_as("analyste.demo")
    response = browser.post_form("/processes", {"comment": "same files"}, action="/processes/deploy")
    assert response.status_code == 302
    assert "Rien à déployer" in browser.get("/processes").get_data(as_text=True)


def test_deploy_forbidden_for_admin(login_as):
    response = login_as("admin.demo").post_form("/processes", {}, action="/processes/deploy")
    assert response.status_code == 403


def test_monitoring_for_admin_only(login_as):
    assert login_as("admin.demo").get("/admin").status_code == 200
    assert login_as("analyste.demo").get("/admin").status_code == 403
    assert login_as("ecole.demo").get("/admin").status_code == 403


@pytest.mark.parametrize(("username", "target"), [
    ("ecole.demo", "/inbox"), ("parent.demo", "/inbox"), ("admin.demo", "/cases"), ("analyste.demo", "/processes"),
])
def test_home_by_role(login_as, username, target):
    response = login_as(username).get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(target)


def test_declaration_only_for_schools(login_as):
    assert login_as("province.demo").get("/cases/new").status_code == 403
    assert login_as("parent.demo").get("/cases/new").status_code == 403


def test_header_links_by_role(login_as):
    school = login_as("ecole.demo").get("/inbox").get_data(as_text=True)
    assert "/cases/new" in school
    assert "/processes" not in school
    admin = login_as("admin.demo").get("/cases").get_data(as_text=True)
    assert "/admin" in admin
    assert "/processes" in admin
    assert "/cases/new" not in admin
