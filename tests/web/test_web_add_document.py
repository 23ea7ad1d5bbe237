"""Adding a document of a known type to a case from the case page."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

DOCUMENT_LINK = re.compile(r'href="/documents/(\d+)"')


def add(browser, case_id: int, doc_type: str, upload):
    data = {"doc_type": doc_type}
    if upload is not None:
        data["file"] = upload
    return browser.post_form(f"/cases/{case_id}", data, action=f"/cases/{case_id}/documents",
                             content_type="multipart/form-data")


def added_documents(app, case_id: int) -> list[tuple[str, int, int]]:
    """Return (document type, version, uploader id) of the case's documents, oldest first."""
    from storage import db
    from storage.models import Document

    with app.app_context():
        rows = [tuple(row) for row in db.session.execute(
            sa.select(Document.doc_type, Document.version, Document.uploaded_by_id)
            .where(Document.case_id == case_id, Document.staged.is_(False)).order_by(Document.id))]
        db.session.remove()
        return rows


def audit_kinds(app, case_id: int) -> list[str]:
    from storage import db
    from storage.models import AuditEvent

    with app.app_context():
        kinds = list(db.session.scalars(sa.select(AuditEvent.kind).where(AuditEvent.case_id == case_id)
                                        .order_by(AuditEvent.id)))
        db.session.remove()
        return kinds


def test_case_page_offers_document_types(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    html = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'action="/cases/%d/documents"' % case_id in html
    assert '<option value="initial_medical_certificate">' in html
    assert '<option value="rib">' in html


def test_school_adds_document(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    response = add(browser, case_id, "rib", web_helpers.pdf_upload(pdf_bytes, "rib.pdf"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case_id}#documents")

    assert ("rib", 1) in [(doc_type, version) for doc_type, version, _ in added_documents(app, case_id)]
    assert "document_added" in audit_kinds(app, case_id)
    html = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "rib.pdf" in html
    assert "Document ajouté" in html


def test_second_addition_is_next_version(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    add(browser, case_id, "birth_certificate", web_helpers.pdf_upload(pdf_bytes, "acte-1.pdf"))
    add(browser, case_id, "birth_certificate", web_helpers.pdf_upload(pdf_bytes, "acte-2.pdf"))
    versions = [version for doc_type, version, _ in added_documents(app, case_id) if doc_type == "birth_certificate"]
    assert versions == [1, 2]


def test_parent_adds_document(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    parent = login_as("parent.demo")
    response = add(parent, case_id, "initial_medical_certificate",
                   web_helpers.pdf_upload(pdf_bytes, "certificat.pdf"))
    assert response.status_code == 302
    from storage import db
    from storage.models import User

    with app.app_context():
        parent_id = db.session.scalar(sa.select(User.id).where(User.username == "parent.demo"))
        db.session.remove()
    assert ("initial_medical_certificate", 1, parent_id) in added_documents(app, case_id)


def test_reviewer_adds_document(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    response = add(login_as("province.demo"), case_id, "rib", web_helpers.pdf_upload(pdf_bytes))
    assert response.status_code == 302


def test_other_school_gets_not_found(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    before = added_documents(app, case_id)
    response = add(login_as("ecole2.demo"), case_id, "rib", web_helpers.pdf_upload(pdf_bytes))
    assert response.status_code == 404
    assert added_documents(app, case_id) == before


def test_analyst_gets_forbidden(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    before = added_documents(app, case_id)
    response = add(login_as("analyste.demo"), case_id, "rib", web_helpers.pdf_upload(pdf_bytes))
    assert response.status_code == 403
    assert added_documents(app, case_id) == before


def test_read_only_role_sees_no_add_form(app, login_as, pdf_bytes, web_helpers):
    case_id = web_helpers.declare(login_as("ecole.demo"), app, pdf_bytes)
    admin_page = login_as("admin.demo").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/cases/{case_id}/documents" not in admin_page


def test_bad_file_shows_message(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    before = added_documents(app, case_id)
    upload = (io.BytesIO(b"MZ not a scan at all"), "virus.exe", "application/octet-stream")
    response = add(browser, case_id, "rib", upload)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="add-file-error"' in html
    assert "virus.exe" in html
    assert added_documents(app, case_id) == before


def test_missing_type_and_file_show_messages(app, login_as, pdf_bytes, web_helpers):
    browser = login_as("ecole.demo")
    case_id = web_helpers.declare(browser, app, pdf_bytes)
    response = add(browser, case_id, "not_a_type", None)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="add-doc_type-error"' in html
    assert 'id="add-file-error"' in html
