"""spam filter: learned token counts, what a comment was learned as

Revision ID: bc0306cb2ecb
Revises: b1dd24f092e1
Create Date: 2026-11-25 16:04:41.679320

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bc0306cb2ecb'
down_revision = 'b1dd24f092e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spam_token',
    sa.Column('token', sa.String(length=100), nullable=False),
    sa.Column('spam', sa.Integer(), nullable=False),
    sa.Column('ham', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_spam_token'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('learned_as', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('learned_as')

    op.drop_table('spam_token')
