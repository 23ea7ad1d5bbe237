"""Fixtures of the timer tests: a frozen clock, an app context, SMTP servers on loopback."""

from __future__ import annotations

import pytest
from timer_helpers import START, CapturingHandler, RejectingHandler, start_smtp

from engine.clock import clock


@pytest.fixture
def frozen(app):
    """Freeze the clock at START inside a request context; the shared cleanup resets the clock."""
    from storage import db

    clock.freeze(START)
    # A request context, because the services translate their messages for the current request's locale.
    with app.test_request_context():
        yield clock
        db.session.remove()


def _serve(handler):
    controller = start_smtp(handler)
    try:
        yield controller
    finally:
        controller.stop()
        controller.loop.close()


@pytest.fixture
def smtp_capture():
    handler = CapturingHandler()
    for controller in _serve(handler):
        yield controller, handler


@pytest.fixture
def smtp_reject():
    handler = RejectingHandler()
    for controller in _serve(handler):
        yield controller, handler


@pytest.fixture
def mail_to(app):
    """Return a function that points the app's mail settings at a loopback server, restored after the test."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "PUBLIC_BASE_URL")
    saved = {key: app.config[key] for key in keys}

    def _point(controller) -> None:
        app.config.update(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port,
                          PUBLIC_BASE_URL="https://sanad.example.test")

    yield _point
    app.config.update(saved)
