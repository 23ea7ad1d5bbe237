"""Process versions for analysts and administrators: list, check uploaded files, deploy the folder."""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from engine import bundle as bundles
from engine.errors import DeploymentError
from engine.services import versions
from storage import db

from .common import bp, roles_required

log = logging.getLogger("sanad.web")

PROCESS_ROLES = ("analyst", "admin")
UPLOAD_SUFFIXES = (".bpmn", ".json")


def _folder_path(filename: str) -> str | None:
    """Return where an uploaded file sits in the processes folder, or None for a name that is not a process file."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    if not name or not name.endswith(UPLOAD_SUFFIXES):
        return None
    if name.endswith((".schema.json", ".uischema.json")):
        return f"forms/{name}"
    if name in (f"{locale}.json" for locale in current_app.config["LANGUAGES"]):
        return f"i18n/{name}"
    return name


def _overlaid_folder() -> tuple[dict[str, bytes], list[str], list[str]]:
    """Return the processes folder with the uploaded files in place of their namesakes.

    Also returns the folder paths the uploads replaced or added, and the names of the uploads that were skipped.
    """
    files = bundles.read_folder(current_app.config["PROCESSES_DIR"])
    placed, skipped = [], []
    for upload in request.files.getlist("files"):
        if not upload or not upload.filename:
            continue
        path = _folder_path(upload.filename)
        if path is None:
            skipped.append(upload.filename)
            continue
        files[path] = upload.read()
        placed.append(path)
    return files, placed, skipped


@bp.route("/processes")
@roles_required(*PROCESS_ROLES)
def processes():
    return render_template("processes/index.html", versions=versions.all_versions(), problems=None)


@bp.route("/processes/validate", methods=["POST"])
@roles_required(*PROCESS_ROLES)
def validate_processes():
    files, placed, skipped = _overlaid_folder()
    problems = versions.validate_files(files)
    return render_template("processes/index.html", versions=versions.all_versions(), problems=problems,
                           checked=placed, skipped=skipped), (422 if problems else 200)


@bp.route("/processes/deploy", methods=["POST"])
@roles_required("analyst")
def deploy_processes():
    comment = request.form.get("comment", "").strip()[:500]
    try:
        version, created = versions.deploy(bundles.read_folder(current_app.config["PROCESSES_DIR"]),
                                           author=current_user.username, comment=comment)
    except DeploymentError as error:
        db.session.rollback()
        log.warning("deployment rejected", extra={"user_id": current_user.id, "problems": len(error.problems)})
        return render_template("processes/index.html", versions=versions.all_versions(), problems=error.problems,
                               deploy_failed=True, comment=comment), 422
    db.session.commit()
    if created:
        flash(gettext("Version %(number)s of %(process)s is deployed.", number=version.number,
                      process=version.process_id), "success")
    else:
        flash(gettext("Nothing to deploy: the folder is the same as version %(number)s.", number=version.number),
              "info")
    return redirect(url_for("views.processes"))
