"""Readiness checks, request ids and JSON log lines."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.clock import clock
from storage import db
from storage.models import SchedulerHeartbeat
from web.logging import JsonFormatter, RequestIdFilter


@pytest.fixture
def heartbeat(app):
    """Return a function that stores a scheduler heartbeat at a given time; the rows are removed afterwards."""

    def _store(at):
        with app.app_context():
            db.session.merge(SchedulerHeartbeat(name="test-scheduler", last_tick_at=at))
            db.session.commit()

    yield _store
    with app.app_context():
        db.session.execute(sa.delete(SchedulerHeartbeat).where(SchedulerHeartbeat.name == "test-scheduler"))
        db.session.commit()


@pytest.fixture
def scheduler_required(app):
    app.config["SCHEDULER_REQUIRED"] = True
    yield
    app.config["SCHEDULER_REQUIRED"] = False


def test_readyz_ready_without_scheduler(client):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["database"] == body["checks"]["migrations"]["head"]
    assert body["checks"]["scheduler"]["skipped"] is True


def test_readyz_fresh_heartbeat(client, heartbeat, scheduler_required):
    clock.freeze(clock.now())
    heartbeat(clock.now() - timedelta(seconds=5))
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()


def test_readyz_stale_heartbeat(app, client, heartbeat, scheduler_required):
    clock.freeze(clock.now())
    heartbeat(clock.now())
    clock.advance(timedelta(seconds=3 * app.config["SCHEDULER_TICK_SECONDS"] + 1))
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failing"] == ["scheduler"]


def test_readyz_no_heartbeat(client, scheduler_required):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["last_tick_at"] is None


def test_readyz_migrations_behind(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "sanad_migration_heads", {"9999"})
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failing"] == ["migrations"]


def test_readyz_database_down(app, client, monkeypatch):
    from web import health

    def unreachable():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(health, "CHECKS", (("database", unreachable),) + health.CHECKS[1:])
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failing"] == ["database", "migrations", "scheduler"]
    assert "connection refused" in body["checks"]["database"]["error"]


def test_request_id_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


def test_request_id_generated(client):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    generated = response.headers["X-Request-ID"]
    assert len(generated) == 32
    assert generated != client.get("/healthz").headers["X-Request-ID"]


def test_json_log_line_parses(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("sanad.test-json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with app.test_request_context("/", headers={"X-Request-ID": "req-42"}):
            app.preprocess_request()
            logger.info("task completed: %s", "T1", extra={"case_id": 7, "task_id": "abc"})
        logger.info("outside a request")
    finally:
        logger.removeHandler(handler)
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["message"] == "task completed: T1"
    assert first["level"] == "INFO"
    assert first["logger"] == "sanad.test-json"
    assert first["request_id"] == "req-42"
    assert first["case_id"] == 7
    assert first["task_id"] == "abc"
    assert "time" in first
    assert second["request_id"] is None
