"""Declaring an accident, the case page, and the documents of a case (download, review, replace, add)."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

import forms
from engine.services import attachments, cases, documents
from engine.services.errors import InvalidData
from forms.uploads import UploadedFile
from storage.db import MAX_RECORD_ID
from storage.queries import holds_task

from .common import bp, current_locale, roles_required

log = logging.getLogger("sanad.web")


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required(*cases.DECLARING_ROLES)
def declare():
    locale = current_locale()
    _version, bundle, form = cases.declaration_form(current_user, locale)
    if request.method == "GET":
        return render_template("cases/new.html", form=form, bundle=bundle, values={}, errors={})

    raw = forms.parse_html(form, request.form, request.files)
    try:
        case = cases.declare(current_user, raw, locale=locale)
    except InvalidData as error:
        return render_template("cases/new.html", form=form, bundle=bundle, values=error.values,
                               errors=error.errors), 422
    flash(gettext("The accident was declared as case %(reference)s.", reference=case.reference), "success")
    return redirect(url_for("views.case_page", case_id=case.id))


def _render_case(case_id: int, *, review_errors=None, review_values=None, replace_errors=None, add_errors=None,
                 add_values=None, status: int = 200):
    """Render the case page, with the errors of a rejected review, replacement or addition next to their form."""
    view = cases.case_view(current_user, case_id)
    held_task_ids = {task.id for task in view.pending if holds_task(current_user, task)}
    newest = {}
    for document in view.documents:
        newest.setdefault(document.doc_type, document)
    replaceable = {document.id for document in newest.values()
                   if documents.can_replace(current_user, view.case, document)}
    diagram = {"xml": view.diagram, "completed": view.completed_ids, "current": view.current_ids}
    can_add = attachments.can_add(current_user, view.case)
    document_types = attachments.document_types(view.case) if can_add else []
    return render_template("cases/show.html", view=view, bundle=view.bundle, held_task_ids=held_task_ids,
                           replaceable=replaceable, diagram=diagram, review_errors=review_errors or {},
                           review_values=review_values or {},
                           replace_errors=replace_errors or {}, can_add=can_add, document_types=document_types,
                           add_errors=add_errors or {}, add_values=add_values or {}), status


@bp.route("/cases/<int:case_id>")
@login_required
def case_page(case_id: int):
    return _render_case(case_id)


@bp.route("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    path, document = documents.open_document(current_user, document_id)
    if not Path(path).is_file():
        log.error("stored file missing", extra={"document_id": document_id, "stored_name": document.stored_name})
        abort(404)
    response = send_file(path, mimetype=document.media_type, as_attachment=True,
                         download_name=document.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _case_of_form() -> int:
    """Return the case id the review or replace form came from, for the redirect back."""
    try:
        case_id = int(request.form.get("case_id", ""))
    except ValueError:
        abort(400)
    if not 1 <= case_id <= MAX_RECORD_ID:
        abort(400)
    return case_id


@bp.route("/documents/<int:document_id>/review", methods=["POST"])
@login_required
def review_document(document_id: int):
    case_id = _case_of_form()
    try:
        document = documents.review(current_user, document_id, request.form.get("decision", ""),
                                    request.form.get("reason", ""))
    except InvalidData as error:
        return _render_case(case_id, review_errors={document_id: error.errors},
                            review_values={document_id: error.values}, status=422)
    if document.status == "rejected":
        flash(gettext("The document was rejected; the person who uploaded it is notified."), "success")
    else:
        flash(gettext("The document was accepted."), "success")
    return redirect(url_for("views.case_page", case_id=document.case_id, _anchor="documents"))


def _posted_file() -> UploadedFile | None:
    """Return the form's `file` input as an upload, or None when no file was chosen."""
    chosen = request.files.get("file")
    if chosen is None or not chosen.filename:
        return None
    return UploadedFile(filename=Path(chosen.filename.replace("\\", "/")).name, content=chosen.read(),
                        media_type_declared=(chosen.mimetype or "application/octet-stream"))


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@login_required
def add_document(case_id: int):
    doc_type = request.form.get("doc_type", "").strip()
    try:
        document = attachments.add_document(current_user, case_id, doc_type, _posted_file())
    except InvalidData as error:
        return _render_case(case_id, add_errors=error.errors, add_values=error.values, status=422)
    flash(gettext("The document was added to the case (version %(version)s).", version=document.version),
          "success")
    return redirect(url_for("views.case_page", case_id=case_id, _anchor="documents"))


@bp.route("/documents/<int:document_id>/replace", methods=["POST"])
@login_required
def replace_document(document_id: int):
    case_id = _case_of_form()
    upload = _posted_file()
    try:
        document = documents.replace(current_user, document_id, upload)
    except InvalidData as error:
        return _render_case(case_id, replace_errors={document_id: error.errors}, status=422)
    flash(gettext("Version %(version)s of the document was uploaded.", version=document.version), "success")
    return redirect(url_for("views.case_page", case_id=document.case_id, _anchor="documents"))
