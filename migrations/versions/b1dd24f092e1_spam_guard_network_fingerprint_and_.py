"""spam guard: network, fingerprint and reasons of comments

Revision ID: b1dd24f092e1
Revises: e6f7969cffe5
Create Date: 2026-11-25 15:13:21.060238

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1dd24f092e1'
down_revision = 'e6f7969cffe5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reasons', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_comment_fingerprint', ['fingerprint'], unique=False)
        batch_op.create_index('ix_comment_network_created', ['network', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_network_created')
        batch_op.drop_index('ix_comment_fingerprint')
        batch_op.drop_column('reasons')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('network')

