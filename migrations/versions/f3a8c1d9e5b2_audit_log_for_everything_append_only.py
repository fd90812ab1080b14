"""audit log for everything: a subject per entry; append-only in the database itself

Revision ID: f3a8c1d9e5b2
Revises: e7b3a9c2d4f1
Create Date: 2026-11-29 19:30:00.000000

Triggers refuse to delete an audit entry and to change its content (id, created_at,
user_email, action, subject, before, after), whoever asks: the app, a script, a shell.
The references (user_id, comment_id, article_id) are ON DELETE SET NULL: the database
empties them when a user, comment or article is deleted, so setting one to NULL stays
allowed; pointing one at something else does not.

A later migration that rebuilds audit_entry (batch_alter_table on SQLite copies the
table) drops these triggers with the old table: it must create them again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8c1d9e5b2'
down_revision = 'e7b3a9c2d4f1'
branch_labels = None
depends_on = None

MESSAGE = 'audit_entry is append-only: entries are never changed or deleted'
CONTENT = ('id', 'created_at', 'user_email', 'action', 'subject', 'before', 'after')
REFERENCES = ('user_id', 'comment_id', 'article_id')


def _quoted(column):
    # "before" and "after" are keywords in SQLite's trigger syntax.
    return f'"{column}"'


def _sqlite_changed():
    content = [f'NEW.{_quoted(c)} IS NOT OLD.{_quoted(c)}' for c in CONTENT]
    references = [f'(NEW.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})' for c in REFERENCES]
    return ' OR '.join(content + references)


def _postgresql_changed():
    content = [f'NEW.{_quoted(c)} IS DISTINCT FROM OLD.{_quoted(c)}' for c in CONTENT]
    references = [
        f'(NEW.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})' for c in REFERENCES
    ]
    return ' OR '.join(content + references)


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('subject', sa.String(length=300), server_default='', nullable=False)
        )

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute(
            'CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry '
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        op.execute(
            'CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry '
            f'WHEN {_sqlite_changed()} '
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    elif dialect == 'postgresql':
        op.execute(
            f"""
            CREATE FUNCTION audit_entry_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF NOT ({_postgresql_changed()}) THEN
                        RETURN NEW;
                    END IF;
                END IF;
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        op.execute(
            'CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry '
            'FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()'
        )
        op.execute(
            'CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry '
            'FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()'
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_delete')
    elif dialect == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry')
        op.execute('DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry')
        op.execute('DROP FUNCTION IF EXISTS audit_entry_append_only()')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('subject')
