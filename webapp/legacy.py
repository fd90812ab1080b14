"""A WordPress site's old addresses, after `flask import-wordpress`: 301 to where the same
thing is now, so links, bookmarks and search engines keep finding it.

Only addresses nothing else answers reach this module (it runs on a 404, and for the
front page's WordPress query parameters), so it costs nothing on any other request. What
it needs the import keeps: the posts' WordPress ids and the categories', tags' and
authors' WordPress names in `import_key`, and the posts' and pages' slugs (and old slugs).

    /?p=123, /archives/123                → the article
    /2014/03/slug/, /2014/03/21/slug/, /2014/slug/, /slug/, /index.php/…  → the article
    …/feed/ after any of those            → its comment feed
    /category/name/ (also nested), /tag/name/ (…/feed/)  → the topic (its feed)
    /author/login/                        → the author
    /ueber-uns/, /verein/ueber-uns/       → the page (when no article has that slug)
    /feed/, /?feed=rss2, /comments/feed/  → the feeds
    /?s=words                             → the search
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Flask, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from .extensions import db
from .models import Article, ArticleSlug, Author, Topic, TopicSlug
from .pages import Page, page_url
from .text import make_slug

_FEED = r"(?P<feed>feed(?:/(?:rss2?|atom|rdf))?/?)?"
_POST_SHAPES = [
    re.compile(
        r"^/(?:index\.php/)?(?P<year>\d{4})/\d{1,2}/\d{1,2}/(?P<slug>[^/]+)/?" + _FEED + "$"
    ),
    re.compile(r"^/(?:index\.php/)?(?P<year>\d{4})/\d{1,2}/(?P<slug>[^/]+)/?" + _FEED + "$"),
    re.compile(r"^/(?:index\.php/)?(?P<year>\d{4})/(?P<slug>[^/]+)/?" + _FEED + "$"),
    re.compile(r"^/(?:index\.php/)?archives/(?P<id>\d+)/?" + _FEED + "$"),
    re.compile(r"^/(?:index\.php/)?(?P<slug>[^/]+)/" + _FEED + "$"),
]
_TERM = re.compile(
    r"^/(?:index\.php/)?(?P<kind>category|tag)/(?:[^/]+/)*?(?P<slug>[^/]+)/?" + _FEED + "$"
)
# A page's address in WordPress: its slug after its parents' and a slash (/verein/ueber-uns/),
# or alone (/ueber-uns). Zirkel's own addresses end without a slash: /artikel/x is no page.
_PAGE = re.compile(r"^/(?:index\.php/)?(?:[^/]+/)*(?P<slug>[^/]+)/$|^/(?P<single>[^/]+)$")
_AUTHOR = re.compile(r"^/(?:index\.php/)?author/(?P<login>[^/]+)/?$")
_SITE_FEEDS = {
    "/feed": "feeds.articles",
    "/comments/feed": "feeds.comments",
}


def _moved(endpoint: str, **values) -> Response:
    return redirect(url_for(endpoint, **values), 301)


def _imported_as(column, kind: str, name: str):
    """The row came from any WordPress site as this kind of thing with this name (`name`
    from the address: LIKE's wildcards in it are only characters)."""
    name = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"wordpress:%:{kind}:{name}", escape="\\")


def _published_article(post_id: str | None = None, slug: str | None = None) -> Article | None:
    published = select(Article).where(Article.is_published())
    if post_id is not None:
        return db.session.scalar(published.where(_imported_as(Article.import_key, "post", post_id)))
    wanted = make_slug(unquote(slug or ""))
    if not wanted:
        return None
    return db.session.scalar(published.where(Article.slug == wanted)) or db.session.scalar(
        published.join(ArticleSlug, ArticleSlug.article_id == Article.id).where(
            ArticleSlug.slug == wanted
        )
    )


def _topic(kind: str, name: str) -> Topic | None:
    name = unquote(name)
    wanted = make_slug(name)
    return db.session.scalar(
        select(Topic).where(or_(_imported_as(Topic.import_key, kind, name), Topic.slug == wanted))
    ) or db.session.scalar(
        select(Topic)
        .join(TopicSlug, TopicSlug.topic_id == Topic.id)
        .where(TopicSlug.slug == wanted)
    )


def _article_answer(article: Article | None, feed: str | None) -> Response | None:
    if article is None:
        return None
    if feed:
        return _moved("feeds.article_comments", slug=article.slug)
    return _moved("articles.show", slug=article.slug)


def legacy_redirect() -> Response | None:
    """For a 404: the 301 to where an old WordPress address's content is now, or None."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path
    stripped = path.rstrip("/")
    if stripped in _SITE_FEEDS or re.fullmatch(r"/feed/(rss2?|atom|rdf)", stripped):
        return _moved(_SITE_FEEDS.get(stripped, "feeds.articles"))
    if match := _TERM.match(path):
        topic = _topic("category" if match["kind"] == "category" else "tag", match["slug"])
        if topic is None:
            return None
        return _moved("feeds.topic" if match["feed"] else "articles.topic", slug=topic.slug)
    if match := _AUTHOR.match(path):
        login = unquote(match["login"])
        author = db.session.scalar(
            select(Author).where(
                or_(
                    _imported_as(Author.import_key, "author", login),
                    Author.slug == make_slug(login),
                )
            )
        )
        return _moved("articles.author", slug=author.slug) if author else None
    for shape in _POST_SHAPES:
        if match := shape.match(path):
            found = match.groupdict()
            article = (
                _published_article(post_id=found["id"])
                if found.get("id")
                else _published_article(slug=found["slug"])
            )
            if answer := _article_answer(article, found.get("feed")):
                return answer
    if match := _PAGE.match(path):
        wanted = make_slug(unquote(match["slug"] or match["single"]))
        page = db.session.scalar(select(Page).where(Page.slug == wanted)) if wanted else None
        return redirect(page_url(page), 301) if page else None
    return None


def _front_page_query() -> Response | None:
    """WordPress's query addresses on the front page: ?p=, ?s=, ?feed=, ?tag=, ?category_name=."""
    if request.path != "/" or not request.args:
        return None
    args = request.args
    if (post_id := args.get("p", "")).isdigit():
        if answer := _article_answer(_published_article(post_id=post_id), args.get("feed")):
            return answer
        abort(404, _("There is no article at this address."))
    if "s" in args:
        return _moved("search.results", q=args["s"])
    for parameter, kind in (("tag", "tag"), ("category_name", "category")):
        if args.get(parameter) and (topic := _topic(kind, args[parameter])):
            return _moved("articles.topic", slug=topic.slug)
    if args.get("feed"):
        return _moved("feeds.comments" if "comments" in args["feed"] else "feeds.articles")
    return None


def register(app: Flask) -> None:
    app.before_request(_front_page_query)
