"""article revisions; versions for authors and topics; authors' former addresses

Every editorial save of an article keeps the article as it was saved; authors and topics
get the version their forms check (as articles have), and an author's former slugs
answer 301.

Revision ID: e7b3a9c2d4f1
Revises: c9f5e7a1b4d6
Create Date: 2026-11-29 19:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b3a9c2d4f1'
down_revision = 'c9f5e7a1b4d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'article_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_email', sa.String(length=254), nullable=False),
        sa.Column('note', sa.String(length=50), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('teaser', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        sa.Column('photo_alt', sa.String(length=300), nullable=False),
        sa.Column('photo_caption', sa.String(length=500), nullable=False),
        sa.Column('photo_credit', sa.String(length=300), nullable=False),
        sa.Column('comments_open', sa.Boolean(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('topics', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_revision_article_id_article'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['author.id'], name=op.f('fk_article_revision_author_id_author'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_article_revision_photo_id_photo'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_article_revision_user_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_article_revision')),
    )
    with op.batch_alter_table('article_revision', schema=None) as batch_op:
        batch_op.create_index('ix_article_revision_article_version', ['article_id', 'version'], unique=False)


    op.create_table(
        'author_slug',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['author.id'], name=op.f('fk_author_slug_author_id_author'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_author_slug')),
        sa.UniqueConstraint('slug', name=op.f('uq_author_slug_slug')),
    )
    with op.batch_alter_table('author_slug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_author_slug_author_id'), ['author_id'], unique=False)
    for table in ('author', 'topic'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in ('author', 'topic'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
    with op.batch_alter_table('author_slug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_author_slug_author_id'))
    op.drop_table('author_slug')
    with op.batch_alter_table('article_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_article_revision_article_version')
    op.drop_table('article_revision')
