"""Adding a document of any known type to a case, outside the forms of its steps."""

from __future__ import annotations

import logging

from flask_babel import gettext

from storage import db
from storage.files import UploadRejected
from storage.models import Case, Document, User
from storage.queries import can_view_case

from . import documents, steps, versions
from .errors import Forbidden, InvalidData, NotFound

log = logging.getLogger("sanad.documents")

# Roles that act on a case they can see; the others (analyst, admin) may only read it.
ADDING_ROLES = ("school", "parent", "province", "region", "central")


def document_types(case: Case) -> list[tuple[str, str]]:
    """Return (document type, English title) for every `x-document-type` of the case's process forms.

    The title is the first form field's that files that type, in form-file order, so the list is stable.
    """
    bundle = versions.bundle_for(case.process_version)
    found: dict[str, str] = {}
    for name in sorted(bundle.forms):
        properties = (bundle.forms[name] or {}).get("properties") or {}
        for field_name, prop in properties.items():
            if not isinstance(prop, dict):
                continue
            # A multi-file field carries the document type on its items.
            target = prop.get("items") if isinstance(prop.get("items"), dict) else prop
            doc_type = target.get("x-document-type") or prop.get("x-document-type")
            if doc_type and doc_type not in found:
                found[doc_type] = prop.get("title") or target.get("title") or field_name
    return sorted(found.items())


def can_add(user: User, case: Case) -> bool:
    """Tell whether `user` may add a document to `case`: an acting role that may view the open case."""
    return user.role in ADDING_ROLES and case.state == "open" and can_view_case(user, case)


def add_document(user: User, case_id: int, doc_type: str, upload) -> Document:
    """Store `upload` as the next version of `doc_type` in the case's documents and record it in the history.

    Raises Forbidden for a role that cannot add documents or a closed case, NotFound outside the user's scope,
    and InvalidData for a missing type or file or a rejected upload.
    """
    # The role is checked before the case is loaded, so a 403 reveals nothing about whether the case exists.
    if user.role not in ADDING_ROLES:
        raise Forbidden("Your role does not allow adding documents to cases.")
    steps.begin_write()
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        raise NotFound("Case %(id)s was not found.", id=case_id)
    if case.state != "open":
        raise Forbidden("Case %(reference)s is closed; no document can be added.", reference=case.reference)

    errors: dict[str, list[str]] = {}
    known_types = dict(document_types(case))
    if doc_type not in known_types:
        errors["doc_type"] = [gettext("Choose the type of the document from the list.")]
    if upload is None:
        errors["file"] = [gettext("Choose the file to upload.")]
    if errors:
        raise InvalidData(errors, {"doc_type": doc_type})

    steps.lock_case(case.id)
    try:
        document = documents.store_upload(user, upload, doc_type=doc_type, case=case, task_bpmn_id=None,
                                          field=None)
    except UploadRejected as exc:
        db.session.rollback()
        message, params = documents.upload_error(exc)
        log.info("added document rejected", extra={"case_id": case.id, "user_id": user.id, "reason": exc.code})
        raise InvalidData({"file": [gettext(message, **params)]}, {"doc_type": doc_type}) from exc
    documents.publish([document], case)
    steps.record(case, "document_added", actor=user,
                 details={"document_id": document.id, "doc_type": doc_type, "version": document.version})
    steps.write_case(case)
    db.session.commit()
    log.info("document added", extra={"case_id": case.id, "user_id": user.id, "document_id": document.id,
                                      "doc_type": doc_type, "version": document.version})
    return document
