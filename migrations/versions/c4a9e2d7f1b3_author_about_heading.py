"""author: how the box under their articles is headed ("Über den Autor" …)

Revision ID: c4a9e2d7f1b3
Revises: bc0306cb2ecb
Create Date: 2026-11-29 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a9e2d7f1b3'
down_revision = 'bc0306cb2ecb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('author', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_heading', sa.String(length=20), server_default='autor', nullable=False))


def downgrade():
    with op.batch_alter_table('author', schema=None) as batch_op:
        batch_op.drop_column('about_heading')
