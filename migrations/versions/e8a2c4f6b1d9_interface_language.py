"""interface language: subscriptions keep theirs; the Datenschutz text names the cookie

Revision ID: e8a2c4f6b1d9
Revises: c5d7e9f1a3b5
Create Date: 2026-11-29 23:00:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e8a2c4f6b1d9'
down_revision = 'c5d7e9f1a3b5'
branch_labels = None
depends_on = None

# Passages of the shipped Datenschutz text (b3e9d1f7a2c4) and what they say now. Each is
# replaced only where the owner left it as shipped: their own wording stays theirs.
DATENSCHUTZ_CHANGES = (
    (
        "Sie bekommen kein Cookie, und es wird nichts über Sie gespeichert.",
        "Sie bekommen kein Cookie, und es wird nichts über Sie gespeichert, es sei denn, Sie "
        "wechseln unten auf einer Seite die Sprache („English“ / „Deutsch“): Dann merkt sich "
        "das Cookie **zirkel_sprache** diese Wahl (siehe unten).",
    ),
    (
        "Jede dieser E-Mails enthält einen Link zum Abbestellen;",
        "Dazu wird auch die Sprache gespeichert, in der Sie die Seite gelesen haben, damit "
        "diese E-Mails in ihr kommen. Jede dieser E-Mails enthält einen Link zum Abbestellen;",
    ),
    (
        "\n\nAlle Cookies sind technisch notwendig,",
        "\n- **zirkel_sprache**: wird nur gesetzt, wenn Sie unten auf einer Seite die Sprache "
        "wechseln. Es enthält nur diese Wahl („de“ oder „en“) und hält ein Jahr. Ohne diese "
        "Wahl richten sich die Seiten nach der Spracheinstellung Ihres Browsers, und es wird "
        "nichts gespeichert.\n\nAlle Cookies sind technisch notwendig,",
    ),
    (
        "[Hosting-Anbieter eintragen und angeben, ob und wie lange der Webserver Zugriffe "
        "protokolliert]",
        "Wie Zirkel ausgeliefert wird, protokollieren Webserver und Anwendung jeden Aufruf in "
        "einer Zeile ohne Ihre vollständige IP-Adresse.\n\n[Hosting-Anbieter eintragen und "
        "angeben, ob und wie lange der Webserver Zugriffe protokolliert]",
    ),
)


def upgrade():
    with op.batch_alter_table('subscription') as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=8), server_default='', nullable=False)
        )

    page = sa.table(
        'page',
        sa.column('id', sa.Integer),
        sa.column('slug', sa.String),
        sa.column('body', sa.Text),
        sa.column('body_html', sa.Text),
        sa.column('updated_at', sa.DateTime),
        sa.column('version', sa.Integer),
    )
    connection = op.get_bind()
    row = connection.execute(
        sa.select(page.c.id, page.c.body).where(page.c.slug == 'datenschutz')
    ).first()
    if row is None:
        return
    body = row.body
    for shipped, now in DATENSCHUTZ_CHANGES:
        if shipped in body and now not in body:
            body = body.replace(shipped, now, 1)
    if body != row.body:
        from webapp.text import render_markdown

        connection.execute(
            page.update()
            .where(page.c.id == row.id)
            .values(
                body=body,
                body_html=render_markdown(body),
                updated_at=datetime.now(UTC).replace(tzinfo=None),
                # A form opened before is told the text changed (editorial/conflicts.py).
                version=page.c.version + 1,
            )
        )


def downgrade():
    with op.batch_alter_table('subscription') as batch_op:
        batch_op.drop_column('language')
