"""Account administration for administrators, and the own-password page for every user."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from engine.services import accounts
from engine.services.errors import InvalidData
from storage.models import ROLES

from .common import bp, roles_required

# The account form's fields; passwords are read separately and never sent back to the browser.
PROFILE_FIELDS = ("username", "full_name", "email", "role", "locale", "school_id", "province_id", "region_id",
                  "active")


def _posted_profile() -> dict:
    return {name: request.form.get(name, "") for name in PROFILE_FIELDS}


def _user_values(user) -> dict:
    values = {name: getattr(user, name) for name in PROFILE_FIELDS}
    values["active"] = "1" if user.active else ""
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _render_form(template: str, *, status: int = 200, **context):
    context.setdefault("errors", {})
    return render_template(template, roles=ROLES, referential=accounts.referential(current_user),
                           **context), status


@bp.route("/admin/users")
@roles_required("admin")
def users():
    search = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    role = role if role in ROLES else ""
    rows, total = accounts.list_users(current_user, search=search, role=role)
    return render_template("admin/users.html", users=rows, total=total, search=search, role=role, roles=ROLES)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    if request.method == "GET":
        return _render_form("admin/user_form.html", user=None, values={"locale": "fr", "active": "1"})
    data = _posted_profile()
    data["password"] = request.form.get("password", "")
    try:
        user = accounts.create_user(current_user, data)
    except InvalidData as error:
        return _render_form("admin/user_form.html", user=None, values=error.values, errors=error.errors,
                            status=422)
    flash(gettext("The account %(username)s is created.", username=user.username), "success")
    return redirect(url_for("views.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    user = accounts.get_user(current_user, user_id)
    if request.method == "GET":
        return _render_form("admin/user_form.html", user=user, values=_user_values(user),
                            wards=_wards(user))
    try:
        accounts.update_user(current_user, user_id, _posted_profile())
    except InvalidData as error:
        values = {**error.values, "username": user.username}
        return _render_form("admin/user_form.html", user=user, values=values, errors=error.errors,
                            wards=_wards(user), status=422)
    flash(gettext("The account %(username)s is saved.", username=user.username), "success")
    return redirect(url_for("views.edit_user", user_id=user.id))


def _wards(user):
    return accounts.wards(current_user, user) if user.role == "parent" else []


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def reset_password(user_id: int):
    user = accounts.get_user(current_user, user_id)
    try:
        accounts.reset_password(current_user, user_id, request.form.get("password", ""))
    except InvalidData as error:
        return _render_form("admin/user_form.html", user=user, values=_user_values(user),
                            password_errors=error.errors, wards=_wards(user), status=422)
    flash(gettext("The password of %(username)s is changed; tell them the new one in person.",
                  username=user.username), "success")
    return redirect(url_for("views.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/pupils", methods=["GET", "POST"])
@roles_required("admin")
def link_pupil(user_id: int):
    parent = accounts.get_user(current_user, user_id)
    search = request.args.get("q", "").strip()[:100]
    if request.method == "GET":
        if parent.role != "parent":
            # Only a parent account has pupils to link, so the admin goes back to the account's own page.
            flash(gettext("Only an active parent account can be linked to a pupil."), "error")
            return redirect(url_for("views.edit_user", user_id=user_id))
        return render_template("admin/link_pupil.html", parent=parent, search=search,
                               pupils=accounts.search_pupils(current_user, search), errors={},
                               wards=_wards(parent))
    pupil_id = request.form.get("pupil_id", "")
    try:
        moved = accounts.link_guardian(current_user, user_id, int(pupil_id) if pupil_id.isdigit() else 0)
    except InvalidData as error:
        return render_template("admin/link_pupil.html", parent=parent, search=search,
                               pupils=accounts.search_pupils(current_user, search), errors=error.errors,
                               wards=_wards(parent)), 422
    flash(ngettext("The pupil is linked; %(num)d open case now waits for this guardian.",
                   "The pupil is linked; %(num)d open cases now wait for this guardian.", len(moved)), "success")
    return redirect(url_for("views.link_pupil", user_id=user_id))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def own_password():
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    try:
        accounts.change_own_password(current_user, request.form.get("current_password", ""),
                                     request.form.get("new_password", ""),
                                     request.form.get("confirm_password", ""))
    except InvalidData as error:
        return render_template("account/password.html", errors=error.errors), 422
    flash(gettext("Your password is changed."), "success")
    return redirect(url_for("views.home"))
