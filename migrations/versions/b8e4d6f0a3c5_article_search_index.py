"""search: the databases' own full-text index of the articles (FTS5, tsvector), filled

Revision ID: b8e4d6f0a3c5
Revises: a7d3c5e9b2f4
Create Date: 2026-11-29 18:00:00.000000

"""
from alembic import op

from webapp.search import index


# revision identifiers, used by Alembic.
revision = 'b8e4d6f0a3c5'
down_revision = 'a7d3c5e9b2f4'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(index.SQLITE_CREATE)
    else:
        for statement in index.POSTGRES_CREATE:
            op.execute(statement)
    index.rebuild(bind)


def downgrade():
    op.execute(f'DROP TABLE {index.TABLE}')
