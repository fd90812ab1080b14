"""topics: what articles are filed under, their old slugs, and which articles each holds

Revision ID: a7d3c5e9b2f4
Revises: f4c2a9e1b6d8
Create Date: 2026-11-29 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c5e9b2f4'
down_revision = 'f4c2a9e1b6d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'topic',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('import_key', sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_topic')),
        sa.UniqueConstraint('import_key', name=op.f('uq_topic_import_key')),
        sa.UniqueConstraint('name', name=op.f('uq_topic_name')),
        sa.UniqueConstraint('slug', name=op.f('uq_topic_slug')),
    )
    op.create_table(
        'topic_slug',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_topic_slug_topic_id_topic'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_slug')),
        sa.UniqueConstraint('slug', name=op.f('uq_topic_slug_slug')),
    )
    op.create_index(op.f('ix_topic_slug_topic_id'), 'topic_slug', ['topic_id'], unique=False)
    op.create_table(
        'article_topic',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_topic_article_id_article'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_article_topic_topic_id_topic'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('article_id', 'topic_id', name=op.f('pk_article_topic')),
    )
    op.create_index('ix_article_topic_topic_id', 'article_topic', ['topic_id', 'article_id'], unique=False)


def downgrade():
    op.drop_index('ix_article_topic_topic_id', table_name='article_topic')
    op.drop_table('article_topic')
    op.drop_index(op.f('ix_topic_slug_topic_id'), table_name='topic_slug')
    op.drop_table('topic_slug')
    op.drop_table('topic')
