"""Zirkel: articles with in-place comments."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    assets,
    caching,
    formatting,
    freshness,
    language,
    mail,
    media,
    revalidation,
    security,
    seo,
    urls,
)
from .database import configure_engine, engine_options
from .extensions import babel, csrf, db, migrate
from .middleware import ChunkedBodyLimit, Request
from .search.index import is_search_table
from .settings import DEFAULTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then ZIRKEL_* variables."""
    instance_path = os.environ.get("ZIRKEL_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        # Templates and static files sit at the top of the project, beside webapp/.
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ZIRKEL")
    if test_config is not None:
        app.config.from_mapping(test_config)
    finish_config(app)

    app.request_class = Request
    app.wsgi_app = ChunkedBodyLimit(app, app.wsgi_app)
    if hops := app.config["TRUSTED_PROXIES"]:
        # Believe X-Forwarded-* from exactly this many proxies, nobody else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    formatting.register(app)
    language.register(app)
    urls.register(app)
    seo.register(app)
    assets.register(app)
    security.register(app)
    caching.register(app)
    freshness.register(app)
    mail.register(app)
    revalidation.register(app)  # outermost: in front of everything above
    # Tables are never created here: migrations run once, before the workers start.
    return app


def finish_config(app: Flask) -> None:
    """Derive what the extensions read from Zirkel's own settings."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = load_or_create_secret(Path(app.instance_path) / "secret_key")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or (
        f"sqlite:///{Path(app.instance_path) / 'zirkel.sqlite3'}"
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app)
    # WTForms' built-in messages follow the interface language.
    app.config.setdefault("WTF_I18N_ENABLED", True)


def load_or_create_secret(path: Path) -> str:
    """Read the secret key, generating it on first start (safe if workers race)."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            # link() fails if another process won the race; then its key counts.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    # Batch mode: SQLite can only alter a table by copying it.
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        include_object=is_search_table,  # the search index's table belongs to its migration
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=language.select_locale)
    with app.app_context():
        configure_engine(db.engine, app.config["LOCK_TIMEOUT"])


def register_blueprints(app: Flask) -> None:
    from . import feeds, health, legacy, pages, personal_data, previews, search, sitemap
    from .articles import views as articles
    from .comments import items as comment_items
    from .comments import subscription_views  # noqa: F401 - adds its routes to comments.bp
    from .comments import views as comments
    from .editorial import auth
    from .editorial import views as editorial

    app.register_blueprint(articles.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(sitemap.bp)
    app.register_blueprint(health.bp)
    legacy.register(app)
    previews.register(app)
    search.register(app)
    comment_items.register(app)
    media.register(app)
    auth.register(app)
    editorial.register(app)
    personal_data.register(app)
    pages.register(app)


def register_errorhandlers(app: Flask) -> None:
    from . import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    from . import commands

    commands.register(app)
