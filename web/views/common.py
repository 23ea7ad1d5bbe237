"""The `views` blueprint and what every page shares: role checks, labels of roles and statuses, formatting."""

from __future__ import annotations

from collections import defaultdict
from functools import wraps

from flask import Blueprint, abort, g
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from engine.services import mail, notifications, versions

from ..i18n import current_locale, process_text, status_label

bp = Blueprint("views", __name__)

# Roles that hold tasks in a lane of the process, and so have an inbox.
ACTOR_ROLES = ("school", "parent", "province", "region", "central")

ROLE_LABELS = {
    "school": _l("School"),
    "parent": _l("Parent"),
    "province": _l("Provincial directorate"),
    "region": _l("AREF"),
    "central": _l("DAJC"),
    "analyst": _l("Process analyst"),
    "admin": _l("Administrator"),
}

# Plain-words labels of the status keys that diagrams may set (docs/processes.md lists them).
STATUS_LABELS = {
    "declared": _l("Declared"),
    "school_check": _l("File checked and submitted by the school"),
    "declaration_pending": _l("Declaration pending"),
    "docs_pending": _l("Documents pending"),
    "healing_pending": _l("Waiting for the healing certificate"),
    "submitted_to_dp": _l("Submitted to the provincial directorate"),
    "under_control": _l("Being checked"),
    "returned_for_completion": _l("Returned for completion"),
    "under_inquiry": _l("Under administrative inquiry"),
    "sent_to_insurer": _l("Sent to the insurer"),
    "insurer_documents_requested": _l("Documents requested by the insurer"),
    "rejected_by_insurer": _l("Rejected by the insurer"),
    "dahir_review": _l("Under review (dahir of 1942)"),
    "expertise": _l("Medical expertise"),
    "decision_pending": _l("Decision pending"),
    "decision_issued": _l("Decision issued"),
    "awaiting_parent": _l("Waiting for the parent"),
    "payment_pending": _l("Payment pending"),
    "paid": _l("Paid"),
    "contested": _l("Contested"),
    "in_litigation": _l("In litigation"),
    "closed": _l("Closed"),
}

END_STATE_LABELS = {
    "closed_insurer": _l("Closed: settled by the insurer"),
    "closed_dahir": _l("Closed: compensated under the dahir of 1942"),
    "closed_no_entitlement": _l("Closed: no compensation due"),
    "closed_judgment": _l("Closed: after a court judgment"),
    "transferred_work_accident": _l("Transferred as a work accident"),
    "out_of_scope": _l("Out of scope: referred to the school's insurer"),
    "suspended": _l("Suspended: the file stayed incomplete"),
}

# Keys that services write into the details of audit events, besides the fields of forms.
DETAIL_LABELS = {
    "document_id": _l("Document"),
    "replaces": _l("Replaces"),
    "doc_type": _l("Type"),
    "version": _l("Version"),
    "decision": _l("Decision"),
    "reason": _l("Reason"),
    "end_state": _l("Outcome"),
    "guardian": _l("Guardian"),
    "previous_guardian_id": _l("Previous guardian account"),
    "tasks_moved": _l("Steps handed to the guardian"),
}

CASE_STATE_LABELS = {"open": _l("Open"), "closed": _l("Closed")}

DOCUMENT_STATUS_LABELS = {"pending": _l("Not checked yet"), "accepted": _l("Accepted"), "rejected": _l("Rejected")}

# The kinds of notification and the states of their e-mail, as the outbox on the monitoring page shows them.
NOTIFICATION_KIND_LABELS = {
    "task_assigned": _l("Step waiting"),
    "reminder": _l("Reminder"),
    "escalation": _l("Deadline passed"),
    "alert": _l("Alert"),
    "document_rejected": _l("Document rejected"),
}
EMAIL_STATUS_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "skipped": _l("Not sent: no e-mail address"),
}

EVENT_LABELS = {
    "case_declared": _l("Accident declared"),
    "task_completed": _l("Step completed"),
    "case_closed": _l("Case closed"),
    "document_reviewed": _l("Document checked"),
    "document_replaced": _l("Document replaced"),
    "document_added": _l("Document added"),
    "guardian_linked": _l("Guardian account linked"),
    "timer_fired": _l("Deadline reached"),
}


def roles_required(*roles: str):
    """Wrap a view so that only logged-in users with one of `roles` reach it; others get a 403 page."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, description=gettext("Your role does not give access to this page."))
            return view(*args, **kwargs)

        return wrapped

    return decorate


def bundle_of(version):
    """Return the parsed bundle of a process version, given as a row or an id, memoised for the current request."""
    cache = g.setdefault("sanad_bundles", {})
    version_id = version if isinstance(version, int) else version.id
    if version_id not in cache:
        cache[version_id] = versions.bundle_for_id(version) if isinstance(version, int) else versions.bundle_for(version)
    return cache[version_id]


def _form_texts(bundle) -> dict[str, str]:
    """Map the field names, document types and choice values of a bundle's forms to their English titles.

    Keys are `field`, `doc:<document type>` and `field=<value>`; the first form that defines one wins.
    """
    cache = g.setdefault("sanad_form_texts", {})
    key = getattr(bundle, "sha256", None) or id(bundle)
    if key in cache:
        return cache[key]
    texts: dict[str, str] = {}
    for path in sorted(bundle.files):
        if not (path.startswith("forms/") and path.endswith(".schema.json")):
            continue
        properties = (bundle.form(path[len("forms/"):]) or {}).get("properties") or {}
        for name, prop in properties.items():
            if not isinstance(prop, dict) or not prop.get("title"):
                continue
            texts.setdefault(name, prop["title"])
            if prop.get("x-document-type"):
                texts.setdefault(f"doc:{prop['x-document-type']}", prop["title"])
            items = prop.get("items") if isinstance(prop.get("items"), dict) else prop
            for option in items.get("oneOf") or []:
                if isinstance(option, dict) and "const" in option and option.get("title"):
                    texts.setdefault(f"{name}={option['const']}", option["title"])
    cache[key] = texts
    return texts


def field_label(bundle, name: str) -> str:
    """Return the translated title of a form field, or its name in words when no form defines it."""
    if name in DETAIL_LABELS:
        return str(DETAIL_LABELS[name])
    title = _form_texts(bundle).get(name) or name.replace("_", " ").capitalize()
    return process_text(bundle, title)


def document_type_label(bundle, doc_type: str) -> str:
    """Return the translated title of the form field that files documents of `doc_type`."""
    title = _form_texts(bundle).get(f"doc:{doc_type}") or doc_type.replace("_", " ").capitalize()
    return process_text(bundle, title)


def value_label(bundle, name: str, value) -> str:
    """Return the translated title of a choice value of field `name`, or the value as text."""
    text = str(value)
    if name == "decision":
        return str(DOCUMENT_STATUS_LABELS.get(text, text))
    if name == "doc_type":
        return document_type_label(bundle, text)
    if name == "end_state":
        return end_state(bundle, text)
    title = _form_texts(bundle).get(f"{name}={text}")
    return process_text(bundle, title) if title else text


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def case_status(bundle, key: str | None) -> str:
    """Return the label of a status key: the process's own wording first, then the application's."""
    if not key:
        return ""
    label = status_label(bundle, key)
    if label == key.replace("_", " ") and key in STATUS_LABELS:
        return str(STATUS_LABELS[key])
    return label


def end_state(bundle, key: str | None) -> str:
    """Return the label of an end-state key, like `case_status`."""
    if not key:
        return ""
    label = status_label(bundle, key, "end_state")
    if label == key.replace("_", " ") and key in END_STATE_LABELS:
        return str(END_STATE_LABELS[key])
    return label


def notification_text(notification) -> str:
    """Return a notification as a sentence in the user's language, worded like its e-mail body."""
    template = mail.BODIES.get(notification.kind)
    if template is None:
        return notification.kind.replace("_", " ")
    params = defaultdict(str, {key: str(value) for key, value in (notification.params or {}).items()})
    case = notification.case
    if case is not None:
        # Step and notice names are English diagram text, translated by the case's own process version.
        bundle = bundle_of(case.process_version)
        for key in ("title", "task", "notice"):
            if params[key]:
                params[key] = process_text(bundle, params[key])
        params["reference"] = params["reference"] or case.reference
    if params["due_at"]:
        params["due_at"] = mail.format_moment(params["due_at"])
    return gettext(template) % params


def when(moment, style: str = "short") -> str:
    """Format an aware datetime in the application's time zone and the user's language."""
    if moment is None:
        return ""
    return mail.format_local(moment, style)


def file_size(size: int | None) -> str:
    """Return a file size with its unit in the user's language and number format, such as "2,5 Mio"."""
    if size is None:
        return ""
    if size < 1024:
        return gettext("%(size)s B", size=format_decimal(size))
    if size < 1024 * 1024:
        return gettext("%(size)s KiB", size=format_decimal(round(size / 1024)))
    return gettext("%(size)s MiB", size=format_decimal(round(size / (1024 * 1024), 1)))


def install_template_helpers(app) -> None:
    """Make the labels and formatters above available to every template."""
    app.jinja_env.globals.update(
        role_label=role_label,
        case_status=case_status,
        end_state_label=end_state,
        case_state_label=lambda key: str(CASE_STATE_LABELS.get(key, key)),
        document_status_label=lambda key: str(DOCUMENT_STATUS_LABELS.get(key, key)),
        notification_kind_label=lambda key: str(NOTIFICATION_KIND_LABELS.get(key, key.replace("_", " "))),
        email_status_label=lambda key: str(EMAIL_STATUS_LABELS.get(key, key)),
        event_label=lambda kind: str(EVENT_LABELS.get(kind, kind.replace("_", " "))),
        notification_text=notification_text,
        bundle_of=bundle_of,
        field_label=field_label,
        document_type_label=document_type_label,
        value_label=value_label,
        when=when,
        file_size=file_size,
        ACTOR_ROLES=ACTOR_ROLES,
    )

    @app.context_processor
    def inject_navigation():
        if not getattr(current_user, "is_authenticated", False):
            return {"unread_count": 0}
        return {"unread_count": notifications.unread_count(current_user)}


__all__ = ["bp", "bundle_of", "current_locale", "process_text", "roles_required"]
