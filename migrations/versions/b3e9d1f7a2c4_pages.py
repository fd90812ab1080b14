"""pages: Impressum, Datenschutz and the editors' own pages

Revision ID: b3e9d1f7a2c4
Revises: d2f6b8a4c1e7
Create Date: 2026-11-29 21:00:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e9d1f7a2c4'
down_revision = 'd2f6b8a4c1e7'
branch_labels = None
depends_on = None

# The shipped texts: content, German, for the site's owner to complete. Everything in
# square brackets must be filled in; "{tage}" shows ZIRKEL_KEEP_NETWORK_DAYS.
IMPRESSUM = """\
Angaben gemäß § 5 DDG:

**[Name des Betreibers bzw. der Organisation eintragen]**\\
[Straße und Hausnummer eintragen]\\
[Postleitzahl und Ort eintragen]

**Vertreten durch:** [Name der vertretungsberechtigten Person eintragen]

# Kontakt

Telefon: [Telefonnummer eintragen]\\
E-Mail: [E-Mail-Adresse eintragen]

# Registereintrag

[Falls vorhanden: Registergericht und Registernummer eintragen, sonst diesen Abschnitt löschen]

# Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV

[Name und Anschrift der verantwortlichen Person eintragen]
"""

DATENSCHUTZ = """\
Diese Seite sagt genau, was diese Website über Sie speichert, wozu und wie lange.

# Verantwortlich

[Name und Anschrift des Betreibers eintragen]\\
[E-Mail-Adresse oder anderer Kontakt für Datenschutzfragen eintragen]\\
[Falls vorhanden: Kontakt der oder des Datenschutzbeauftragten eintragen]

# Wenn Sie nur lesen

Sie bekommen kein Cookie, und es wird nichts über Sie gespeichert. Die Seiten laden nichts von anderen Websites: keine Schriften, keine Statistik, keine Werbung, keine eingebetteten Inhalte Dritter.

# Wenn Sie einen Kommentar schreiben

Gespeichert werden:

- der **Name**, den Sie angeben; er steht öffentlich über Ihrem Kommentar;
- Ihre **E-Mail-Adresse**; sie wird nie öffentlich gezeigt. Wir nutzen sie für die Moderation (etwa um den ersten Kommentar einer Adresse zu prüfen) und, nur wenn Sie es ankreuzen und danach den Link in unserer Bestätigungs-E-Mail anklicken (Double-Opt-in), um Sie über Antworten auf Ihren Kommentar zu benachrichtigen. Jede dieser E-Mails enthält einen Link zum Abbestellen;
- der **Text** Ihres Kommentars und der **Zeitpunkt**, zu dem Sie ihn geschrieben haben;
- das **Netz**, aus dem Sie geschrieben haben: nicht Ihre vollständige IP-Adresse, sondern nur ihr vorderer Teil (bei IPv4 die ersten drei Zahlen, /24; bei IPv6 die ersten 48 Bit, /48). Es dient dazu, Massenbeiträge zu bremsen;
- ein **Fingerabdruck** (ein Hashwert aus Artikel, Name bzw. Adresse und Text), damit derselbe Kommentar nicht zweimal erscheint.

Netz und Fingerabdruck werden nach {tage} Tagen automatisch gelöscht. Name, E-Mail-Adresse und Text bleiben gespeichert, solange der Kommentar besteht, oder bis Sie sie löschen lassen (siehe unten).

Der **Spamfilter** lernt aus den Entscheidungen der Moderation. Er speichert dabei nur Zählerstände von Wörtern und Merkmalen (wie oft ein Wort in Spam und in echten Kommentaren vorkam), nicht Ihren Kommentar und nichts, das auf Sie zurückführt.

# Cookies

- **zirkel_eigene_kommentare**: wird nur gesetzt, wenn Sie einen Kommentar abschicken. Es nennt die Kommentare, die Sie in diesem Browser geschrieben haben, damit Sie einen noch nicht freigegebenen Kommentar sehen und ihn in den ersten Minuten ändern oder löschen können. Es hält einen Monat.
- **zirkel_name**: wird nur gesetzt, wenn Sie beim Kommentieren „merken“ ankreuzen. Es enthält Name und E-Mail-Adresse, damit Sie sie nicht erneut eingeben müssen; es hält ein Jahr, und wenn Sie das Häkchen entfernen, wird es gelöscht.
- **session**: nur für angemeldete Mitglieder der Redaktion und, nach dem Absenden eines Formulars ohne JavaScript, kurz für eine einmalige Meldung („Vielen Dank …“). Es endet, wenn Sie den Browser schließen.

Alle Cookies sind technisch notwendig, werden nur von dieser Website gelesen und enthalten keine Kennung zur Wiedererkennung über Websites hinweg.

# Ihre Daten einsehen und löschen

Unter [/meine-daten](/meine-daten) geben Sie Ihre E-Mail-Adresse ein und bekommen einen einmaligen Link. Damit laden Sie alle unter dieser Adresse gespeicherten Kommentare herunter (als JSON) oder löschen sie: Ihr Name wird durch „Gelöscht“ ersetzt, Ihre Adresse entfernt, auf Wunsch auch die Texte.

Sie haben außerdem das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, Datenübertragbarkeit und Widerspruch sowie das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren. [Zuständige Aufsichtsbehörde eintragen]

# Rechtsgrundlagen

[Vom Betreiber zu prüfen und zu bestätigen:] Kommentare, Name, E-Mail-Adresse und Text: Art. 6 Abs. 1 lit. f DSGVO (berechtigtes Interesse an einer moderierten Diskussion). Netz und Fingerabdruck: Art. 6 Abs. 1 lit. f DSGVO (Schutz vor Spam und Missbrauch). Benachrichtigungen über Antworten: Art. 6 Abs. 1 lit. a DSGVO (Einwilligung, jederzeit widerrufbar). Cookies: § 25 Abs. 2 Nr. 2 TDDDG (technisch notwendig).

# Server

[Hosting-Anbieter eintragen und angeben, ob und wie lange der Webserver Zugriffe protokolliert]
"""


def upgrade():
    page = op.create_table(
        'page',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page')),
        sa.UniqueConstraint('slug', name=op.f('uq_page_slug')),
    )
    # As the model renders it (no images in these texts: no query is made).
    from webapp.text import render_markdown

    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        page,
        [
            {
                'title': title,
                'slug': slug,
                'body': body,
                'body_html': render_markdown(body),
                'updated_at': now,
                'version': 1,
            }
            for title, slug, body in (
                ('Impressum', 'impressum', IMPRESSUM),
                ('Datenschutz', 'datenschutz', DATENSCHUTZ),
            )
        ],
    )


def downgrade():
    op.drop_table('page')
