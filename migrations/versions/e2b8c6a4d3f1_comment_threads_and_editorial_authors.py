"""comments: the thread each belongs to (first comment's id and time), editorial authors,
when a comment was last edited

Revision ID: e2b8c6a4d3f1
Revises: d5e1f0a2b7c9
Create Date: 2026-11-29 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2b8c6a4d3f1'
down_revision = 'd5e1f0a2b7c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thread_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('thread_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_comment_user_id_user'), 'user', ['user_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_comment_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index('ix_comment_article_status_thread', ['article_id', 'status', 'thread_at', 'thread_id'], unique=False)

    # Every comment's thread: follow parent links to the first comment (replies imported
    # from WordPress have parents; everything else is a thread of its own).
    connection = op.get_bind()
    comment = sa.table(
        'comment',
        sa.column('id', sa.Integer()),
        sa.column('parent_id', sa.Integer()),
        sa.column('created_at', sa.DateTime()),
        sa.column('thread_id', sa.Integer()),
        sa.column('thread_at', sa.DateTime()),
    )
    rows = connection.execute(sa.select(comment.c.id, comment.c.parent_id, comment.c.created_at)).all()
    parents = {row.id: row.parent_id for row in rows}
    created = {row.id: row.created_at for row in rows}
    updates = []
    for comment_id in parents:
        root, seen = comment_id, {comment_id}
        while parents.get(root) in parents and parents[root] not in seen:
            root = parents[root]
            seen.add(root)
        updates.append({'key': comment_id, 'thread_id': root, 'thread_at': created[root]})
    if updates:
        connection.execute(
            comment.update().where(comment.c.id == sa.bindparam('key')).values(
                thread_id=sa.bindparam('thread_id'), thread_at=sa.bindparam('thread_at')
            ),
            updates,
        )


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_article_status_thread')
        batch_op.drop_index(batch_op.f('ix_comment_thread_id'))
        batch_op.drop_constraint(batch_op.f('fk_comment_user_id_user'), type_='foreignkey')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('user_id')
        batch_op.drop_column('thread_at')
        batch_op.drop_column('thread_id')
