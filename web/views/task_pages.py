"""The task page: fill in a step's form, save a draft or submit it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

import forms
from engine.services import tasks
from engine.services.errors import Conflict, InvalidData

from .common import bp, current_locale, process_text


def _conflict_page(error: Conflict):
    message = gettext(error.message, **error.params)
    return render_template("tasks/conflict.html", message=message), 409


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task_page(task_id: str):
    locale = current_locale()
    try:
        view = tasks.open_task(current_user, task_id, locale)
    except Conflict as error:
        return _conflict_page(error)
    if request.method == "GET":
        return render_template("tasks/show.html", view=view, bundle=view.bundle, values=view.values, errors={})

    raw = forms.parse_html(view.form, request.form, request.files)
    if request.form.get("action") == "draft":
        tasks.save_draft(current_user, task_id, raw, locale)
        flash(gettext("Your draft is saved; you can come back to it later."), "success")
        return redirect(url_for("views.task_page", task_id=task_id))

    # The pending-task row is deleted on completion, so read its title first.
    step_title = process_text(view.bundle, view.task.title)
    try:
        case = tasks.complete(current_user, task_id, raw, locale=locale)
    except InvalidData as error:
        return render_template("tasks/show.html", view=view, bundle=view.bundle, values=error.values,
                               errors=error.errors), 422
    except Conflict as error:
        return _conflict_page(error)
    flash(gettext("“%(step)s” is completed for case %(reference)s.",
                  step=step_title, reference=case.reference), "success")
    return redirect(url_for("views.inbox"))
