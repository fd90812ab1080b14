"""/suche: the search page, without JavaScript (htmx updates the results in place)."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template, request

from ..caching import shared_view
from ..htmx import is_partial, vary_on_htmx
from ..topics import published_article_counts
from .query import search

bp = Blueprint("search", __name__)


@bp.get("/suche")
@shared_view
def results():
    """Published articles matching `q`, best first, a page (`seite`) at a time."""
    query = request.args.get("q", "", type=str).replace("\x00", "").strip()
    page = request.args.get("seite", 1, type=int)
    found = search(query, page, per_page=current_app.config["ARTICLES_PER_PAGE"])
    # Nothing found: the topics are something to try instead.
    topics = published_article_counts() if found.terms and not found.total else []
    template = "search/_results.html" if is_partial() else "search/results.html"
    return vary_on_htmx(make_response(render_template(template, found=found, topics=topics)))
