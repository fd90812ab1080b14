"""Test data: authors, articles and comments with sensible defaults."""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta
from functools import cache

from PIL import Image, ImageDraw
from sqlalchemy import update

from webapp.comments.service import add_comment
from webapp.extensions import db
from webapp.media import store_photo
from webapp.models import Article, Author, Comment, CommentStatus, Photo, Topic, utcnow

_numbers = itertools.count(1)


def make_author(**fields) -> Author:
    n = next(_numbers)
    author = Author(
        **{"name": f"Autorin {n}", "slug": f"autorin-{n}", "bio": "Schreibt.", **fields}
    )
    db.session.add(author)
    db.session.commit()
    return author


@cache
def photo_bytes(width: int = 1200, height: int = 675, kind: str = "JPEG") -> bytes:
    """A real image, drawn here: a gradient with a circle."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=(40, 90 + y * 100 // height, 140))
    draw.ellipse(
        [width // 3, height // 4, width * 2 // 3, height * 3 // 4], outline="white", width=8
    )
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def make_photo(**options) -> Photo:
    photo = store_photo(photo_bytes(**options))
    db.session.commit()
    return photo


def make_topic(name: str, slug: str | None = None, **fields) -> Topic:
    topic = Topic(name=name, slug=slug or name.lower(), **fields)
    db.session.add(topic)
    db.session.commit()
    return topic


def make_article(**fields) -> Article:
    n = next(_numbers)
    if "author" not in fields:
        fields["author"] = make_author()
    if "photo" not in fields:
        fields["photo"] = make_photo()
    article = Article(
        **{
            "slug": f"artikel-{n}",
            "title": f"Artikel {n}",
            "teaser": f"Der Anreißer von Artikel {n}.",
            "body": "Erster Absatz.\n\nZweiter „Absatz“.",
            "photo_alt": f"Foto zu Artikel {n}",
            "published_at": utcnow() - timedelta(days=1),
            **fields,
        }
    )
    db.session.add(article)
    db.session.commit()
    return article


def make_comment(
    article: Article,
    *,
    status: str = CommentStatus.VISIBLE,
    created_at: datetime | None = None,
    **fields,
) -> Comment:
    """A comment as the public form stores it (a reply with `parent=`); other statuses are
    stored directly."""
    n = next(_numbers)
    values = {
        "name": f"Leserin {n}",
        "email": f"leserin{n}@example.org",
        "text": f"Kommentar {n}",
        **fields,
    }
    if status == CommentStatus.VISIBLE:
        comment = add_comment(article, **values)
        if created_at is not None:
            # A thread's first comment dates its thread.
            first = comment.thread_id == comment.id
            changes = {"created_at": created_at} | ({"thread_at": created_at} if first else {})
            db.session.execute(update(Comment).where(Comment.id == comment.id).values(changes))
            comment.created_at = created_at
            if first:
                comment.thread_at = created_at
    else:
        if (parent := values.pop("parent", None)) is not None:
            values["parent_id"] = parent.id
        comment = Comment(article=article, status=status, **values)
        if created_at is not None:
            comment.created_at = created_at
        db.session.add(comment)
    db.session.commit()
    return comment
