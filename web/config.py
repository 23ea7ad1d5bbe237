"""Every setting of the application, with its default.

A `SANAD_`-prefixed environment variable overrides any setting (for example `SANAD_UPLOAD_MAX_BYTES=5242880`),
and so do the plain names listed in `ENVIRONMENT_NAMES`.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    # SQLAlchemy URL of the database; empty means SQLite at instance/sanad.sqlite3.
    "SQLALCHEMY_DATABASE_URI": "",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Folder of the diagrams, forms and settings that `flask processes deploy` reads.
    "PROCESSES_DIR": str(ROOT / "processes"),
    # Folder where uploaded documents are stored under random names; empty means instance/documents.
    "DOCUMENTS_DIR": "",
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    # Flush each uploaded file to the disk before its document row is committed. Empty (None) follows the
    # database: on for PostgreSQL, off for SQLite, whose commits are not flushed either (synchronous=NORMAL).
    "SYNC_UPLOADS": None,
    # Lifetime of a bearer token issued by POST /api/v1/auth/token.
    "API_TOKEN_TTL_SECONDS": 12 * 3600,
    # Locales offered to users; the first is the default.
    "LANGUAGES": ("fr", "ar"),
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Africa/Casablanca",
    # Rows per inbox page.
    "INBOX_PAGE_SIZE": 25,
    # Restored workflows each process keeps for the next step of the same case (about 150-250 KB each).
    # 0 keeps none.
    "WORKFLOW_POOL_SIZE": 256,
    # CPU time a diagram script or condition may use before it is stopped.
    "SCRIPT_TIMEOUT_SECONDS": 2.0,
    # Password of the demo accounts created by `flask seed`.
    "DEMO_PASSWORD": "sanad-demo-2026",
    # Run the timer scheduler inside the web process (the `make run` default).
    "SCHEDULER_ENABLED": False,
    "SCHEDULER_TICK_SECONDS": 10,
    # Make /readyz fail when no scheduler has ticked within 3 × SCHEDULER_TICK_SECONDS; leave it off where no
    # scheduler process runs beside the web workers.
    "SCHEDULER_REQUIRED": False,
    # "json" writes one JSON object per log line, with the request id; "plain" is readable text for development.
    "LOG_FORMAT": "plain",
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "sanad@localhost",
    # Absolute URL used in e-mails; empty means links relative to the site.
    "PUBLIC_BASE_URL": "",
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
}

# Plain environment variable -> setting, for the names that deployments and clients already use.
ENVIRONMENT_NAMES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "DEMO_PASSWORD": "DEMO_PASSWORD",
    "SECRET_KEY": "SECRET_KEY",
    "SCHEDULER_TICK_SECONDS": "SCHEDULER_TICK_SECONDS",
    "SCHEDULER_REQUIRED": "SCHEDULER_REQUIRED",
    "LOG_FORMAT": "LOG_FORMAT",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER": "MAIL_DEFAULT_SENDER",
}

_INTEGER_SETTINGS = {"UPLOAD_MAX_BYTES", "SCHEDULER_TICK_SECONDS", "MAIL_PORT", "API_TOKEN_TTL_SECONDS"}
_BOOLEAN_SETTINGS = {"MAIL_USE_TLS", "SCHEDULER_ENABLED", "SCHEDULER_REQUIRED", "SYNC_UPLOADS"}

# Connection pool of a PostgreSQL server; each web worker and scheduler process has its own pool.
POSTGRESQL_LOCK_TIMEOUT_MS = 30000
POSTGRESQL_ENGINE_OPTIONS = {
    # A writer waits this long for another one's row lock, then the step fails with a "try again" conflict.
    # SQLite's busy timeout (storage.db.SQLITE_BUSY_TIMEOUT_MS) bounds the same wait there.
    "connect_args": {"options": f"-c lock_timeout={POSTGRESQL_LOCK_TIMEOUT_MS}"},
    "pool_size": 5,
    "max_overflow": 5,
    "pool_timeout": 30,
    # storage.db tests a connection before use only after it idled (IDLE_PING_SECONDS), so one the server or a
    # proxy closed is replaced instead of failing a request. A test on every checkout costs a round trip.
    "pool_pre_ping": False,
    "pool_recycle": 1800,
}


def _convert(name, text):
    if name in _INTEGER_SETTINGS:
        return int(text)
    if name in _BOOLEAN_SETTINGS:
        return text.strip().lower() in {"1", "true", "yes", "on"}
    return text


def load(app, test_config=None):
    """Fill `app.config` from the defaults, the environment and, in tests, `test_config`."""
    app.config.from_mapping(DEFAULTS)
    for env_name, setting in ENVIRONMENT_NAMES.items():
        if os.environ.get(env_name):
            app.config[setting] = _convert(setting, os.environ[env_name])
    app.config.from_prefixed_env("SANAD")
    if test_config:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'sanad.sqlite3'}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith(("postgres://", "postgresql://")):
        # The installed driver is psycopg 3; SQLAlchemy's bare "postgresql" would look for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**POSTGRESQL_ENGINE_OPTIONS,
                                                   **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if not app.config["DOCUMENTS_DIR"]:
        app.config["DOCUMENTS_DIR"] = str(instance / "documents")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """Read the secret key kept in the instance folder, creating it on first start."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
