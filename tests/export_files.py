"""Small Zirkel export files (as `flask export` writes them) for the import-json tests."""

from __future__ import annotations

import json
from pathlib import Path


def author(n: int, **fields) -> dict:
    return {
        "id": n,
        "import_key": None,
        "name": f"Autorin {n}",
        "slug": f"autorin-{n}",
        "bio": "Schreibt.",
        "photo": None,
        **fields,
    }


def article(n: int, **fields) -> dict:
    return {
        "id": n,
        "import_key": None,
        "slug": f"artikel-{n}",
        "title": f"Artikel {n}",
        "teaser": "Anriss.",
        "body": "Text.",
        "photo": None,
        "photo_alt": "",
        "photo_caption": "",
        "photo_credit": "",
        "comments_open": True,
        "published_at": "2024-03-01T09:00:00Z",
        "author": 1,
        "old_slugs": [],
        **fields,
    }


def comment(n: int, article_id: int, **fields) -> dict:
    return {
        "id": n,
        "import_key": None,
        "article": article_id,
        "parent": None,
        "name": "Leserin",
        "email": "leserin@example.org",
        "text": f"Kommentar {n}",
        "status": "visible",
        "created_at": f"2024-03-02T10:{n:02d}:00Z",
        "updated_at": None,
        **fields,
    }


def export_file(tmp_path: Path, *, authors: list, articles: list, comments: list = ()) -> Path:
    """A file as `flask export` writes it, with these records."""
    data = {
        "format": "zirkel-export",
        "version": 1,
        "exported_at": "2026-11-25T12:00:00Z",
        "photos": [],
        "authors": authors,
        "articles": articles,
        "comments": list(comments),
        "settings": {},
    }
    path = tmp_path / "zirkel.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def import_json(runner, path: Path):
    return runner.invoke(args=["import-json", str(path)])
