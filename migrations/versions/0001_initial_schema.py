"""Create the initial schema

Revision ID: 0001
Revises: none
Create Date: 2026-12-04 20:23:10.123047

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('process_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=120), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_version')),
    sa.UniqueConstraint('process_id', 'number', name='uq_process_version_number')
    )
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_version_process_id'), ['process_id'], unique=False)

    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_fr', sa.String(length=200), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('academy_fr', sa.String(length=250), nullable=False),
    sa.Column('academy_ar', sa.String(length=250), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code'))
    )
    op.create_table('province',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_fr', sa.String(length=200), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_province_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_province')),
    sa.UniqueConstraint('code', name=op.f('uq_province_code'))
    )
    with op.batch_alter_table('province', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_province_region_id'), ['region_id'], unique=False)

    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_fr', sa.String(length=250), nullable=False),
    sa.Column('name_ar', sa.String(length=250), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['province.id'], name=op.f('fk_school_province_id_province')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('code', name=op.f('uq_school_code'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_province_id'), ['province_id'], unique=False)

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('school', 'parent', 'province', 'region', 'central', 'analyst', 'admin')", name=op.f('ck_app_user_role_known')),
    sa.ForeignKeyConstraint(['province_id'], ['province.id'], name=op.f('fk_app_user_province_id_province')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_app_user_region_id_region')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_app_user_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_province_id'), ['province_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_user_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_user_school_id'), ['school_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_api_token_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_token_token_sha256'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('pupil',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('massar_code', sa.String(length=16), nullable=False),
    sa.Column('first_name', sa.String(length=120), nullable=False),
    sa.Column('last_name', sa.String(length=120), nullable=False),
    sa.Column('first_name_ar', sa.String(length=120), nullable=False),
    sa.Column('last_name_ar', sa.String(length=120), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=60), nullable=False),
    sa.Column('insured', sa.Boolean(), nullable=False),
    sa.Column('insurance_receipt', sa.String(length=60), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('guardian_name', sa.String(length=200), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['guardian_id'], ['app_user.id'], name=op.f('fk_pupil_guardian_id_app_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_pupil_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil')),
    sa.UniqueConstraint('massar_code', name=op.f('uq_pupil_massar_code'))
    )
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pupil_school_id'), ['school_id'], unique=False)

    op.create_table('accident_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('accident_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=60), nullable=False),
    sa.Column('end_state', sa.String(length=60), nullable=True),
    sa.Column('workflow', sa.Text(), nullable=False),
    sa.Column('engine_version', sa.String(length=20), nullable=False),
    sa.Column('next_timer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_accident_case_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['guardian_id'], ['app_user.id'], name=op.f('fk_accident_case_guardian_id_app_user')),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_version.id'], name=op.f('fk_accident_case_process_version_id_process_version')),
    sa.ForeignKeyConstraint(['province_id'], ['province.id'], name=op.f('fk_accident_case_province_id_province')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_accident_case_pupil_id_pupil')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_accident_case_region_id_region')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_accident_case_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accident_case')),
    sa.UniqueConstraint('reference', name=op.f('uq_accident_case_reference'))
    )
    with op.batch_alter_table('accident_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accident_case_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_next_timer_at'), ['next_timer_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_process_version_id'), ['process_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_province_id'), ['province_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_case_state'), ['state'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('bpmn_id', sa.String(length=120), nullable=True),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('lane', sa.String(length=120), nullable=False),
    sa.Column('on_behalf_of_guardian', sa.Boolean(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('previous_sha256', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_audit_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['case_id'], ['accident_case.id'], name=op.f('fk_audit_event_case_id_accident_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_case_id'), ['case_id'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('doc_type', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=80), nullable=False),
    sa.Column('task_bpmn_id', sa.String(length=120), nullable=True),
    sa.Column('field', sa.String(length=120), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('staged', sa.Boolean(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['accident_case.id'], name=op.f('fk_document_case_id_accident_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_document_reviewed_by_id_app_user')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_document_uploaded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_document_stored_name'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_document_case_type', ['case_id', 'doc_type', 'version'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_status', sa.String(length=10), nullable=False),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.Column('email_next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_error', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['accident_case.id'], name=op.f('fk_notification_case_id_accident_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_notification_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notification_idempotency_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_email_status'), ['email_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('pending_task',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('bpmn_id', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('lane', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('form', sa.String(length=250), nullable=True),
    sa.Column('ui_form', sa.String(length=250), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['accident_case.id'], name=op.f('fk_pending_task_case_id_accident_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guardian_id'], ['app_user.id'], name=op.f('fk_pending_task_guardian_id_app_user')),
    sa.ForeignKeyConstraint(['province_id'], ['province.id'], name=op.f('fk_pending_task_province_id_province')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_pending_task_region_id_region')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_pending_task_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_task'))
    )
    with op.batch_alter_table('pending_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_task_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_pending_task_guardian', ['guardian_id', 'due_at'], unique=False)
        batch_op.create_index('ix_pending_task_role_due', ['role', 'due_at'], unique=False)
        batch_op.create_index('ix_pending_task_role_province', ['role', 'province_id', 'due_at'], unique=False)
        batch_op.create_index('ix_pending_task_role_region', ['role', 'region_id', 'due_at'], unique=False)
        batch_op.create_index('ix_pending_task_role_school', ['role', 'school_id', 'due_at'], unique=False)

    op.create_table('task_draft',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['accident_case.id'], name=op.f('fk_task_draft_case_id_accident_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_task_draft_user_id_app_user')),
    sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_task_draft'))
    )
    with op.batch_alter_table('task_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_draft_case_id'), ['case_id'], unique=False)

    


def downgrade():
    
    with op.batch_alter_table('task_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_draft_case_id'))

    op.drop_table('task_draft')
    with op.batch_alter_table('pending_task', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_task_role_school')
        batch_op.drop_index('ix_pending_task_role_region')
        batch_op.drop_index('ix_pending_task_role_province')
        batch_op.drop_index('ix_pending_task_role_due')
        batch_op.drop_index('ix_pending_task_guardian')
        batch_op.drop_index(batch_op.f('ix_pending_task_case_id'))

    op.drop_table('pending_task')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_email_status'))
        batch_op.drop_index(batch_op.f('ix_notification_case_id'))

    op.drop_table('notification')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_case_type')
        batch_op.drop_index(batch_op.f('ix_document_case_id'))

    op.drop_table('document')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_case_id'))

    op.drop_table('audit_event')
    with op.batch_alter_table('accident_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accident_case_state'))
        batch_op.drop_index(batch_op.f('ix_accident_case_school_id'))
        batch_op.drop_index(batch_op.f('ix_accident_case_region_id'))
        batch_op.drop_index(batch_op.f('ix_accident_case_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_accident_case_province_id'))
        batch_op.drop_index(batch_op.f('ix_accident_case_process_version_id'))
        batch_op.drop_index(batch_op.f('ix_accident_case_next_timer_at'))
        batch_op.drop_index(batch_op.f('ix_accident_case_guardian_id'))

    op.drop_table('accident_case')
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_school_id'))
        batch_op.drop_index(batch_op.f('ix_pupil_guardian_id'))

    op.drop_table('pupil')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_school_id'))
        batch_op.drop_index(batch_op.f('ix_app_user_region_id'))
        batch_op.drop_index(batch_op.f('ix_app_user_province_id'))

    op.drop_table('app_user')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_province_id'))

    op.drop_table('school')
    with op.batch_alter_table('province', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_province_region_id'))

    op.drop_table('province')
    op.drop_table('region')
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_version_process_id'))

    op.drop_table('process_version')
    
