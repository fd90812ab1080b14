"""editorial area: accounts, photos, slugs, audit log, settings

Revision ID: e6f7969cffe5
Revises: 39bf5bf72ef4
Create Date: 2026-11-25 14:18:34.151359

"""
import html
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6f7969cffe5'
down_revision = '39bf5bf72ef4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_address_created', ['address', 'created_at'], unique=False)
        batch_op.create_index('ix_login_attempt_email_created', ['email', 'created_at'], unique=False)

    op.create_table('photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('widths', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo')),
    sa.UniqueConstraint('key', name=op.f('uq_photo_key'))
    )
    op.create_table('site_setting',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_setting'))
    )
    op.create_table('used_link',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_used_link'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('login_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    op.create_table('article_slug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_slug_article_id_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_slug')),
    sa.UniqueConstraint('slug', name=op.f('uq_article_slug_slug'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_email', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_audit_entry_article_id_article'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_audit_entry_comment_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_entry_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index('ix_audit_entry_created', ['created_at'], unique=False)

    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('photo_credit', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('comments_open', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('import_key', sa.String(length=300), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_article_import_key'), ['import_key'])
        batch_op.create_foreign_key(batch_op.f('fk_article_photo_id_photo'), 'photo', ['photo_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('photo')

    with op.batch_alter_table('author', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bio_html', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('import_key', sa.String(length=300), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_author_import_key'), ['import_key'])
        batch_op.create_foreign_key(batch_op.f('fk_author_photo_id_photo'), 'photo', ['photo_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('import_key', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_comment_import_key'), ['import_key'])
        batch_op.create_foreign_key(batch_op.f('fk_comment_parent_id_comment'), 'comment', ['parent_id'], ['id'], ondelete='SET NULL')


    # Bodies and bios so far were plain text with blank lines between paragraphs: give
    # them the HTML the pages now show. (Photos were files under static/; uploads replace
    # them, and an article whose photo was such a file shows none until one is uploaded.)
    connection = op.get_bind()
    for table, source, target in (('article', 'body', 'body_html'), ('author', 'bio', 'bio_html')):
        rows = connection.execute(sa.text(f'SELECT id, {source} FROM {table}')).all()
        for row_id, text in rows:
            connection.execute(
                sa.text(f'UPDATE {table} SET {target} = :html WHERE id = :id'),
                {'html': _paragraphs(text or ''), 'id': row_id},
            )


def _paragraphs(text):
    """Plain text as HTML paragraphs, as this revision found it (frozen here on purpose)."""
    parts = [p.strip() for p in re.split(r'\n\s*\n', text.replace('\r\n', '\n'))]
    return '\n'.join(f'<p>{html.escape(p, quote=False)}</p>' for p in parts if p)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comment_parent_id_comment'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_comment_import_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))
        batch_op.drop_column('import_key')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('author', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_author_photo_id_photo'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_author_import_key'), type_='unique')
        batch_op.drop_column('import_key')
        batch_op.drop_column('photo_id')
        batch_op.drop_column('bio_html')

    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo', sa.VARCHAR(length=300), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_article_photo_id_photo'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_article_import_key'), type_='unique')
        batch_op.drop_column('import_key')
        batch_op.drop_column('comments_open')
        batch_op.drop_column('photo_credit')
        batch_op.drop_column('photo_id')
        batch_op.drop_column('body_html')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_created')
        batch_op.drop_index(batch_op.f('ix_audit_entry_comment_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
    op.drop_table('article_slug')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))

    op.drop_table('login_session')
    op.drop_table('user')
    op.drop_table('used_link')
    op.drop_table('site_setting')
    op.drop_table('photo')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_email_created')
        batch_op.drop_index('ix_login_attempt_address_created')

    op.drop_table('login_attempt')
