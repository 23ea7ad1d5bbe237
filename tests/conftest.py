"""Shared fixtures: an app on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), clients, logins.

The migrations build the schema once per test session, then the processes are deployed and the referential
seeded. After each test, the rows that tests create (cases, tasks, documents, tokens, notifications) are deleted.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import DEMO_PASSWORD, MINIMAL_PDF

# Every save of a workflow, here and in the servers the tests start, is checked against a fresh encoding. It is
# read when the engine is imported, so it is set first.
os.environ.setdefault("SANAD_CHECK_WORKFLOW_SAVES", "1")

from engine.clock import clock  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The API test helpers (api_helpers, schema_data) serve the tests of other folders too.
API_TESTS = str(Path(__file__).resolve().parent / "api")
if API_TESTS not in sys.path:
    sys.path.insert(0, API_TESTS)
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

# Tables emptied after every test, children first.
PER_TEST_TABLES = ("task_draft", "notification", "audit_event", "pending_task", "document", "accident_case",
                   "api_token", "scheduler_heartbeat")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from web import create_app

    instance = tmp_path_factory.mktemp("instance")
    database_url = TEST_DATABASE_URL or f"sqlite:///{instance / 'test.sqlite3'}"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DOCUMENTS_DIR": str(instance / "documents"),
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "WTF_CSRF_ENABLED": True,
        "SCHEDULER_ENABLED": False,
    })
    with app.app_context():
        from storage import db

        if TEST_DATABASE_URL:
            _drop_everything(db)
        upgrade()
        runner = app.test_cli_runner()
        for command in (["processes", "deploy"], ["seed"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
        db.session.remove()
    yield app
    with app.app_context():
        from storage import db

        db.session.remove()
        db.engine.dispose()


def _drop_everything(db) -> None:
    """Empty the PostgreSQL test database, so each run starts from the migrations."""
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def _clean_rows(request):
    yield
    clock.reset()
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        from storage import db

        db.session.remove()
        with db.engine.begin() as connection:
            for table in PER_TEST_TABLES:
                connection.execute(sa.text(f"DELETE FROM {table}"))
        db.session.remove()


@pytest.fixture
def db_session(app):
    from storage import db

    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token input in the page"
    return match.group(1) or match.group(2)


class Browser:
    """A logged-in test client that reads the CSRF token from each page before it posts."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = DEMO_PASSWORD):
        page = self.client.get("/login")
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": csrf_token(page.get_data(as_text=True))})
        return response

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post_form(self, page_url: str, data: dict, *, action: str | None = None, **kwargs):
        """Load `page_url`, then post `data` with its CSRF token to `action` (default: the same URL)."""
        page = self.client.get(page_url)
        payload = dict(data)
        payload["csrf_token"] = csrf_token(page.get_data(as_text=True))
        return self.client.post(action or page_url, data=payload, **kwargs)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def login_as(app):
    """Return a function that gives a fresh logged-in Browser for a demo username."""

    def _login(username: str) -> Browser:
        user_browser = Browser(app.test_client())
        response = user_browser.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user_browser

    return _login


@pytest.fixture
def api_token(client):
    """Return a function that logs a demo user in through the API and returns the Authorization header."""

    def _token(username: str) -> dict:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _token




@pytest.fixture
def pdf_bytes() -> bytes:
    return MINIMAL_PDF
