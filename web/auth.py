"""Logging in and out with Flask-Login sessions, and choosing the interface language."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engine.services import accounts
from storage import db
from storage.models import User

from .extensions import login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    """Return a local redirect target, never another site."""
    if not target:
        return url_for("views.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("views.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("views.home"))
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = accounts.sign_in(username, password) if username and password else None
        if user is None:
            flash(_("Invalid username or password."), "error")
            db.session.rollback()
            return render_template("auth/login.html", username=username), 401
        login_user(user)
        session.pop("locale", None)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", username=username)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language and remember it on the account."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.set_locale(current_user, locale)
    return redirect(_safe_next(request.form.get("next")))


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.register_blueprint(bp)
