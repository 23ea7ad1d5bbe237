"""Documents of a case: storing uploads, resolving references, reviewing and replacing versions."""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage import db
from storage.db import PlainStatement, add_stored
from storage.files import DocumentStore, UploadRejected
from storage.models import Case, Document, User, UTCDateTime, utcnow
from storage.queries import can_view_case

from . import notifications
from .errors import Forbidden, InvalidData, NotFound

log = logging.getLogger("sanad.documents")

REFERENCE = re.compile(r"^document:([0-9]{1,12})$")
REVIEWER_ROLES = ("province", "region", "central")

UPLOAD_MESSAGES = {
    "empty": "The file %(filename)s is empty; choose the scanned document again.",
    "too_large": "The file %(filename)s is larger than the %(limit_mib)s MiB limit; scan it at a lower resolution.",
    "unsupported_type": "The file %(filename)s is not a PDF, JPEG or PNG document; upload a scan in one of those formats.",
}


def init_app(app) -> None:
    sync = app.config["SYNC_UPLOADS"]
    if sync is None:
        # Files are made as durable as the commits that refer to them: PostgreSQL's commits survive a power cut,
        # so each file reaches the disk before its row is committed. SQLite runs with synchronous=NORMAL, whose
        # commits, like files left to the kernel, survive a crash of the application but not a power cut.
        sync = not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    app.extensions["sanad_documents"] = DocumentStore(app.config["DOCUMENTS_DIR"], app.config["UPLOAD_MAX_BYTES"],
                                                      sync=sync)


def store() -> DocumentStore:
    return current_app.extensions["sanad_documents"]


# Session.info key of the files written during the session's current transaction, as (store, stored name,
# future of the disk flush).
WRITTEN_FILES = "sanad_written_files"


def _remember_written(stored_name: str, done) -> None:
    db.session.info.setdefault(WRITTEN_FILES, []).append((store(), stored_name, done))


@event.listens_for(Session, "before_commit")
def _wait_for_written_files(session) -> None:
    """Let a transaction commit its document rows only once their files are on disk (raises OSError if not)."""
    for _, _, done in session.info.get(WRITTEN_FILES, ()):
        done.result()


@event.listens_for(Session, "after_commit")
def _keep_written_files(session) -> None:
    session.info.pop(WRITTEN_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _delete_uncommitted_files(session, transaction) -> None:
    """Delete the files written during a transaction that ended without a commit (an error, a rollback).

    Their document rows were never stored, so the files would be orphans; a crash between the write and the
    commit is left to `maintenance.sweep_orphan_files`.
    """
    if transaction.parent is not None or transaction.nested:
        return
    written = session.info.pop(WRITTEN_FILES, None)
    for file_store, stored_name, done in written or ():
        try:
            done.exception()  # wait for the flush to end before the file is deleted
            file_store.delete(stored_name)
        except OSError as exc:
            log.error("uncommitted upload could not be deleted", extra={"stored_name": stored_name, "error": str(exc)})
            continue
        log.info("uncommitted upload deleted", extra={"stored_name": stored_name})


def upload_error(exc: UploadRejected) -> tuple[str, dict]:
    """Return the message id and parameters that describe a rejected upload to the user."""
    params = dict(exc.params)
    if "limit" in params:
        # In the user's number format: 10, or 2,5 in French.
        params["limit_mib"] = format_decimal(round(params["limit"] / (1024 * 1024), 1))
    return UPLOAD_MESSAGES[exc.code], params


# The next version number of a document type in a case. The statements run one document at a time, so a second
# document of the same type in one step counts the first, and versions stay consecutive.
_NEXT_VERSION = (
    "(SELECT coalesce(max(other.version), 0) + 1 FROM document AS other WHERE other.case_id = :case_id "
    "AND other.doc_type = CAST(:doc_type AS VARCHAR(80)) AND other.staged = :published_flag)"
)
_DOCUMENT_COLUMNS = ("case_id", "doc_type", "version", "original_name", "stored_name", "sha256", "size", "media_type",
                     "task_bpmn_id", "field", "uploaded_by_id", "uploaded_at", "status", "staged", "review_reason")
_DOCUMENT_TYPES = (sa.bindparam("uploaded_at", type_=UTCDateTime), sa.bindparam("staged", type_=sa.Boolean))


def _insert_document(version: str, returning: str) -> sa.TextClause:
    values = ", ".join(version if name == "version" else f":{name}" for name in _DOCUMENT_COLUMNS)
    return sa.text(
        f"INSERT INTO document ({', '.join(_DOCUMENT_COLUMNS)}) VALUES ({values}) RETURNING {returning}"
    ).bindparams(*_DOCUMENT_TYPES)


_INSERT_DOCUMENT = PlainStatement(_insert_document(":version", "id"))
_INSERT_PUBLISHED = PlainStatement(_insert_document(_NEXT_VERSION, "id, version").bindparams(
    sa.bindparam("published_flag", value=False, type_=sa.Boolean)))
_PUBLISH_DOCUMENT = PlainStatement(sa.text(
    f"UPDATE document SET case_id = :case_id, staged = :published_flag, version = {_NEXT_VERSION} "
    "WHERE id = :id RETURNING version"
).bindparams(sa.bindparam("published_flag", value=False, type_=sa.Boolean)))


def store_upload(user: User, upload, *, doc_type: str, case: Case | None, task_bpmn_id: str | None,
                 field: str, publish: bool = False) -> Document:
    """Write an uploaded file to the store and add a document row for it (not yet committed).

    The row is staged, or with `publish` the next version of its type in `case`. Raises UploadRejected when the
    content is empty, too large or of an unsupported type.
    """
    stored, done = store().start_save(upload.content, upload.filename)
    _remember_written(stored.stored_name, done)
    values = {
        "case_id": case.id if case is not None else None, "doc_type": doc_type, "version": 1,
        "original_name": (upload.filename or "document")[:255], "stored_name": stored.stored_name,
        "sha256": stored.sha256, "size": stored.size, "media_type": stored.media_type, "task_bpmn_id": task_bpmn_id,
        "field": field, "uploaded_by_id": user.id, "uploaded_at": utcnow(), "status": "pending",
        "staged": not publish, "review_reason": "",
    }
    # A plain INSERT, then the row joins the session as already stored: no unit-of-work flush per upload.
    if publish:
        ((values["id"], values["version"]),) = _INSERT_PUBLISHED.execute(values).rows
    else:
        ((values["id"],),) = _INSERT_DOCUMENT.execute(values).rows
    return add_stored(Document, values)


def resolve_reference(user: User, value: str, case: Case | None) -> Document | None:
    """Return the document a `document:<id>` reference names, if `user` may attach it to `case`."""
    match = REFERENCE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    document = db.session.get(Document, int(match.group(1)))
    if document is None:
        return None
    if case is not None and document.case_id == case.id:
        return document
    if document.staged and document.uploaded_by_id == user.id and document.case_id in (None, getattr(case, "id", None)):
        return document
    return None


def attach_files(user: User, form, data: dict, case: Case | None, task_bpmn_id: str | None,
                 errors: dict[str, list[str]], *, staged: bool = False) -> list[Document]:
    """Store the uploads of `data` and check its document references, in place.

    Each file value becomes a `document:<id>` reference; a rejected upload or an unknown reference adds a field
    error. Returns the documents the data now refers to. When the submission has no error at all, belongs to a
    case and is not `staged` (a draft), new uploads are stored as published versions at once. Otherwise they
    are staged, for `publish`, for the corrected form or for the draft's final submission.
    """
    from forms import UploadedFile  # local import keeps this module importable without forms for the CLI

    checked: list[tuple[object, object]] = []
    for field in form.fields:
        if field.kind != "file" or field.name not in data:
            continue
        value = data[field.name]
        if field.name in errors or not isinstance(value, (UploadedFile, str)):
            data.pop(field.name, None)
            continue
        if isinstance(value, UploadedFile):
            try:
                store().check(value.content, value.filename)
            except UploadRejected as exc:
                message, params = upload_error(exc)
                errors.setdefault(field.name, []).append(_translate(message, params))
                del data[field.name]
                continue
            checked.append((field, value))
            continue
        document = resolve_reference(user, value, case)
        if document is None:
            errors.setdefault(field.name, []).append(
                _translate("The document %(value)s is not a file of this case; upload the file again.",
                           {"value": value})
            )
            del data[field.name]
            continue
        checked.append((field, document))

    documents: list[Document] = []
    for field, value in checked:
        if isinstance(value, UploadedFile):
            value = store_upload(user, value, doc_type=field.document_type or field.name, case=case,
                                 task_bpmn_id=task_bpmn_id, field=field.name,
                                 publish=not staged and not errors and case is not None)
        data[field.name] = f"document:{value.id}"
        documents.append(value)
    return documents


def invalid_submission(form, raw: dict, data: dict, errors: dict[str, list[str]], uploads: list[Document], *,
                       keep: bool) -> InvalidData:
    """End the transaction of a rejected form and return the InvalidData error to raise.

    With `keep`, the staged uploads are committed so the refilled form still refers to them. Otherwise the
    transaction rolls back: the files this request wrote are then deleted by this module's rollback hook, while
    staged files of earlier requests that the form referred to stay with their rows.
    """
    from forms import to_html_values

    if keep and uploads:
        db.session.commit()
    else:
        db.session.rollback()
    references = {key: value for key, value in data.items() if isinstance(value, str) and REFERENCE.match(value)}
    return InvalidData(errors, to_html_values(form, {**raw, **references}))


def publish(documents: list[Document], case: Case) -> None:
    """Make staged documents part of the case, each as the next version of its document type."""
    staged = [document for document in documents if document.staged]
    if not staged:
        return
    for document in staged:
        ((version,),) = _PUBLISH_DOCUMENT.execute({"case_id": case.id, "doc_type": document.doc_type,
                                                   "id": document.id}).rows
        # The row is written; tell the session so, without queueing a second UPDATE.
        for name, value in (("case_id", case.id), ("version", version), ("staged", False)):
            set_committed_value(document, name, value)


def case_documents(case: Case) -> list[Document]:
    """Return the published documents of a case, by type, newest version first."""
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.case_id == case.id, Document.staged.is_(False))
            .order_by(Document.doc_type, Document.version.desc())
        )
    )


def _visible_document(user: User, document_id: int) -> tuple[Document, Case]:
    document = db.session.get(Document, document_id)
    if document is None or document.case_id is None or document.staged:
        raise NotFound("Document %(id)s was not found.", id=document_id)
    case = db.session.get(Case, document.case_id)
    if not can_view_case(user, case):
        raise NotFound("Document %(id)s was not found.", id=document_id)
    return document, case


def open_document(user: User, document_id: int):
    """Return (path, document) of a document `user` may read."""
    document, _ = _visible_document(user, document_id)
    return store().path(document.stored_name), document


def can_review(user: User, case: Case) -> bool:
    return user.role in REVIEWER_ROLES and can_view_case(user, case) and case.state == "open"


def review(user: User, document_id: int, decision: str, reason: str = "") -> Document:
    """Accept or reject one document version. A rejection needs a reason and notifies the user who must replace it."""
    from . import steps

    steps.begin_write()
    document, case = _visible_document(user, document_id)
    if not can_review(user, case):
        raise Forbidden("Only the provincial directorate, the AREF or the DAJC can check the documents of this case.")
    errors: dict[str, list[str]] = {}
    if decision not in ("accepted", "rejected"):
        errors["decision"] = [_translate("Choose whether the document is accepted or rejected.", {})]
    # Browsers send a line break as CRLF but count it as one character against the field's maxlength.
    reason = (reason or "").replace("\r\n", "\n").strip()
    if decision == "rejected" and not reason:
        errors["reason"] = [_translate("Give the reason for the rejection, so the document can be replaced.", {})]
    if len(reason) > 1000:
        errors["reason"] = [_translate("Shorten the reason to at most 1000 characters.", {})]
    if errors:
        raise InvalidData(errors, {"decision": decision, "reason": reason})

    steps.lock_case(case.id)
    document.status = decision
    document.reviewed_by_id = user.id
    document.reviewed_at = steps.now()
    document.review_reason = reason
    steps.record(case, "document_reviewed", actor=user,
                 details={"document_id": document.id, "doc_type": document.doc_type, "version": document.version,
                          "decision": decision, "reason": reason})
    if decision == "rejected":
        for recipient in replacers(case, document):
            notifications.notify(recipient, case, "document_rejected", key=f"rejected:{document.id}:{recipient.id}",
                                 params={"doc_type": document.doc_type, "reason": reason},
                                 link=f"/cases/{case.id}#documents")
    steps.write_case(case)
    db.session.commit()
    return document


def replacers(case: Case, document: Document) -> list[User]:
    """Return the users who must replace `document`: its uploader, or the guardian's school for a paper file."""
    uploader = db.session.get(User, document.uploaded_by_id)
    return [uploader] if uploader is not None and uploader.active else []


def can_replace(user: User, case: Case, document: Document) -> bool:
    """Tell whether `user` may upload a new version of `document`'s type."""
    if case.state != "open" or not can_view_case(user, case):
        return False
    uploader = db.session.get(User, document.uploaded_by_id)
    if user.id == document.uploaded_by_id:
        return True
    return uploader is not None and uploader.role == user.role and user.role == "school"


def replace(user: User, document_id: int, upload) -> Document:
    """Upload a new version of a document; the earlier versions stay as they were."""
    from . import steps

    steps.begin_write()
    document, case = _visible_document(user, document_id)
    if not can_replace(user, case, document):
        raise Forbidden("Only the person who uploaded this document, or their school, can replace it.")
    if upload is None:
        raise InvalidData({"file": [_translate("Choose the file to upload.", {})]})
    steps.lock_case(case.id)
    try:
        new = store_upload(user, upload, doc_type=document.doc_type, case=case, task_bpmn_id=document.task_bpmn_id,
                           field=document.field)
    except UploadRejected as exc:
        message, params = upload_error(exc)
        raise InvalidData({"file": [_translate(message, params)]}) from exc
    publish([new], case)
    steps.record(case, "document_replaced", actor=user,
                 details={"document_id": new.id, "replaces": document.id, "doc_type": new.doc_type,
                          "version": new.version})
    steps.write_case(case)
    db.session.commit()
    return new


def _translate(message: str, params: dict) -> str:
    from flask_babel import gettext

    return gettext(message, **params)
