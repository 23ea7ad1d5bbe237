"""Tables of the referential, users, process versions, cases, pending tasks and documents."""

from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db

ROLES = ("school", "parent", "province", "region", "central", "analyst", "admin")
LANE_ROLES = ("school", "parent", "province", "region", "central")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware datetime.

    SQLite keeps no time zone, so values are normalised to UTC on the way in and tagged UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where a UTC timestamp is expected")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# --- Referential -------------------------------------------------------------------------------------------


class Region(db.Model):
    """One of Morocco's 12 regions, with its regional academy (AREF)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(200))
    name_ar: Mapped[str] = mapped_column(sa.String(200))
    academy_fr: Mapped[str] = mapped_column(sa.String(250))
    academy_ar: Mapped[str] = mapped_column(sa.String(250))

    provinces: Mapped[list[Province]] = relationship(back_populates="region", order_by="Province.code")


class Province(db.Model):
    """A provincial directorate (direction provinciale) of the ministry."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(200))
    name_ar: Mapped[str] = mapped_column(sa.String(200))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship(back_populates="provinces")
    schools: Mapped[list[School]] = relationship(back_populates="province", order_by="School.code")


class School(db.Model):
    """A school (établissement scolaire), identified by its Massar establishment code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(250))
    name_ar: Mapped[str] = mapped_column(sa.String(250))
    is_public: Mapped[bool] = mapped_column(default=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("province.id"), index=True)

    province: Mapped[Province] = relationship(back_populates="schools")
    pupils: Mapped[list[Pupil]] = relationship(back_populates="school", order_by="Pupil.last_name")


class Pupil(db.Model):
    """A pupil of the roster, as Massar would provide it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    massar_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(120))
    last_name: Mapped[str] = mapped_column(sa.String(120))
    first_name_ar: Mapped[str] = mapped_column(sa.String(120), default="")
    last_name_ar: Mapped[str] = mapped_column(sa.String(120), default="")
    birth_date: Mapped[date] = mapped_column(sa.Date)
    level: Mapped[str] = mapped_column(sa.String(60), default="")
    insured: Mapped[bool] = mapped_column(default=True)
    insurance_receipt: Mapped[str] = mapped_column(sa.String(60), default="")
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    guardian_name: Mapped[str] = mapped_column(sa.String(200), default="")
    guardian_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)

    school: Mapped[School] = relationship(back_populates="pupils")
    guardian: Mapped[User | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# --- Users -------------------------------------------------------------------------------------------------


class User(db.Model):
    """A person who logs in; the role and the scope columns decide what they see and do."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    role: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(8), default="fr")
    active: Mapped[bool] = mapped_column(default=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("province.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()
    province: Mapped[Province | None] = relationship()
    region: Mapped[Region | None] = relationship()

    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


# --- Processes and cases -----------------------------------------------------------------------------------


class ProcessVersion(db.Model):
    """An immutable deployment of the `processes/` folder: every diagram, form, mapping and setting file."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    number: Mapped[int] = mapped_column()
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    # Deferred: a version's files are read only when its parsed bundle is not cached yet.
    files: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
    author: Mapped[str] = mapped_column(sa.String(80), default="")
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("process_id", "number", name="uq_process_version_number"),)


class Case(db.Model):
    """A school-accident file, and the state of the workflow instance that carries it."""

    __tablename__ = "accident_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    process_version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_version.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("province.id"), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    accident_date: Mapped[date] = mapped_column(sa.Date)
    # "open" or "closed"; `status` is the plain-words step key and `end_state` the end event's key.
    state: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    status: Mapped[str] = mapped_column(sa.String(60), default="declared")
    end_state: Mapped[str | None] = mapped_column(sa.String(60))
    workflow: Mapped[str] = mapped_column(sa.Text)
    engine_version: Mapped[str] = mapped_column(sa.String(20))
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)
    # SHA-256 of the case's latest audit event, so the next one chains to it without a query.
    audit_head: Mapped[str | None] = mapped_column(sa.String(64))

    process_version: Mapped[ProcessVersion] = relationship()
    pupil: Mapped[Pupil] = relationship()
    school: Mapped[School] = relationship()
    province: Mapped[Province] = relationship()
    region: Mapped[Region] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": row_version}


class PendingTask(db.Model):
    """A ready user task, materialised so that an inbox page is one indexed query.

    Rows are written in the transaction that saves the workflow, so the table always agrees with the engine.
    `guardian_id` is set on parent-lane tasks; when it is empty the school completes the task for the guardian.
    """

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("accident_case.id", ondelete="CASCADE"), index=True)
    bpmn_id: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(250))
    lane: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("province.id"))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"))
    guardian_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    form: Mapped[str | None] = mapped_column(sa.String(250))
    ui_form: Mapped[str | None] = mapped_column(sa.String(250))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()

    # One index per way of holding tasks, in the inbox's order (dated tasks first, soonest due first), so a page
    # reads its rows straight from the index and stops at the page's end, however many tasks the scope has.
    __table_args__ = tuple(
        sa.Index(f"ix_pending_task_inbox_{name}", *scope, sa.text("(due_at IS NULL)"), "due_at", "created_at", "id")
        for name, scope in (("school", ("role", "school_id")), ("province", ("role", "province_id")),
                            ("region", ("role", "region_id")), ("guardian", ("guardian_id",)), ("role", ("role",)))
    )


class TaskDraft(db.Model):
    """A saved, not yet submitted, form of one user for one pending task."""

    # Deleting the pending task, when it is completed or leaves the process, deletes its drafts.
    task_id: Mapped[str] = mapped_column(sa.ForeignKey("pending_task.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("accident_case.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(db.Model):
    """One version of one document of a case; a new upload adds a version and never overwrites one.

    `status` is "pending", "accepted" or "rejected". A `staged` document was uploaded with a form that has not
    been accepted yet, because it failed validation or is still a draft. It keeps the user's file until the form
    is submitted again, and it is not shown in the case's documents. A declaration's staged files have no case.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accident_case.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[int] = mapped_column(default=1)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    media_type: Mapped[str] = mapped_column(sa.String(80))
    task_bpmn_id: Mapped[str | None] = mapped_column(sa.String(120))
    field: Mapped[str | None] = mapped_column(sa.String(120))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    staged: Mapped[bool] = mapped_column(default=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str] = mapped_column(sa.String(1000), default="")

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    __table_args__ = (sa.Index("ix_document_case_type", "case_id", "doc_type", "version"),)


class AuditEvent(db.Model):
    """An append-only, hash-chained record of what happened to a case.

    Each row stores the SHA-256 of its own content and of the row before it on the same case, so an edited or
    deleted row breaks the chain and `storage.audit.verify_chain` reports it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("accident_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    kind: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    bpmn_id: Mapped[str | None] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(250), default="")
    lane: Mapped[str] = mapped_column(sa.String(120), default="")
    on_behalf_of_guardian: Mapped[bool] = mapped_column(default=False)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    previous_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))

    actor: Mapped[User | None] = relationship()


class Notification(db.Model):
    """A message to one user, written in the step's transaction and delivered later (outbox).

    `idempotency_key` is unique, so the same reminder written twice is stored, and delivered, once.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accident_case.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str] = mapped_column(sa.String(1000), default="")

    user: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()


class SchedulerHeartbeat(db.Model):
    """The last tick of each scheduler process, for monitoring and readiness checks."""

    name: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    last_tick_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lag_ms: Mapped[int] = mapped_column(default=0)
    due_instances: Mapped[int] = mapped_column(default=0)
    fired: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
