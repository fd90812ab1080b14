"""page revisions

Every editorial save of a page keeps the page as it was saved, as articles do
(e7b3a9c2d4f1). A page saved before this keeps its state first, when it is next saved
(webapp/revisions.py: keep_earlier); nothing is copied here.

Revision ID: c5d7e9f1a3b5
Revises: b3e9d1f7a2c4
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d7e9f1a3b5'
down_revision = 'b3e9d1f7a2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_email', sa.String(length=254), nullable=False),
        sa.Column('note', sa.String(length=50), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_revision_page_id_page'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_page_revision_user_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page_revision')),
    )
    with op.batch_alter_table('page_revision', schema=None) as batch_op:
        batch_op.create_index('ix_page_revision_page_version', ['page_id', 'version'], unique=False)


def downgrade():
    with op.batch_alter_table('page_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_page_revision_page_version')
    op.drop_table('page_revision')
