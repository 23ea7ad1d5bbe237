"""Locale selection and the translation helpers templates use for process text."""

from flask import current_app, session
from flask_login import current_user

RTL_LOCALES = {"ar"}


def select_locale() -> str:
    """Pick the user's language: an explicit choice in the session, then the account's, then French."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction() -> str:
    return "rtl" if current_locale() in RTL_LOCALES else "ltr"


def process_text(bundle, text: str | None) -> str:
    """Translate a text from a diagram or form file through the process's own catalogs."""
    if not text:
        return ""
    return bundle.translate(current_locale(), text)


def status_label(bundle, key: str | None, prefix: str = "status") -> str:
    """Return the user's-language label of a status or end-state key, or the key itself when none exists."""
    if not key:
        return ""
    entry = f"{prefix}:{key}"
    label = bundle.translate(current_locale(), entry) if bundle is not None else entry
    return key.replace("_", " ") if label == entry else label


def init_app(app) -> None:
    @app.context_processor
    def inject_locale():
        return {
            "current_locale": current_locale(),
            "text_direction": text_direction(),
            "process_text": process_text,
            "status_label": status_label,
        }
