"""second factor: an account's TOTP secret and last accepted step; one-time recovery codes

Revision ID: d2f6b8a4c1e7
Revises: a1c4e8f2b6d3
Create Date: 2026-11-29 20:00:00.000000

Only new nullable columns on user (SQLite adds them in place, no table copy) and a new
table; audit_entry and its triggers are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f6b8a4c1e7'
down_revision = 'a1c4e8f2b6d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        'ix_recovery_code_user_hash', 'recovery_code', ['user_id', 'code_hash'], unique=False
    )


def downgrade():
    op.drop_index('ix_recovery_code_user_hash', table_name='recovery_code')
    op.drop_table('recovery_code')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
