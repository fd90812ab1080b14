"""The demo article from the seed page, loaded into an empty database by `make run`."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..media import store_photo
from ..models import Article, Author, Topic

# An illustration made for Zirkel with Pillow: no real people, free to use.
DEMO_PHOTO = "img/demo/jubilaeum.jpg"

TITLE = "Jubiläumsveranstaltung des Kommunalen Qualitätszirkels zur Integrationspolitik"
SLUG = "jubilaeumsveranstaltung-des-kommunalen-qualitaetszirkels-zur-integrationspolitik"
TEASER = (
    "Fünf Jahre „Kommunaler Qualitätszirkel zur Integrationspolitik“: Am 21. März 2014 "
    "blickten Politik, Kommunen und Stiftungen in Berlin auf ein lernendes Netzwerk zurück."
)
# Published the Monday after the event, 10:30 in Berlin (stored in UTC).
PUBLISHED_AT = datetime(2014, 3, 24, 9, 30)
AUTHOR_BIO = (
    "Betreut das Portal „Wegweiser-Kommune.de“ der Bertelsmann Stiftung und ist stets auf "
    "der Suche nach guten Praxisbeispielen für den Wegweiser und verfolgt die Frage: „Wie "
    "kann man Ideen zur Gestaltung des demografischen Wandels und der Integration vor Ort "
    "wirksam in die Praxis bringen?“ Die Redaktion freut sich über Hinweise auf Projekte "
    "aus Städten, Gemeinden und Kreisen."
)


def load_demo() -> bool:
    """Add the demo author and article if there is no article yet; say whether it did."""
    if db.session.scalar(select(Article.id).limit(1)) is not None:
        return False
    author = db.session.scalar(select(Author).where(Author.slug == "redaktion"))
    if author is None:
        author = Author(name="Redaktion", slug="redaktion", bio=AUTHOR_BIO)
    # The seed page files it under "Integration".
    topic = db.session.scalar(select(Topic).where(Topic.slug == "integration"))
    if topic is None:
        topic = Topic(name="Integration", slug="integration")
    db.session.add(
        Article(
            slug=SLUG,
            title=TITLE,
            teaser=TEASER,
            body=files(__package__).joinpath("article.txt").read_text(encoding="utf-8"),
            photo=store_photo((Path(current_app.static_folder) / DEMO_PHOTO).read_bytes()),
            photo_alt="Illustration: Publikum vor einem Podium und einer Leinwand "
            "bei einer Jubiläumsveranstaltung",
            photo_caption="Symbolbild: Illustration für die Demo von Zirkel",
            published_at=PUBLISHED_AT,
            author=author,
            topics=[topic],
        )
    )
    db.session.commit()
    return True
