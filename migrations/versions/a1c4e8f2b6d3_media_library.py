"""media library: a photo's alternative text, title, credit and original file name

Revision ID: a1c4e8f2b6d3
Revises: f3a8c1d9e5b2
Create Date: 2026-11-29 19:40:00.000000

Photos uploaded before (as article or author photos) get empty values: the library shows
that they still need an alternative text.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c4e8f2b6d3'
down_revision = 'f3a8c1d9e5b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alt_text', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('title', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('credit', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('original_name', sa.String(length=255), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_column('original_name')
        batch_op.drop_column('credit')
        batch_op.drop_column('title')
        batch_op.drop_column('alt_text')
