"""comment version and update times for caching

Revision ID: 39bf5bf72ef4
Revises: e6f7f2f1bbec
Create Date: 2026-11-25 13:40:40.118782

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '39bf5bf72ef4'
down_revision = 'e6f7f2f1bbec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        # Existing rows count as updated now, with their comments at version 0.
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('comment_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('comments_changed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('author', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))



def downgrade():
    with op.batch_alter_table('author', schema=None) as batch_op:
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('comments_changed_at')
        batch_op.drop_column('comment_version')
        batch_op.drop_column('updated_at')

