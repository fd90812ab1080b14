"""Error pages in German, as pages and as htmx fragments."""

from __future__ import annotations

import pytest

from factories import make_article
from helpers import HTMX, soup


def test_404_page_is_german(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    page = soup(response)
    assert page.find("h1").get_text() == "Seite nicht gefunden"
    assert "Unter dieser Adresse gibt es keine Seite." in page.get_text()
    assert page.find("html")["lang"] == "de"


def test_405_page_is_german(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert soup(response).find("h1").get_text() == "Nicht erlaubt"


def test_400_page_is_german(client):
    response = client.post("/verwaltung/anmelden", data={"email": "a@example.org"})
    assert response.status_code == 400
    assert soup(response).find("h1").get_text() == "Formular abgelaufen"


@pytest.fixture
def failing_app(app):
    @app.get("/kaputt")
    def broken():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_500_page_is_german_and_shows_no_traceback(failing_app):
    response = failing_app.test_client().get("/kaputt")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Auf dem Server ist ein Fehler aufgetreten." in html
    assert "boom" not in html and "Traceback" not in html


def test_htmx_errors_go_to_the_message_area(failing_app):
    response = failing_app.test_client().get("/kaputt", headers=HTMX)
    assert response.status_code == 500
    assert response.headers["HX-Retarget"] == "#meldungen"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert soup(response).find("html") is None
    assert "Serverfehler" in response.get_data(as_text=True)


def test_htmx_errors_go_to_the_live_region_of_the_part_they_are_about(client):
    """zirkel.js names the region of the part of the page a request came from."""
    article = make_article()
    response = client.get(
        f"/artikel/{article.slug}/kommentare?vor=999999",
        headers={**HTMX, "X-Meldungen": "kommentar-status"},
    )
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#kommentar-status"
    message = soup(response).find(class_="meldung")
    assert message.has_attr("autofocus")
    assert "Unter dieser Adresse gibt es keinen Kommentar." in message.get_text()


@pytest.mark.parametrize("region", ['x"; alert(1)', "#kommentar-status", "", "A" * 50])
def test_a_region_that_is_no_plain_id_falls_back_to_the_pages_own(client, region):
    response = client.get("/nirgends", headers={**HTMX, "X-Meldungen": region})
    assert response.headers["HX-Retarget"] == "#meldungen"
