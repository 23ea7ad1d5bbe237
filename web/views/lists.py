"""Home, inbox, cases list and notifications."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from engine.services import notifications, versions
from engine.services.steps import now
from storage import queries

from .common import ACTOR_ROLES, bp, bundle_of

CASES_PAGE_SIZE = 25


# A larger page number is read as this one, because the SQL OFFSET of a much larger one overflows.
MAX_PAGE = 100_000


def _page_number() -> int:
    """Return the `page` query parameter as a number from 1 to MAX_PAGE, 1 when absent or invalid."""
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


@bp.route("/")
@login_required
def home():
    if current_user.role in ACTOR_ROLES:
        return redirect(url_for("views.inbox"))
    if current_user.role == "analyst":
        return redirect(url_for("views.processes"))
    return redirect(url_for("views.cases"))


@bp.route("/inbox")
@login_required
def inbox():
    step = request.args.get("step", "").strip() or None
    overdue_only = request.args.get("overdue") == "1"
    page = queries.inbox(current_user, step=step, overdue_only=overdue_only, page=_page_number(),
                         page_size=current_app.config["INBOX_PAGE_SIZE"])
    # Step titles in the filter come from the pending tasks; the newest version's catalogs translate them.
    latest = versions.latest_version()
    return render_template("inbox.html", page=page, step=step or "", overdue_only=overdue_only,
                           steps_bundle=bundle_of(latest) if latest else None)


@bp.route("/cases")
@login_required
def cases():
    search = request.args.get("q", "").strip()[:100]
    state = request.args.get("state", "")
    state = state if state in ("open", "closed") else ""
    page = _page_number()
    rows, total = queries.visible_cases(current_user, state=state or None, search=search, page=page,
                                        page_size=CASES_PAGE_SIZE)
    pages = max(1, -(-total // CASES_PAGE_SIZE))
    return render_template("cases/list.html", cases=rows, total=total, page=page, pages=pages, search=search,
                           state=state)


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notification_list():
    if request.method == "POST":
        notifications.mark_all_read(current_user, now())
        flash(gettext("All notifications are marked as read."), "success")
        return redirect(url_for("views.notification_list"))
    return render_template("notifications.html", items=notifications.recent(current_user))
