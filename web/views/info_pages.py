"""Public information for parents: the procedure of a school-accident file and its legal references."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from .common import bp

# Plain-words explanation of each status for the guardian, keyed by the status keys that diagrams set.
NEXT_STEP_TEXTS = {
    "declared": _l("The school has declared the accident. It now completes the file and tells you which documents "
                   "to provide."),
    "declaration_pending": _l("The school is finishing the declaration of the accident; it must send it within "
                              "48 hours."),
    "docs_pending": _l("The file waits for documents. If a step waits for you, upload the documents it asks for; "
                       "otherwise bring them to the school."),
    "healing_pending": _l("The file waits for the healing or consolidation certificate, which gives the permanent "
                          "disability (IPP) rate, if any. Send it as soon as the doctor gives it to you."),
    "school_check": _l("The school is checking the file and will send it to the provincial directorate."),
    "submitted_to_dp": _l("The school has sent the file to the provincial directorate, which will check it."),
    "under_control": _l("The provincial directorate is checking the file and its documents. You will be told if "
                        "something is missing."),
    "returned_for_completion": _l("The file was returned because something is missing or wrong. Read the reason "
                                  "next to the rejected document and provide a new one."),
    "under_inquiry": _l("An administrative inquiry into the circumstances of the accident is under way."),
    "sent_to_insurer": _l("The file was sent to the school insurer, which will decide on the compensation."),
    "insurer_documents_requested": _l("The insurer asked for more documents; provide them through the school or "
                                      "in Sanad."),
    "rejected_by_insurer": _l("The insurer rejected the file; the administration is examining whether the dahir "
                              "of 1942 applies instead."),
    "dahir_review": _l("The file is being examined under the dahir of 26 October 1942 (lump-sum compensation by "
                       "the State)."),
    "expertise": _l("A medical expertise is planned to set the disability rate; you will be told where and when."),
    "decision_pending": _l("The decision on the compensation is being prepared."),
    "decision_issued": _l("A decision was issued. Read it below; you have 30 days to accept it or contest it."),
    "awaiting_parent": _l("A step waits for you: open it from your inbox."),
    "payment_pending": _l("The compensation is being paid to the bank account (RIB) you gave."),
    "paid": _l("The compensation was paid; the file will then be closed."),
    "contested": _l("You contested the decision; the administration is examining your request."),
    "in_litigation": _l("The case is before the administrative court."),
    "closed": _l("The file is closed. Its history and documents remain available here."),
}


def next_step_text(status: str | None) -> str:
    """Return the plain-words explanation of a status for the guardian, or an empty text for an unknown key."""
    text = NEXT_STEP_TEXTS.get(status or "")
    return str(text) if text is not None else ""


@bp.app_template_global("next_step_text")
def _next_step_text(status: str | None) -> str:
    return next_step_text(status)


@bp.route("/procedure")
def procedure():
    return render_template("procedure.html")
