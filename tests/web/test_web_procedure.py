"""The public procedure page and the parent's "What happens next" box."""

from __future__ import annotations


def switch_to_arabic(client) -> None:
    with client.session_transaction() as session:
        session["locale"] = "ar"


def test_procedure_public_in_french(client):
    response = client.get("/procedure")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'lang="fr" dir="ltr"' in html
    assert "26 octobre 1942" in html
    assert "Addamane Al Madrassi" in html
    assert "55.19" in html
    assert "51.17" in html
    assert "85 bis" in html
    assert "10 jours" in html
    assert "à confirmer par le ministère" in html
    assert "tribunal administratif" in html


def test_procedure_in_arabic_is_rtl(client):
    switch_to_arabic(client)
    html = client.get("/procedure").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "1942" in html
    assert "المحكمة الإدارية" in html
    assert "الضمان المدرسي" in html


def test_login_page_links_procedure(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/procedure"' in html


def test_header_links_procedure_when_logged_in(login_as):
    html = login_as("ecole.demo").get("/inbox").get_data(as_text=True)
    assert 'href="/procedure"' in html
    assert 'href="/account/password"' in html


def test_parent_case_page_explains_next_step(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    parent_html = login_as("parent.demo").get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="next-title"' in parent_html
    assert 'href="/procedure"' in parent_html
    school_html = login_as("ecole.demo").get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="next-title"' not in school_html
