"""Settings: defaults, then instance/config.py, then ZIRKEL_* variables; the secret key."""

from __future__ import annotations

import os
import stat

from bs4 import BeautifulSoup

from apps import make_app
from factories import make_article
from webapp import create_app
from webapp.extensions import db
from webapp.settings import DEFAULTS


def test_later_sources_win(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('SITE_NAME = "Aus der Datei"\nARTICLES_PER_PAGE = 7\n')
    monkeypatch.setenv("ZIRKEL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ZIRKEL_ARTICLES_PER_PAGE", "12")

    app = create_app()

    assert app.config["SITE_NAME"] == "Aus der Datei"  # file over default
    assert app.config["ARTICLES_PER_PAGE"] == 12  # environment over file, parsed as a number
    assert app.config["LOCK_TIMEOUT"] == DEFAULTS["LOCK_TIMEOUT"]


def test_sqlite_in_the_instance_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ZIRKEL_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'zirkel.sqlite3'}"


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ZIRKEL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ZIRKEL_DATABASE_URL", "postgresql+psycopg://zirkel@localhost/zirkel")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://zirkel@localhost/zirkel"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_secret_key_is_generated_once_owner_only_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("ZIRKEL_INSTANCE_PATH", str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]

    key_file = tmp_path / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_configured_secret_key_is_used_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.setenv("ZIRKEL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ZIRKEL_SECRET_KEY", "von außen")
    assert create_app().config["SECRET_KEY"] == "von außen"
    assert not (tmp_path / "secret_key").exists()


def post_from_https_origin(client, url, headers):
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    data = {"name": "A", "email": "a@example.org", "text": "B"}
    data["csrf_token"] = page.find("input", {"name": "csrf_token"})["value"]
    return client.post(f"{url}/kommentare", data=data, headers=headers)


HTTPS_BEHIND_PROXY = {"X-Forwarded-Proto": "https", "Origin": "https://localhost"}


def test_forwarded_headers_are_ignored_by_default(client, app):
    """Nobody escapes checks by sending X-Forwarded-* when no proxy is trusted."""
    response = post_from_https_origin(client, f"/artikel/{make_article().slug}", HTTPS_BEHIND_PROXY)
    assert response.status_code == 403  # the request came over http, so that origin is foreign


def test_one_trusted_proxy_is_believed(app, database_url, tmp_path):
    """Behind nginx (ZIRKEL_TRUSTED_PROXIES=1) the scheme nginx reports counts."""
    url = f"/artikel/{make_article().slug}"
    behind_nginx = make_app(tmp_path, DATABASE_URL=database_url, TRUSTED_PROXIES=1)
    response = post_from_https_origin(behind_nginx.test_client(), url, HTTPS_BEHIND_PROXY)
    assert response.status_code == 303
    with behind_nginx.app_context():
        db.engine.dispose()
