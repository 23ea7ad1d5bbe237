"""The Sanad web application: `create_app` builds it for the server, the CLI and the tests."""

from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from storage import db
from storage.db import MAX_RECORD_ID

from . import config
from .extensions import babel, csrf, login_manager, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config=None):
    """Create and configure the application.

    :param test_config: settings that override the defaults and the environment, used by tests.
    """
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), instance_relative_config=True)
    app.url_map.converters["int"] = RecordIdConverter
    config.load(app, test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    from . import api, auth, cli, errors, health, logging, views

    logging.init_app(app)
    health.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    api.init_app(app)
    cli.init_app(app)

    from engine.services import documents, steps

    documents.init_app(app)
    steps.init_app(app)
    app.before_request(_start_write_transaction)
    return app


class RecordIdConverter(IntegerConverter):
    """The `<int:…>` part of a URL, at most MAX_RECORD_ID: a larger number is a 404, not a database overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(url_map, *args, **kwargs)


def _start_write_transaction():
    """Open a write transaction before any request that may write, so SQLite writers queue instead of failing.

    A deferred SQLite transaction that reads and then writes fails at once with "database is locked" when
    another writer commits in between. Starting with BEGIN IMMEDIATE makes the second writer wait instead.
    """
    from flask import request

    from engine.services.steps import begin_write

    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        begin_write()
