"""Search: published articles found by what readers type, German-aware.

analysis.py turns text into stems; index.py keeps each article's stems in the database's
own full-text index, in the transaction that saves the article; query.py finds, ranks
and pages articles and cuts a highlighted snippet; views.py is the page /suche.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..database import writing
from ..extensions import db
from . import index


@click.command("search-reindex")
@with_appcontext
def reindex_command() -> None:
    """Build the search index anew from every article (it is kept current by itself;
    this is for articles written into the database by other means)."""
    with writing():
        count = index.rebuild(db.session.connection())
    click.echo(f"Indexed {count} articles.")


def register(app: Flask) -> None:
    from . import views

    index.register()
    app.register_blueprint(views.bp)
    app.cli.add_command(reindex_command)
