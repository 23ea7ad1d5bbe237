"""Read-only monitoring of running cases for administrators."""

from __future__ import annotations

from flask import render_template

from engine.services import scheduler
from engine.services.steps import now
from storage.queries import monitoring_summary

from .common import bp, roles_required


@bp.route("/admin")
@roles_required("admin")
def monitoring():
    return render_template("admin/monitoring.html", summary=monitoring_summary(now()),
                           scheduler_status=scheduler.status())
