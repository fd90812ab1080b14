"""What other sites read of an article page: OpenGraph and Twitter card tags, and
schema.org JSON-LD (`BlogPosting`). Values are data here; the templates escape them
(attributes as HTML, the JSON-LD by `tojson`, which writes <, > and & as \\u escapes, so
nothing an editor typed can close the <script> it stands in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from .media import photo_url
from .models import Article, Photo
from .urls import absolute, absolute_url

SHARE_WIDTH = 1600  # the photo width offered to other sites (the largest stored)


@dataclass
class SharedPhoto:
    url: str
    width: int
    height: int


def shared_photo(photo: Photo | None) -> SharedPhoto | None:
    """The largest stored width of a photo, with its size."""
    if photo is None:
        return None
    width = max(w for w in map(int, photo.widths.split(",")) if w <= SHARE_WIDTH)
    height = round(photo.height * width / photo.width)
    return SharedPhoto(absolute(photo_url(photo, width)), width, height)


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def json_ld(article: Article) -> dict[str, Any]:
    """schema.org BlogPosting of a published article: what search engines read of it
    (the description is the page's own; the page is short on bytes, see bench/)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title,
        "url": absolute_url("articles.show", slug=article.slug),
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(max(article.published_at, article.updated_at)),
        "author": {
            "@type": "Person",
            "name": article.author.name,
            "url": absolute_url("articles.author", slug=article.author.slug),
        },
        "commentCount": article.comment_count,
    }
    if article.topics:
        data["keywords"] = [topic.name for topic in article.topics]
    if photo := shared_photo(article.photo):
        data["image"] = {
            "@type": "ImageObject",
            "url": photo.url,
            "width": photo.width,
            "height": photo.height,
        }
    return data


def register(app: Flask) -> None:
    app.add_template_global(json_ld)
    app.add_template_global(shared_photo)
