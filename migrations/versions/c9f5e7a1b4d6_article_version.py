"""articles: a version every editorial save raises, so no save overwrites a newer one

Revision ID: c9f5e7a1b4d6
Revises: b8e4d6f0a3c5
Create Date: 2026-11-29 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9f5e7a1b4d6'
down_revision = 'b8e4d6f0a3c5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('version')
