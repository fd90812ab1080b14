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
    article = make_article()
    response = client.post(f"/artikel/{article.slug}/kommentare", data={"name": "A"})
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
    assert soup(response).find("html") is None
    assert "Serverfehler" in response.get_data(as_text=True)
