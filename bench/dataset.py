"""The benchmark's data set: 1,000 German articles and 200,000 comments in SQLite.

The schema comes from the project's own migrations (``flask --app wsgi db upgrade``), the
search index from ``flask search-reindex`` after the bulk insert;
the rows are then written straight into the SQLite file with ``executemany`` in one
transaction, which takes seconds where going through the ORM would take minutes.
``random`` is seeded, and dates are anchored to a fixed day, so every run measures the
same data.
"""

from __future__ import annotations

import html
import random
import re
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import texts
from .servers import environment

SEED = 20261125
ARTICLES = 1_000
COMMENTS = 200_000
# The articles the figures are measured on: slug by number of comments.
SPECIAL_COUNTS = (0, 50, 10_000)
PHOTO = "img/demo/jubilaeum.jpg"
# Articles are published between these days (UTC); comments follow them.
FIRST_DAY = datetime(2019, 1, 7, 6, 0)
LAST_DAY = datetime(2026, 11, 1, 6, 0)
# Readers comment mostly in the first days after publication.
MEAN_COMMENT_DELAY = timedelta(days=3)
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # what SQLAlchemy writes for DateTime on SQLite


@dataclass
class Dataset:
    """What was built: where, how big, how long it took, and the articles to measure."""

    database: Path
    authors: int
    articles: int
    comments: int
    seconds: float
    # number of comments -> slug of the article that has exactly that many
    slugs: dict[int, str] = field(default_factory=dict)
    body_chars_median: int = 0
    comment_chars_median: int = 0
    database_bytes: int = 0
    photo: str = ""  # how the articles' photo is stored
    # topic slug -> published articles filed under it; empty where the schema has no topics
    topics: dict[str, int] = field(default_factory=dict)

    @property
    def biggest_topic(self) -> str | None:
        """The slug of the topic with the most articles (its page is measured)."""
        return max(self.topics, key=self.topics.get) if self.topics else None


def build(project_root: Path, flask: Sequence[str], env: dict[str, str], log: Path) -> Dataset:
    """Migrate an empty instance folder (named by env) and fill its SQLite file."""
    started = time.perf_counter()
    with log.open("wb") as out:
        result = subprocess.run(
            [*flask, "db", "upgrade"], cwd=project_root, env=env, stdout=out, stderr=out
        )
    if result.returncode != 0:
        raise RuntimeError(f"`flask db upgrade` failed; see {log}:\n{log.read_text()}")

    database = Path(env["ZIRKEL_INSTANCE_PATH"]) / "zirkel.sqlite3"
    rng = random.Random(SEED)
    # Everything lies in the past even on a machine whose clock is behind LAST_DAY.
    last_day = min(LAST_DAY, datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1))

    authors = list(_authors(last_day))
    articles = _articles(rng, len(authors), last_day)
    per_article, special = _comment_counts(rng, len(articles))
    comments = _comments(rng, articles, per_article, last_day)
    _finish_articles(articles, per_article, comments)

    connection = sqlite3.connect(database, isolation_level=None)
    try:
        if connection.execute("SELECT count(*) FROM article").fetchone()[0]:
            raise RuntimeError(f"{database} already has articles; the data set needs an empty one")
        photo = _adapt_to_schema(connection, authors, articles, project_root, env)
        connection.execute("BEGIN")
        _insert(connection, "author", authors)
        _insert(connection, "article", articles)
        # Each comment begins a thread of its own, as one that answers nobody does.
        connection.executemany(
            "INSERT INTO comment (id, article_id, name, email, text, created_at, status,"
            " thread_id, thread_at) VALUES (?, ?, ?, ?, ?, ?, 'visible', ?, ?)",
            [(*row, row[0], row[5]) for row in comments],
        )
        topics = _insert_topics(connection, articles, last_day)
        connection.execute("COMMIT")
    finally:
        connection.close()
    # Written around the ORM, the articles are indexed for search as an operator would.
    with log.open("ab") as out:
        result = subprocess.run(
            [*flask, "search-reindex"], cwd=project_root, env=env, stdout=out, stderr=out
        )
    if result.returncode != 0:
        raise RuntimeError(f"`flask search-reindex` failed; see {log}:\n{log.read_text()}")
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        # Fold the write-ahead log into the file, as a long-running site would have.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()

    return Dataset(
        database=database,
        authors=len(authors),
        articles=len(articles),
        comments=len(comments),
        seconds=time.perf_counter() - started,
        slugs={count: articles[index]["slug"] for count, index in special.items()},
        body_chars_median=_median(len(a["body"]) for a in articles),
        comment_chars_median=_median(len(c[4]) for c in comments),
        database_bytes=database.stat().st_size,
        photo=photo,
        topics=topics,
    )


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def _insert(connection: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    """Insert dict rows; every row has the same keys, all of them columns of table."""
    names = list(rows[0])
    connection.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})",
        rows,
    )


def _adapt_to_schema(
    connection: sqlite3.Connection,
    authors: list[dict],
    articles: list[dict],
    project_root: Path,
    env: dict[str, str],
) -> str:
    """Fit the rows to the migrated schema, which may be newer than this file; say how the
    photo is stored.

    Where the schema stores rendered HTML beside the text (``body_html``, ``bio_html``),
    it is rendered with the app's own function. Where photos are uploads (``photo_id``)
    rather than paths below static/, the demo photo is stored once through the app's own
    upload code and every article points to it. Columns the schema lacks are dropped.
    """
    article_columns = _columns(connection, "article")
    author_columns = _columns(connection, "author")
    render = _html_renderer()
    photo = f"`{PHOTO}` below static/"
    if "bio_html" in author_columns:
        for author in authors:
            author["bio_html"] = render(author["bio"])
    if "body_html" in article_columns:
        for article in articles:
            article["body_html"] = render(article["body"])
    if "photo" not in article_columns and "photo_id" in article_columns:
        photo_id = _upload_photo(project_root / "static" / PHOTO, env)
        photo = f"`{PHOTO}`, stored as an upload (photo {photo_id}) by the app's own code"
        for article in articles:
            article["photo_id"] = photo_id
    for rows, columns in ((authors, author_columns), (articles, article_columns)):
        for row in rows:
            for name in [n for n in row if n not in columns]:
                del row[name]
    return photo


def _html_renderer() -> Callable[[str], str]:
    """The app's Markdown renderer if it has one, else plain paragraphs (as the first
    migration to store HTML converted existing text)."""
    try:
        from webapp.text import render_markdown
    except ImportError:

        def render_markdown(text: str) -> str:
            parts = [p.strip() for p in re.split(r"\n\s*\n", text)]
            return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in parts if p)

    return render_markdown


def _upload_photo(path: Path, env: dict[str, str]) -> int:
    """Store a photo as an editor's upload would be (webapp.media.store_photo); its id."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.media import store_photo

    with environment(env):
        app = create_app()
    with app.app_context():
        photo = store_photo(path.read_bytes())
        db.session.commit()
        photo_id = photo.id
        db.engine.dispose()
    return photo_id


def _insert_topics(
    connection: sqlite3.Connection, articles: list[dict], last_day: datetime
) -> dict[str, int]:
    """File every article under one topic, a third of them under a second one, as editors
    would; the number of articles per topic, by slug. Nothing where the schema has no topics.

    A random generator of its own keeps every other row as it was before topics existed.
    """
    columns = _columns(connection, "topic")
    if not columns:
        return {}
    rng = random.Random(SEED + 1)
    rows = [
        {"id": number, "name": name, "slug": slug, "description": description}
        for number, (name, slug, description) in enumerate(texts.TOPICS, start=1)
    ]
    for row in rows:
        row["updated_at"] = _sql_time(last_day)
        for name in [n for n in row if n not in columns]:
            del row[name]
    _insert(connection, "topic", rows)
    filed = []
    for article in articles:
        count = 2 if rng.random() < 1 / 3 else 1
        filed += [(article["id"], topic["id"]) for topic in rng.sample(rows, count)]
    connection.executemany("INSERT INTO article_topic (article_id, topic_id) VALUES (?, ?)", filed)
    slugs = {row["id"]: row["slug"] for row in rows}
    per_topic = {slug: 0 for slug in slugs.values()}
    for _, topic_id in filed:
        per_topic[slugs[topic_id]] += 1
    return per_topic


def count_comments_containing(database: Path, marker: str) -> int:
    """The number of stored comments whose text contains marker (a post run's tag)."""
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT count(*) FROM comment WHERE instr(text, ?) > 0", (marker,)
        ).fetchone()[0]


def comment_statuses(database: Path, text: str) -> list[str]:
    """The status of every stored comment with exactly this text."""
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT status FROM comment WHERE text = ?", (text,))
        return [str(status).lower() for (status,) in rows]


# --- rows -------------------------------------------------------------------------------


def _authors(last_day: datetime) -> Iterator[dict]:
    updated = _sql_time(last_day)
    for number, (name, slug, bio) in enumerate(texts.AUTHORS, start=1):
        yield {"id": number, "name": name, "slug": slug, "bio": bio, "updated_at": updated}


def _articles(rng: random.Random, authors: int, last_day: datetime) -> list[dict]:
    """Articles with unique titles, oldest first (ids grow with the publication date)."""
    combinations = [(t, c) for t in texts.TITLES for c in texts.CITIES]
    rng.shuffle(combinations)
    span = (last_day - FIRST_DAY).total_seconds()
    dates = sorted(FIRST_DAY + timedelta(seconds=rng.uniform(0, span)) for _ in range(ARTICLES))
    articles = []
    for number, ((title, city), published) in enumerate(
        zip(combinations, dates, strict=False), start=1
    ):
        title = _fill(rng, title, city, published)
        # A quarter by the editorial team, the rest by the others.
        author = 1 if rng.random() < 0.25 else rng.randint(2, authors)
        articles.append(
            {
                "id": number,
                "slug": _slugify(title),
                "title": title,
                "teaser": _fill(rng, rng.choice(texts.TEASERS), city, published),
                "body": _body(rng, city, published),
                "photo": PHOTO,
                "photo_alt": texts.PHOTO_ALT,
                "photo_caption": texts.PHOTO_CAPTION,
                "published_at": published,
                "author_id": author,
            }
        )
    return articles


def _body(rng: random.Random, city: str, published: datetime) -> str:
    """4–6 paragraphs of 3–5 sentences, no sentence twice, separated by blank lines."""
    sizes = [rng.randint(3, 5) for _ in range(rng.randint(4, 6))]
    sentences = iter(rng.sample(texts.ARTICLE_SENTENCES, sum(sizes)))
    return "\n\n".join(
        " ".join(_fill(rng, next(sentences), city, published) for _ in range(size))
        for size in sizes
    )


def _comment_counts(rng: random.Random, articles: int) -> tuple[dict[int, int], dict[int, int]]:
    """How many comments each article gets (by index in the list), and the special ones.

    Three articles, picked at random, get exactly 0, 50 and 10,000; the second dict
    maps those counts to their index. The others share what is left unevenly
    (log-normal weights), at least one each, so that the total is exactly COMMENTS.
    """
    indexes = list(range(articles))
    special = rng.sample(indexes, len(SPECIAL_COUNTS))
    others = [i for i in indexes if i not in special]
    remaining = COMMENTS - sum(SPECIAL_COUNTS) - len(others)  # one each up front
    weights = [rng.lognormvariate(0, 1) for _ in others]
    total = sum(weights)
    shares = [remaining * w / total for w in weights]
    counts = [int(s) for s in shares]
    # Largest remainders get the comments the rounding left over.
    leftover = remaining - sum(counts)
    for i in sorted(range(len(others)), key=lambda i: shares[i] - counts[i], reverse=True)[
        :leftover
    ]:
        counts[i] += 1
    per_article = dict(zip(special, SPECIAL_COUNTS, strict=True))
    per_article.update({index: count + 1 for index, count in zip(others, counts, strict=True)})
    return per_article, dict(zip(SPECIAL_COUNTS, special, strict=True))


def _comments(
    rng: random.Random, articles: list[dict], per_article: dict[int, int], last_day: datetime
) -> list[tuple]:
    """All comments, ids growing with created_at across the whole site."""
    limit = last_day + timedelta(hours=12)
    rows = []
    for index, count in per_article.items():
        article = articles[index]
        published = article["published_at"]
        for _ in range(count):
            delay = timedelta(seconds=rng.expovariate(1 / MEAN_COMMENT_DELAY.total_seconds()))
            created = published + timedelta(minutes=5) + delay
            if created > limit:  # the newest articles: spread over the time they had
                created = published + (limit - published) * rng.random()
            first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
            rows.append(
                (
                    article["id"],
                    f"{first} {last}",
                    _email(rng, first, last),
                    comment_text(rng),
                    created,
                )
            )
    rows.sort(key=lambda row: row[4])
    return [(number, *row[:4], _sql_time(row[4])) for number, row in enumerate(rows, start=1)]


def comment_text(rng: random.Random) -> str:
    """A typical comment: one to four sentences (the page-weight test writes these too)."""
    sentences = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
    return " ".join(rng.sample(texts.COMMENT_SENTENCES, sentences))


def _finish_articles(
    articles: list[dict], per_article: dict[int, int], comments: list[tuple]
) -> None:
    """Fill the denormalised columns exactly as comments.service keeps them."""
    newest: dict[int, str] = {}
    for _, article_id, _, _, _, created in comments:  # in created_at order
        newest[article_id] = created
    for index, article in enumerate(articles):
        count = per_article[index]
        article["comment_count"] = count
        article["comment_version"] = count
        article["comments_changed_at"] = newest.get(article["id"])
        article["updated_at"] = _sql_time(article["published_at"])
        article["published_at"] = _sql_time(article["published_at"])


# --- text helpers -------------------------------------------------------------------------


def _fill(rng: random.Random, template: str, city: str, published: datetime) -> str:
    return template.format(
        stadt=city,
        jahr=published.year + rng.randint(0, 2),
        zahl=_german_number(rng.choice((rng.randint(12, 95), rng.randint(120, 4800)))),
        betrag=_amount(rng),
    )


def _amount(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return _german_number(rng.randint(5, 95) * 10_000)
    return f"{rng.randint(1, 24)},{rng.randint(1, 9)} Millionen"


def _german_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def _ascii(value: str) -> str:
    return value.lower().translate(_TRANSLITERATION)


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(title)).strip("-")[:180]


def _email(rng: random.Random, first: str, last: str) -> str:
    local = f"{_ascii(first)}.{_ascii(last)}"
    local = re.sub(r"[^a-z0-9.]", "", local)
    if rng.random() < 0.5:
        local += str(rng.randint(1, 99))
    return f"{local}@example.org"


def _sql_time(value: datetime) -> str:
    return value.strftime(SQLITE_DATETIME)


def _median(values: Iterator[int]) -> int:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0
