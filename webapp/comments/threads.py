"""Threads: a page of comments is a page of threads, and a thread is shown as a tree.

A thread is a comment that answers nobody and every reply below it. Each comment stores
its thread (`thread_id`, `thread_at`: the first comment's id and time), so a page is two
indexed queries whatever an article holds: the keys of the threads on it (the newest that
have a visible comment, or those before or after a given one), then every comment of those
threads. Threads never split across pages, and a new reply does not move its thread.

The tree is built here, in Python, from those rows:
- visible comments are shown, and so are the reader's own comments waiting for a moderator;
- a comment that is not visible stays as "Dieser Kommentar wurde gelöscht." where replies
  that are shown hang from it, so the thread still reads;
- replies nest up to ZIRKEL_REPLY_DEPTH levels; deeper ones are shown at the deepest level,
  in order of time, each saying whom it answers ("Antwort an Erika").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, bindparam, event, select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import Article, Comment, CommentStatus, utcnow

ThreadKey = tuple[datetime, int]  # (thread_at, thread_id): the order of threads

# The most threads a reader's window holds, in pages (ten at the default); beyond, the newest.
WINDOW_PAGES = 10

_position = tuple_(Comment.thread_at, Comment.thread_id)


@dataclass
class Node:
    """A comment in its thread, with the replies shown below it."""

    comment: Comment
    replies: list[Node] = field(default_factory=list)
    shown: bool = True  # False: "Dieser Kommentar wurde gelöscht." (replies hang from it)
    # Whom it answers, when it stands at the deepest level below someone else's comment;
    # `answers_shown`: whether that comment is shown (else it was removed).
    answers: Comment | None = None
    answers_shown: bool = True

    def walk(self) -> Iterator[Node]:
        yield self
        for reply in self.replies:
            yield from reply.walk()


@dataclass
class ThreadPage:
    """Threads as a page shows them, oldest first."""

    threads: list[Node]
    has_older: bool = False
    has_newer: bool = False

    def nodes(self) -> Iterator[Node]:
        for thread in self.threads:
            yield from thread.walk()

    @property
    def visible(self) -> list[Comment]:
        """The visible comments shown (not the reader's own waiting ones, not the removed)."""
        return [
            node.comment
            for node in self.nodes()
            if node.shown and node.comment.status == CommentStatus.VISIBLE
        ]

    @property
    def oldest(self) -> Comment | None:
        """The first comment of the oldest thread shown: where older threads begin."""
        return next((t.comment for t in self.threads if _has_visible(t)), None)

    @property
    def newest(self) -> Comment | None:
        """The first comment of the newest thread shown: where newer threads begin."""
        return next((t.comment for t in reversed(self.threads) if _has_visible(t)), None)


def _has_visible(thread: Node) -> bool:
    return any(n.shown and n.comment.status == CommentStatus.VISIBLE for n in thread.walk())


def key_of(comment: Comment) -> ThreadKey:
    """The key of the thread a comment belongs to."""
    return (comment.thread_at, comment.thread_id)


# --- which threads ---------------------------------------------------------------------------


def _keys(
    article: Article, *conditions: ColumnElement[bool], newest_first: bool, limit: int
) -> list[ThreadKey]:
    """Keys of threads of the article that have a visible comment (one indexed query)."""
    order = (
        (Comment.thread_at.desc(), Comment.thread_id.desc())
        if newest_first
        else (Comment.thread_at, Comment.thread_id)
    )
    rows = db.session.execute(
        select(Comment.thread_at, Comment.thread_id)
        .where(
            Comment.article_id == article.id,
            Comment.status == CommentStatus.VISIBLE,
            *conditions,
        )
        .distinct()
        .order_by(*order)
        .limit(limit)
    )
    return [(at, thread_id) for at, thread_id in rows]


def newest(article: Article, *, per_page: int, waiting: Sequence[Comment] = ()) -> ThreadPage:
    """The newest page of threads: what the article page shows."""
    keys = _keys(article, newest_first=True, limit=per_page + 1)
    return _page(article, keys[:per_page], waiting, has_older=len(keys) > per_page)


def before(article: Article, key: ThreadKey, *, per_page: int) -> ThreadPage:
    """The page of threads just older than the thread `key`."""
    keys = _keys(article, _position < tuple_(*key), newest_first=True, limit=per_page + 1)
    return _page(article, keys[:per_page], (), has_older=len(keys) > per_page, has_newer=True)


def after(article: Article, key: ThreadKey, *, per_page: int) -> ThreadPage:
    """The page of threads just newer than the thread `key`."""
    keys = _keys(article, _position > tuple_(*key), newest_first=False, limit=per_page + 1)
    return _page(article, keys[:per_page], (), has_older=True, has_newer=len(keys) > per_page)


def window(
    article: Article, *, since: ThreadKey | None, per_page: int, waiting: Sequence[Comment] = ()
) -> ThreadPage:
    """What a reader has open: every thread from `since` (the oldest their list shows, after
    "Ältere Kommentare anzeigen" one of an older page) to the newest. New threads join it, so
    a refresh or a post never drops what the reader opened. At most WINDOW_PAGES pages (the
    newest of them, then with a link to older ones); three queries at most."""
    if since is None:
        return newest(article, per_page=per_page, waiting=waiting)
    limit = per_page * WINDOW_PAGES
    keys = _keys(article, _position >= tuple_(*since), newest_first=True, limit=limit + 1)
    if len(keys) > limit:
        return _page(article, keys[:limit], waiting, has_older=True)
    older = _keys(article, _position < tuple_(*since), newest_first=True, limit=1)
    return _page(article, keys, waiting, has_older=bool(older))


def around(article: Article, key: ThreadKey, *, per_page: int) -> ThreadPage:
    """A page of threads with the thread `key` in the middle: what a comment's permalink
    shows once its thread is no longer among the newest."""
    half = per_page // 2
    older = _keys(article, _position < tuple_(*key), newest_first=True, limit=half + 1)
    rest = per_page - 1 - min(len(older), half)
    newer = _keys(article, _position > tuple_(*key), newest_first=False, limit=rest + 1)
    keys = [*older[:half], key, *newer[:rest]]
    return _page(article, keys, (), has_older=len(older) > half, has_newer=len(newer) > rest)


def is_among_newest(article: Article, key: ThreadKey, *, per_page: int) -> bool:
    """Whether the article page itself shows the thread `key` (one bounded query)."""
    newer = _keys(article, _position > tuple_(*key), newest_first=True, limit=per_page)
    return len(newer) < per_page


# --- the trees -------------------------------------------------------------------------------


def _page(
    article: Article,
    keys: Sequence[ThreadKey],
    waiting: Sequence[Comment],
    *,
    has_older: bool = False,
    has_newer: bool = False,
) -> ThreadPage:
    """The threads with these keys, and those of the reader's waiting comments, as trees."""
    wanted = set(keys) | {key_of(c) for c in waiting if c.thread_id is not None}
    comments: list[Comment] = []
    if wanted:
        comments = list(
            db.session.scalars(
                select(Comment)
                .where(
                    Comment.article_id == article.id,
                    Comment.thread_id.in_([thread_id for _at, thread_id in wanted]),
                )
                .order_by(Comment.created_at, Comment.id)
            )
        )
    # A comment just stored (and not yet read back) takes its row's place.
    fresh = {c.id: c for c in waiting}
    comments = [fresh.pop(c.id, c) for c in comments] + list(fresh.values())
    shown = {c.id for c in comments if c.status == CommentStatus.VISIBLE} | {c.id for c in waiting}
    threads = build(comments, shown, int(current_app.config["REPLY_DEPTH"]))
    threads.sort(key=lambda node: key_of(node.comment))
    return ThreadPage(threads, has_older=has_older, has_newer=has_newer)


def build(comments: Iterable[Comment], shown: set[int], depth: int) -> list[Node]:
    """The trees of these comments (oldest first in every list), keeping only what is shown
    and, as removed, what shown replies hang from. Replies nest `depth` levels deep (at
    least one); a reply to one at the deepest level is shown beside it."""
    comments = list(comments)
    depth = max(1, depth)
    by_id = {c.id: c for c in comments}
    replies: dict[int, list[Comment]] = defaultdict(list)
    firsts = []
    for comment in comments:
        if comment.parent_id in by_id and comment.parent_id != comment.id:
            replies[comment.parent_id].append(comment)
        else:
            firsts.append(comment)

    def below(comment: Comment, seen: set[int]) -> Iterator[Comment]:
        for reply in replies[comment.id]:
            if reply.id not in seen:
                seen.add(reply.id)
                yield reply
                yield from below(reply, seen)

    def node(comment: Comment, level: int) -> Node | None:
        if level == depth - 1:
            # Its replies are at the deepest level: every reply below them stands there
            # too, in order of time, saying whom it answers.
            deeper = sorted(below(comment, set()), key=lambda c: (c.created_at, c.id))
            children = [
                Node(
                    c,
                    answers=None if c.parent_id == comment.id else by_id[c.parent_id],
                    answers_shown=c.parent_id in shown,
                )
                for c in deeper
                if c.id in shown
            ]
        else:
            children = [n for r in replies[comment.id] if (n := node(r, level + 1))]
        if comment.id in shown:
            return Node(comment, children)
        return Node(comment, children, shown=False) if children else None

    return [n for c in firsts if (n := node(c, 0)) is not None]


# --- keeping the thread columns right ----------------------------------------------------------


@event.listens_for(Comment, "before_insert")
def _thread_of_reply(_mapper, connection, comment: Comment) -> None:
    """A reply added through the ORM joins its parent's thread."""
    if comment.created_at is None:
        comment.created_at = utcnow()
    if comment.parent_id is not None and comment.thread_id is None:
        row = connection.execute(
            select(Comment.thread_id, Comment.thread_at).where(Comment.id == comment.parent_id)
        ).first()
        if row is not None and row.thread_id is not None:
            comment.thread_id, comment.thread_at = row.thread_id, row.thread_at
    if comment.thread_at is None:
        comment.thread_at = comment.created_at


@event.listens_for(Comment, "after_insert")
def _thread_of_first(_mapper, connection, comment: Comment) -> None:
    """A comment that answers nobody begins a thread of its own."""
    if comment.thread_id is None:
        table = Comment.__table__
        connection.execute(
            update(table).where(table.c.id == comment.id).values(thread_id=comment.id)
        )
        set_committed_value(comment, "thread_id", comment.id)


def rethread(article_ids: Iterable[int]) -> None:
    """Set every comment's thread from its parent links, for these articles (imports link
    parents after all comments have ids). Call inside `writing()`."""
    ids = list(article_ids)
    if not ids:
        return
    table = Comment.__table__
    rows = db.session.execute(
        select(table.c.id, table.c.parent_id, table.c.created_at, table.c.thread_id).where(
            table.c.article_id.in_(ids)
        )
    ).all()
    parents = {row.id: row.parent_id for row in rows}
    created = {row.id: row.created_at for row in rows}
    changes = []
    for row in rows:
        first, seen = row.id, {row.id}
        while parents.get(first) in parents and parents[first] not in seen:
            first = parents[first]
            seen.add(first)
        if row.thread_id != first:
            changes.append({"key": row.id, "thread_id": first, "thread_at": created[first]})
    if changes:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("key"))
            .values(thread_id=bindparam("thread_id"), thread_at=bindparam("thread_at")),
            changes,
        )
