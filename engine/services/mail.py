"""E-mail delivery of queued notifications over SMTP, with retries, backoff and exactly-once claiming."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_datetime, gettext
from sqlalchemy.orm import joinedload

from storage import db
from storage.models import Notification

from . import steps, versions

log = logging.getLogger("sanad.mail")

MAX_ATTEMPTS = 8
# E-mails claimed, sent and recorded together; a crash mid-batch re-sends at most this many after STALE_SENDING.
CLAIM_BATCH = 25
# A row left "sending" longer than this belongs to a process that died mid-send and is tried again.
STALE_SENDING = timedelta(minutes=10)

SUBJECTS = {
    "task_assigned": "%(reference)s – a task waits for you: %(title)s",
    "reminder": "%(reference)s – reminder: %(task)s",
    "escalation": "%(reference)s – deadline passed: %(task)s",
    "alert": "%(reference)s – alert: %(notice)s",
    "document_rejected": "%(reference)s – a document was rejected",
}
BODIES = {
    "task_assigned": "The step “%(title)s” of the school-accident file %(reference)s waits for you.",
    "reminder": "Reminder: the step “%(task)s” of the file %(reference)s is still open (due %(due_at)s).",
    "escalation": "The deadline of the step “%(task)s” of the file %(reference)s has passed (due %(due_at)s).",
    "alert": "Alert on the school-accident file %(reference)s: %(notice)s.",
    "document_rejected": "A document of the file %(reference)s was rejected: %(reason)s. Upload a new version.",
}
LATE_NOTE = "This reminder is late: the service was unavailable when it fell due (%(missed)s reminder(s) grouped)."


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt: 1, 2, 4 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), timedelta(hours=6))


def format_moment(text: str) -> str:
    """Return an ISO timestamp kept in a notification as a date and time in the current language and the
    application's time zone, or the text unchanged when it is no timestamp."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return format_local(moment)


def format_local(moment: datetime, style: str = "short") -> str:
    """Format an aware datetime in the application's time zone and the current language."""
    # Converted with zoneinfo (the system tz database) because the pytz zone Babel uses (pytz 2026.6) puts
    # Africa/Casablanca at UTC+0 in December 2026, an hour behind Morocco's legal time.
    local = moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return format_datetime(local, style, rebase=False)


def compose(notification: Notification) -> EmailMessage:
    """Build the e-mail of a notification in its recipient's language, with the case reference in the subject."""
    user = notification.user
    params = {"reference": "", "title": "", "task": "", "notice": "", "due_at": "", "reason": "", "missed": 1,
              **notification.params}
    locale = user.locale or "fr"
    if notification.case is not None:
        params["reference"] = notification.case.reference
        # Step and notice names are the diagram's English names, translated by the case's process version.
        bundle = versions.bundle_for(notification.case.process_version)
        for key in ("title", "task", "notice"):
            if params.get(key):
                params[key] = bundle.translate(locale, params[key])
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with force_locale(locale):
        if params.get("due_at"):
            params["due_at"] = format_moment(params["due_at"])
        subject = "Sanad – " + gettext(SUBJECTS.get(notification.kind, "%(reference)s"), **params)
        lines = [gettext(BODIES.get(notification.kind, "%(reference)s"), **params)]
        if params.get("late"):
            lines.append(gettext(LATE_NOTE, missed=params.get("missed", 1)))
        if notification.link:
            lines.append(gettext("Open it here: %(url)s", url=f"{base_url}{notification.link}"))
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = user.email
    message["Message-ID"] = f"<{notification.idempotency_key.replace(':', '.')}@sanad>"
    message.set_content("\n\n".join(lines))
    return message


class _Connection:
    """One SMTP session reused for a whole delivery batch, reopened after any error."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    @staticmethod
    def _open() -> smtplib.SMTP:
        config = current_app.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30)
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException):
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
        self.smtp = None


def _unclaimed(now: datetime):
    """Return the SQL condition of an e-mail to send: pending, or left "sending" by a process that died."""
    return sa.or_(
        Notification.email_status == "pending",
        sa.and_(Notification.email_status == "sending", Notification.email_next_attempt_at <= now - STALE_SENDING),
    )


def _claim(notification_ids: list[int], now: datetime) -> list[int]:
    """Mark rows as being sent, skipping those another process claimed first, in one write transaction.

    Each row is claimed by a conditional update, so of several schedulers exactly one gets it.
    """
    steps.begin_write()
    claimed = [
        notification_id for notification_id in notification_ids
        if db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, _unclaimed(now))
            .values(email_status="sending", email_next_attempt_at=now)
        ).rowcount == 1
    ]
    db.session.commit()
    return claimed


def deliver(now: datetime | None = None, *, limit: int = 200) -> tuple[int, int]:
    """Send the due e-mails of the outbox and return (sent, failed). Without MAIL_SERVER nothing is sent."""
    if not current_app.config["MAIL_SERVER"]:
        return 0, 0
    now = now or steps.now()
    candidates = list(db.session.scalars(
        sa.select(Notification.id).where(
            _unclaimed(now),
            sa.or_(Notification.email_next_attempt_at.is_(None), Notification.email_next_attempt_at <= now),
        ).order_by(Notification.id).limit(limit)
    ))
    db.session.rollback()
    connection = _Connection()
    try:
        return _deliver_each(candidates, now, connection)
    finally:
        connection.close()


def _deliver_each(candidates: list[int], now: datetime, connection: _Connection) -> tuple[int, int]:
    """Claim, send and record the candidates in batches: two short write transactions per batch, not per e-mail."""
    sent = failed = 0
    for start in range(0, len(candidates), CLAIM_BATCH):
        claimed = _claim(candidates[start:start + CLAIM_BATCH], now)
        rows = db.session.scalars(
            sa.select(Notification).where(Notification.id.in_(claimed))
            .options(joinedload(Notification.user), joinedload(Notification.case)).order_by(Notification.id)
        ) if claimed else []
        outcomes = {row.id: _send_one(row, now, connection) for row in rows}
        steps.begin_write()
        for notification_id, values in outcomes.items():
            db.session.execute(sa.update(Notification).where(Notification.id == notification_id).values(**values))
        db.session.commit()
        sent += sum(1 for values in outcomes.values() if values["email_status"] == "sent")
        failed += sum(1 for values in outcomes.values() if values["email_status"] in ("pending", "failed"))
    return sent, failed


def _send_one(notification: Notification, now: datetime, connection: _Connection) -> dict:
    """Send one e-mail and return the column values that record the outcome."""
    attempts = notification.email_attempts + 1
    if not notification.user.email:
        return {"email_status": "skipped", "email_error": "The recipient has no e-mail address."}
    try:
        connection.send(compose(notification))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail delivery failed", extra={"notification_id": notification.id, "attempts": attempts})
        values = {"email_attempts": attempts, "email_error": f"{type(exc).__name__}: {exc}"[:1000]}
        if attempts >= MAX_ATTEMPTS:
            return {**values, "email_status": "failed"}
        return {**values, "email_status": "pending", "email_next_attempt_at": now + backoff(attempts)}
    return {"email_attempts": attempts, "email_status": "sent", "email_sent_at": steps.now(), "email_error": ""}
