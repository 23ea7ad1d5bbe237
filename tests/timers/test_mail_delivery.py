"""Reminder e-mails over real SMTP on loopback: language, link, exactly-once delivery, retries and backoff."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from timer_helpers import START, body_text, case_row, declare, later, pending, user_named

from engine.services import mail, timers
from storage import db
from storage.models import Notification


def _declaration_deadline_passed(frozen) -> int:
    """Declare a case and fire its 48-hour declaration deadline; return the case id."""
    case_id = declare(START)
    frozen.advance(later(hours=48, seconds=1))
    assert timers.fire_due() == 1
    return case_id


def _outbox(case_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.case_id == case_id)
                                   .order_by(Notification.id)))


def _deadline_mails(handler, kind_word: str) -> list:
    return [message for message in handler.messages if kind_word in message["Subject"]]


def test_reminder_mail_in_french(frozen, smtp_capture, mail_to):
    controller, handler = smtp_capture
    mail_to(controller)
    case_id = _declaration_deadline_passed(frozen)
    reference = case_row(case_id).reference
    task_id = pending(case_id)["T2_Finalise"]

    sent, failed = mail.deliver()
    assert failed == 0
    assert sent == len(_outbox(case_id))
    reminders = _deadline_mails(handler, "rappel")
    assert len(reminders) == 1
    message = reminders[0]
    assert reference in message["Subject"]
    assert message["To"].startswith("ecole.demo@")
    assert "Finaliser la déclaration" in message["Subject"]
    body = body_text(message)
    assert "est toujours ouverte" in body
    assert "Ouvrez-le ici" in body
    assert f"https://sanad.example.test/tasks/{task_id}" in body
    escalations = _deadline_mails(handler, "délai dépassé")
    assert [mail_message["To"].split("@")[0] for mail_message in escalations] == ["province.demo"]

    assert mail.deliver() == (0, 0)
    assert len(handler.messages) == sent
    assert {row.email_status for row in _outbox(case_id)} == {"sent"}


def test_escalation_mail_in_arabic(frozen, smtp_capture, mail_to):
    controller, handler = smtp_capture
    mail_to(controller)
    province = user_named("province.demo")
    previous_locale = province.locale
    province.locale = "ar"
    db.session.commit()
    try:
        case_id = _declaration_deadline_passed(frozen)
        mail.deliver()
    finally:
        province = user_named("province.demo")
        province.locale = previous_locale
        db.session.commit()

    escalations = [message for message in handler.messages if message["To"].startswith("province.demo@")
                   and "انقضى الأجل" in message["Subject"]]
    assert len(escalations) == 1
    message = escalations[0]
    assert case_row(case_id).reference in message["Subject"]
    assert "استكمال التصريح بالحادثة" in message["Subject"]
    assert "افتحه من هنا" in body_text(message)


def test_rejected_mail_stays_pending_with_backoff(frozen, smtp_reject, mail_to):
    controller, handler = smtp_reject
    mail_to(controller)
    case_id = _declaration_deadline_passed(frozen)
    queued = len(_outbox(case_id))

    sent, failed = mail.deliver()
    assert (sent, failed) == (0, queued)
    assert handler.attempts == queued
    for row in _outbox(case_id):
        assert row.email_status == "pending"
        assert row.email_attempts == 1
        assert row.email_next_attempt_at == START + later(hours=48, seconds=1) + timedelta(minutes=1)
        assert "550" in row.email_error

    # Nothing is retried before the backoff has passed.
    assert mail.deliver() == (0, 0)
    frozen.advance(timedelta(minutes=1))
    assert mail.deliver() == (0, queued)
    assert {row.email_attempts for row in _outbox(case_id)} == {2}


def test_no_mail_server_sends_nothing(app, frozen, smtp_capture):
    _controller, handler = smtp_capture
    assert app.config["MAIL_SERVER"] == ""
    case_id = _declaration_deadline_passed(frozen)

    assert mail.deliver() == (0, 0)
    assert handler.messages == []
    rows = _outbox(case_id)
    assert rows
    assert {row.email_status for row in rows} == {"pending"}
    assert {row.email_attempts for row in rows} == {0}
