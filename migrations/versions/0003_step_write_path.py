"""Keep each case's audit head on its row, drop drafts with their task, index the inbox order, compress with lz4

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# The inbox reads each way of holding tasks in its display order: dated tasks first, soonest due first.
INBOX_INDEXES = (
    ("ix_pending_task_inbox_school", ("role", "school_id")),
    ("ix_pending_task_inbox_province", ("role", "province_id")),
    ("ix_pending_task_inbox_region", ("role", "region_id")),
    ("ix_pending_task_inbox_guardian", ("guardian_id",)),
    ("ix_pending_task_inbox_role", ("role",)),
)
OLD_INDEXES = (
    ("ix_pending_task_role_school", ["role", "school_id", "due_at"]),
    ("ix_pending_task_role_province", ["role", "province_id", "due_at"]),
    ("ix_pending_task_role_region", ["role", "region_id", "due_at"]),
    ("ix_pending_task_guardian", ["guardian_id", "due_at"]),
    ("ix_pending_task_role_due", ["role", "due_at"]),
)


def upgrade():
    with op.batch_alter_table("accident_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_head", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE accident_case SET audit_head = (SELECT e.sha256 FROM audit_event AS e "
        "WHERE e.case_id = accident_case.id ORDER BY e.id DESC LIMIT 1)"
    )

    # A draft belongs to one pending task; drafts whose task is gone could never be submitted.
    op.execute("DELETE FROM task_draft WHERE task_id NOT IN (SELECT id FROM pending_task)")
    with op.batch_alter_table("task_draft", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_task_draft_task_id_pending_task"), "pending_task",
                                    ["task_id"], ["id"], ondelete="CASCADE")

    with op.batch_alter_table("pending_task", schema=None) as batch_op:
        for name, _ in OLD_INDEXES:
            batch_op.drop_index(name)
    for name, scope in INBOX_INDEXES:
        op.create_index(name, "pending_task", [*scope, sa.text("(due_at IS NULL)"), "due_at", "created_at", "id"])

    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _has_lz4(bind):
        # Every step rewrites the workflow column; lz4 compresses it several times faster than the default.
        op.execute("ALTER TABLE accident_case ALTER COLUMN workflow SET COMPRESSION lz4")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _has_lz4(bind):
        op.execute("ALTER TABLE accident_case ALTER COLUMN workflow SET COMPRESSION pglz")
    for name, _ in INBOX_INDEXES:
        op.drop_index(name, table_name="pending_task")
    with op.batch_alter_table("pending_task", schema=None) as batch_op:
        for name, columns in OLD_INDEXES:
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("task_draft", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_task_draft_task_id_pending_task"), type_="foreignkey")
    with op.batch_alter_table("accident_case", schema=None) as batch_op:
        batch_op.drop_column("audit_head")


def _has_lz4(bind) -> bool:
    """Tell whether the PostgreSQL server was built with lz4 (version 14 or later, configured with it)."""
    if bind.dialect.server_version_info < (14,):
        return False
    return bind.execute(sa.text(
        "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
    )).scalar() > 0
