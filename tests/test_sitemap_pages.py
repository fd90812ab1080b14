"""sitemap.xml lists the site's pages (Impressum, Datenschutz, /seite/…) with their dates."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from webapp.extensions import db
from webapp.pages import Page

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def listed(client) -> dict[str, str | None]:
    """The sitemap's addresses and their lastmod."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in ElementTree.fromstring(response.get_data()).iter(f"{SITEMAP}url")
    }


def add_page(slug: str, updated_at: datetime | None = None) -> Page:
    page = Page(title=slug.title(), slug=slug, body="Text.")
    db.session.add(page)
    db.session.flush()
    if updated_at is not None:
        page.updated_at = updated_at
    db.session.commit()
    return page


def test_the_pages_are_listed_at_their_own_addresses_dated_by_their_last_save(client):
    add_page("ueber-uns", datetime(2024, 5, 6, 7, 8, 9))
    imprint = db.session.scalar(db.select(Page).where(Page.slug == "impressum"))
    imprint.updated_at = datetime(2023, 1, 2, 3, 4, 5)
    db.session.commit()

    urls = listed(client)
    assert urls["http://localhost/seite/ueber-uns"] == "2024-05-06T07:08:09Z"
    assert urls["http://localhost/impressum"] == "2023-01-02T03:04:05Z"
    assert urls["http://localhost/datenschutz"]  # dated too
    # The footer's pages only at their own addresses, never also under /seite/.
    assert not any(url.startswith("http://localhost/seite/impressum") for url in urls)
    assert not any(url.startswith("http://localhost/seite/datenschutz") for url in urls)


def test_a_deleted_page_leaves_the_sitemap(client):
    page = add_page("aktion")
    assert "http://localhost/seite/aktion" in listed(client)
    db.session.delete(page)
    db.session.commit()
    assert "http://localhost/seite/aktion" not in listed(client)


def test_more_pages_cost_no_more_queries(client, app, count_queries):
    counts = []
    for n in (1, 20):
        for i in range(n):
            add_page(f"seite-{n}-{i}")
        with count_queries() as queries:
            listed(client)
        counts.append(len(queries))
    assert counts[0] == counts[1]
