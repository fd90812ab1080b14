"""WordPress exports (WXR files) into Zirkel: authors, posts and their comments, pages.

`read_export` parses the file with defusedxml (no DTDs, no entities, nothing external:
the file comes from elsewhere) into plain records; `Importer` stores them. What is kept:

- Authors (wp:author) as Author, keyed "wordpress:<site>:author:<login>".
- Categories and tags (wp:category, wp:tag, and those only named on posts) as topics,
  keyed "wordpress:<site>:category:<slug>" and "…:tag:<slug>"; a tag named as a
  category is (case aside) the same topic. Their slugs are kept where free (else the
  topic gets another and keeps the WordPress one as an old slug). Each post is filed
  under its categories and tags, also on a second run (links are only added). Menus
  (nav_menu) and other taxonomies are not topics.
- Posts (post type "post"; attachments, menu items … are counted, not imported) as
  Article, keyed "wordpress:<site>:post:<id>". Trashed posts are skipped;
  "publish" and "future" posts get their date, everything else becomes a draft. The body
  is WordPress's HTML, cleaned of block-editor comments, <!--more-->, scripts and
  shortcode tags, with WordPress's automatic paragraphs made explicit (see `clean_body`),
  then converted to Markdown block by block where that shows the same (html_markdown.py);
  a block that cannot be (a table, a <cite> …) stays HTML, which the sanitizer reduces to
  the allowlist, and the report names the post and what stayed HTML.
- Images (wordpress_media.py): with `--media-folder`, the featured image becomes the
  article's photo (alternative text: the attachment's, else its title, reported) and
  images in the body become Markdown images of the site's own photos; each that cannot
  be brought (no file, no usable photo, not from the uploads folder, no alternative
  text) is left out and named in the report. Without the folder, images are left out
  (nothing is downloaded) and the summary says how to bring them.
- Titles, author names, bodies and teasers pass the editorial forms' rules as in every
  import (common.Cleaner): control characters are removed, overlong titles and names
  shortened, an overlong excerpt kept, and each of these reported in a note. A post
  without a title, or with only invisible characters in it, is called "Ohne Titel"
  (WordPress allows untitled posts); an author without a visible display name is called
  by their login.
- Comments of type "comment" (or "") as Comment, keyed "wordpress:<site>:comment:<id>",
  as plain text (HTML tags off, entities unescaped once, the address of a link shown
  after its text when it is http(s) or mailto); pingbacks and trackbacks are skipped.
  Names are one line. Then the public form's rules, as common.comment_fields applies
  them to every import: a bad comment is cleaned or, without any text, skipped, and
  reported; it never stops the import. Names longer than the form allows (WordPress
  allows 245 characters) are shortened to 99 characters and "…"; longer texts than the
  form allows are kept whole; addresses the form would refuse are left out.
- Pages (post type "page", "Über uns") as Page at /seite/<slug>, their text cleaned and
  converted as a post's body is, images too. Only published pages without a password:
  drafts, private, scheduled, protected and trashed ones are skipped and named in the
  report (a Zirkel page has no such states: it is public). A page is recognised by its
  slug, not by a key: pages have no import_key column, and a WordPress site's page slugs
  are unique, as Zirkel's are. The page at that address counts as the one imported before
  when its title and its text (images aside) are what the import makes of the WordPress
  page; otherwise it is someone else's, or an editor changed it since, and it stays as it
  is (reported). So does /impressum or /datenschutz: a WordPress page of that slug never
  replaces the site's own, whose text is the editors' to copy. Comments on pages and a
  page's featured image are not imported (pages have neither here), and reported.

Rows whose key (a page: its slug) exists already are left as they are, so a second run
changes nothing.
"""

from __future__ import annotations

import html
import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import ElementTree as SafeElementTree
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..comments.forms import is_blank
from ..extensions import db
from ..formatting import excerpt
from ..models import Article, Author, Comment, CommentStatus, Photo, Topic, TopicSlug, utcnow
from ..pages import FIXED, Page
from ..slugs import unique_article_slug, unique_author_slug, unique_topic_slug
from ..text import make_slug, media_path, render_markdown
from .common import (
    ANONYMOUS,
    AUTHOR_NAME_MAX,
    BATCH,
    PHOTO_ALT_MAX,
    TEASER_MAX,
    TITLE_MAX,
    TOPIC_NAME_MAX,
    Cleaner,
    Report,
    TransferError,
    add_old_slug,
    clean_text,
    comment_fields,
    one_line,
    refresh_discussions,
    shorten,
    shown,
    status_counts,
)
from .html_markdown import Conversion, html_to_markdown
from .wordpress_media import _SIZE_SUFFIX, NotBrought, Uploads, WxrAttachment, uploads_path

WP_NAMESPACE_PREFIX = "http://wordpress.org/export/"  # followed by the WXR version: 1.2/
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"

COMMENT_STATUSES = {
    "1": CommentStatus.VISIBLE,
    "0": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}
PUBLISHED_STATUSES = {"publish", "future"}
PUBLIC_PAGE_STATUS = "publish"  # a Zirkel page is public: nothing else may become one
# Trashed posts are gone from the WordPress site; auto-drafts are empty editor sessions.
SKIPPED_STATUSES = {"trash", "auto-draft"}
UNTITLED = "Ohne Titel"  # readers see it, so German
# The taxonomies that become topics, by the domain a post's <category> names.
TERM_KINDS = {"category": "category", "post_tag": "tag"}


@dataclass(frozen=True)
class WxrAuthor:
    login: str
    display_name: str


@dataclass(frozen=True)
class WxrComment:
    id: str
    author: str
    email: str
    content: str
    approved: str
    type: str
    parent: str  # "0": no parent
    date_gmt: str
    date_local: str


@dataclass(frozen=True)
class WxrTerm:
    kind: str  # "category" or "tag"
    slug: str
    name: str  # HTML-escaped, as WordPress stores it
    description: str = ""


@dataclass(frozen=True)
class WxrPost:
    id: str
    type: str
    status: str
    title: str
    name: str  # the slug, URL-encoded as WordPress stores non-ASCII ones
    creator: str  # the author's login
    content: str
    excerpt: str
    date_gmt: str
    date_local: str
    comment_status: str
    old_slugs: tuple[str, ...]
    comments: tuple[WxrComment, ...]
    terms: tuple[WxrTerm, ...] = ()  # its categories and tags
    thumbnail_id: str = ""  # its featured image: an attachment's id
    password: str = ""  # WordPress shows the post only to who knows it


@dataclass(frozen=True)
class WxrExport:
    site: str  # wp:base_site_url, the part of every key that says where rows came from
    authors: tuple[WxrAuthor, ...]
    terms: tuple[WxrTerm, ...]  # the categories and tags the site defines
    posts: tuple[WxrPost, ...]  # post type "post" only
    other_items: Counter[str]  # items of other post types, by type
    attachments: dict[str, WxrAttachment] = field(default_factory=dict)  # by id
    pages: tuple[WxrPost, ...] = ()  # post type "page"


# --- Reading the file ------------------------------------------------------------------


def read_export(path: Path) -> WxrExport:
    """Parse a WXR file into records, or raise TransferError with a message for the operator."""
    root = _parse(path)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise TransferError(f"{path.name} is not a WordPress export: it has no <rss><channel>.")
    wp = _wp_namespace(channel)
    if wp is None:
        raise TransferError(
            f"{path.name} is not a WordPress export (WXR): its channel has no <wp:wxr_version>."
        )
    site = (_text(channel, f"{wp}base_site_url") or _text(channel, "link")).strip().rstrip("/")
    if not site:
        raise TransferError(
            f"{path.name} does not say which site it comes from (no base_site_url)."
        )
    authors = tuple(
        WxrAuthor(_text(a, f"{wp}author_login"), _text(a, f"{wp}author_display_name"))
        for a in channel.iter(f"{wp}author")
    )
    terms = tuple(
        WxrTerm(
            "category",
            _text(c, f"{wp}category_nicename").strip(),
            _text(c, f"{wp}cat_name"),
            _text(c, f"{wp}category_description"),
        )
        for c in channel.iter(f"{wp}category")
    ) + tuple(
        WxrTerm(
            "tag",
            _text(t, f"{wp}tag_slug").strip(),
            _text(t, f"{wp}tag_name"),
            _text(t, f"{wp}tag_description"),
        )
        for t in channel.iter(f"{wp}tag")
    )
    posts: list[WxrPost] = []
    pages: list[WxrPost] = []
    other_items: Counter[str] = Counter()
    attachments: dict[str, WxrAttachment] = {}
    for item in channel.iter("item"):
        post = _read_post(item, wp)
        if post.type == "post":
            posts.append(post)
        elif post.type == "page":
            pages.append(post)
        else:
            other_items[post.type or "unknown"] += 1
        if post.type == "attachment":
            attachments[post.id] = _read_attachment(item, wp, post)
    return WxrExport(site, authors, terms, tuple(posts), other_items, attachments, tuple(pages))


def _parse(path: Path) -> Element:
    try:
        # No WXR file has a DTD; refusing them refuses entity bombs and external entities.
        return SafeElementTree.parse(path, forbid_dtd=True).getroot()
    except DTDForbidden as error:
        raise TransferError(
            f"{path.name} was refused: it has a document type declaration (DTD), which "
            "WordPress exports never have and XML attacks (entity bombs, external entities) need."
        ) from error
    except EntitiesForbidden as error:
        raise TransferError(
            f"{path.name} was refused: it declares XML entities, which WordPress exports never do."
        ) from error
    except DefusedXmlException as error:
        raise TransferError(f"{path.name} was refused as unsafe XML: {error}.") from error
    except SafeElementTree.ParseError as error:
        raise TransferError(f"{path.name} is not well-formed XML: {error}.") from error
    except OSError as error:
        raise TransferError(f"{path.name} cannot be read: {error.strerror}.") from error


def _wp_namespace(channel: Element) -> str | None:
    """'{http://wordpress.org/export/1.2/}', whichever WXR version wrote the file."""
    for child in channel:
        namespace, _, local = child.tag[1:].partition("}")
        if local == "wxr_version" and namespace.startswith(WP_NAMESPACE_PREFIX):
            return "{" + namespace + "}"
    return None


def _excerpt_namespace(wp: str) -> str:
    """The excerpt namespace lives under the wp one: '{…/export/1.2/excerpt/}'."""
    return wp[:-1] + "excerpt/}"


def _text(element: Element, tag: str) -> str:
    found = element.find(tag)
    return "" if found is None or found.text is None else found.text


def _meta(item: Element, wp: str, key: str) -> list[str]:
    """The values of a post's postmeta of this key."""
    return [
        _text(meta, f"{wp}meta_value")
        for meta in item.findall(f"{wp}postmeta")
        if _text(meta, f"{wp}meta_key") == key
    ]


def _read_attachment(item: Element, wp: str, post: WxrPost) -> WxrAttachment:
    return WxrAttachment(
        id=post.id,
        title=post.title,
        url=_text(item, f"{wp}attachment_url").strip(),
        file=next(iter(_meta(item, wp, "_wp_attached_file")), "").strip(),
        alt=next(iter(_meta(item, wp, "_wp_attachment_image_alt")), ""),
    )


def _read_post(item: Element, wp: str) -> WxrPost:
    old_slugs = tuple(_meta(item, wp, "_wp_old_slug"))
    return WxrPost(
        id=_text(item, f"{wp}post_id").strip(),
        type=_text(item, f"{wp}post_type").strip(),
        status=_text(item, f"{wp}status").strip(),
        title=_text(item, "title"),
        name=_text(item, f"{wp}post_name").strip(),
        creator=_text(item, f"{DC}creator").strip(),
        content=_text(item, f"{CONTENT}encoded"),
        excerpt=_text(item, f"{_excerpt_namespace(wp)}encoded"),
        date_gmt=_text(item, f"{wp}post_date_gmt"),
        date_local=_text(item, f"{wp}post_date"),
        comment_status=_text(item, f"{wp}comment_status").strip(),
        old_slugs=old_slugs,
        comments=tuple(_read_comment(c, wp) for c in item.findall(f"{wp}comment")),
        terms=tuple(
            WxrTerm(TERM_KINDS[c.get("domain")], (c.get("nicename") or "").strip(), c.text or "")
            for c in item.findall("category")
            if c.get("domain") in TERM_KINDS
        ),
        thumbnail_id=next(iter(_meta(item, wp, "_thumbnail_id")), "").strip(),
        password=_text(item, f"{wp}post_password"),
    )


def _read_comment(element: Element, wp: str) -> WxrComment:
    return WxrComment(
        id=_text(element, f"{wp}comment_id").strip(),
        author=_text(element, f"{wp}comment_author"),
        email=_text(element, f"{wp}comment_author_email").strip(),
        content=_text(element, f"{wp}comment_content"),
        approved=_text(element, f"{wp}comment_approved").strip(),
        type=_text(element, f"{wp}comment_type").strip(),
        parent=_text(element, f"{wp}comment_parent").strip() or "0",
        date_gmt=_text(element, f"{wp}comment_date_gmt"),
        date_local=_text(element, f"{wp}comment_date"),
    )


# --- Storing it ------------------------------------------------------------------------


class Importer:
    """Stores an export's records; call inside one transaction (common.import_transaction)."""

    def __init__(self, export: WxrExport, timezone: tzinfo, uploads: Uploads | None = None) -> None:
        self.export = export
        # The WordPress site's zone, for dates the export has only in local time.
        self.timezone = timezone
        # The copied wp-content/uploads folder; None: images are left out.
        self.uploads = uploads
        self.report = Report()
        if uploads is not None:
            self.report.add("media folder")
        self._attachments_by_file: dict[str, WxrAttachment] = {}
        for attachment in export.attachments.values():
            for path in (attachment.file, uploads_path(attachment.url)):
                if path:
                    self._attachments_by_file.setdefault(path, attachment)
        self._authors: dict[str, Author] = {}  # by login
        self._topics: dict[tuple[str, str], Topic] = {}  # by kind and WordPress slug
        self._commented: set[int] = set()  # articles that got comments: recount them

    def key(self, kind: str, wordpress_id: str) -> str:
        """The import_key of a row: where it came from, unique across sites."""
        return f"wordpress:{self.export.site}:{kind}:{wordpress_id}"

    def import_authors(self) -> None:
        """Every wp:author, whether or not they wrote a post."""
        for author in self.export.authors:
            self._author(author.login, author.display_name)

    def import_topics(self) -> None:
        """Every category and tag the site defines, whether or not a post uses it."""
        for term in self.export.terms:
            self._topic(term)

    def import_post(self, post: WxrPost) -> None:
        """One post with its old slugs and comments."""
        if post.status in SKIPPED_STATUSES:
            self.report.add(f"posts {post.status}")
            self.report.add("comments of skipped posts", len(post.comments))
            return
        key = self.key("post", post.id)
        article = db.session.scalar(select(Article).where(Article.import_key == key))
        if article is None:
            article = self._create_article(post, key)
        else:
            self.report.add("articles unchanged")
            if article.photo_id is None and self.uploads is not None:
                # A run with the media folder after one without: the photo is only added.
                self._lead_photo(article, post, self._named(post, article.title))
        for old_slug in post.old_slugs:
            add_old_slug(article, make_slug(unquote(old_slug)), self.report)
        self._file(article, post)
        self._import_comments(article, post)

    def import_page(self, post: WxrPost) -> None:
        """One page as a Page at /seite/<slug>: if it is public and its address is free."""
        if post.status == "auto-draft":
            self.report.add("posts auto-draft")
            return
        # Worked out quietly first: a page there already was reported when it came.
        title = self._page_title(post, Cleaner("", Report()))
        named = _("Page %(id)s “%(title)s”", id=post.id, title=shorten(title, 60))
        if post.comments:
            self.report.add("page comments", len(post.comments))
        if post.status != PUBLIC_PAGE_STATUS or post.password:
            self.report.add("pages skipped")
            state = _("password-protected") if post.password else shown(post.status)
            self.report.note(
                _(
                    "%(page)s is not public in WordPress (%(state)s); not imported.",
                    page=named,
                    state=state,
                )
            )
            return
        slug = make_slug(unquote(post.name)) or make_slug(title) or f"seite-{post.id}"
        if slug in FIXED:
            self.report.add("pages skipped")
            self.report.note(
                _(
                    "%(page)s: /%(slug)s is this site's own page, linked from every page; "
                    "not overwritten. Copy its text over by hand if you need it.",
                    page=named,
                    slug=slug,
                )
            )
            return
        existing = db.session.scalar(select(Page).where(Page.slug == slug))
        if existing is None:
            self._create_page(post, slug)
        elif self._same_page(existing, title, post):
            self.report.add("pages unchanged")
        else:
            self.report.add("pages skipped")
            self.report.note(
                _(
                    "%(page)s: another page is at /seite/%(slug)s already (or it was changed "
                    "since the last import); not overwritten.",
                    page=named,
                    slug=slug,
                )
            )

    def _create_page(self, post: WxrPost, slug: str) -> None:
        clean = Cleaner(_("Page %(id)s", id=post.id), self.report)
        title = self._page_title(post, clean)
        named = _("Page %(id)s “%(title)s”", id=post.id, title=shorten(title, 60))
        images = _BodyImages(self, named)
        cleaned = clean_body(clean.text(post.content, "text", strip=False), image=images.take)
        conversion = html_to_markdown(cleaned, images.markdown)
        images.report_lost(conversion.lost)
        self._report_conversion(post, named, conversion, counter="pages with HTML")
        if post.thumbnail_id:
            self.report.note(
                _("%(page)s: the featured image is not imported; pages have none.", page=named)
            )
        # Setting the body renders it, as the page editor's save does (pages.Page).
        db.session.add(Page(title=title, slug=slug, body=conversion.markdown))
        db.session.flush()
        self.report.add("pages created")

    def _page_title(self, post: WxrPost, clean: Cleaner) -> str:
        title = clean.line(html.unescape(post.title), "title", TITLE_MAX, collapse=True)
        if is_blank(title):
            clean.report.note(
                _("Page %(id)s has no title; it is called “%(title)s”.", id=post.id, title=UNTITLED)
            )
            return UNTITLED
        return title

    def _same_page(self, page: Page, title: str, post: WxrPost) -> bool:
        """Whether the page at the address is this one as imported before: the same title
        and the same words (images aside: a run with --media-folder after one without
        would have brought some, and the photos would be stored for nothing)."""
        if page.title != title:
            return False
        body = html_to_markdown(clean_body(post.content)).markdown
        return _words(render_markdown(body)) == _words(page.body_html)

    def finish(self) -> None:
        """Bring the comment counters of every article that got comments up to date."""
        refresh_discussions(self._commented)

    def _author(self, login: str, display_name: str) -> Author:
        if login in self._authors:
            return self._authors[login]
        key = self.key("author", login)
        author = db.session.scalar(select(Author).where(Author.import_key == key))
        if author is None:
            name = self._author_name(login, display_name)
            slug = make_slug(name) or make_slug(login) or "autor"
            author = Author(name=name, slug=unique_author_slug(slug), bio="", import_key=key)
            db.session.add(author)
            db.session.flush()
            self.report.add("authors created")
        else:
            self.report.add("authors unchanged")
        self._authors[login] = author
        return author

    def _topic(self, term: WxrTerm) -> Topic | None:
        """The topic of a category or tag (created on first sight); None without a name."""
        known = (term.kind, term.slug)
        if known in self._topics:
            return self._topics[known]
        key = self.key(term.kind, term.slug)
        topic = db.session.scalar(select(Topic).where(Topic.import_key == key))
        if topic is None:
            where = (
                _("Category '%(slug)s'", slug=shown(term.slug))
                if term.kind == "category"
                else _("Tag '%(slug)s'", slug=shown(term.slug))
            )
            clean = Cleaner(where, self.report)
            # WordPress stores term names HTML-escaped ("Klima &amp; Umwelt").
            name = clean.line(html.unescape(term.name), "name", TOPIC_NAME_MAX, collapse=True)
            if is_blank(name):
                self.report.note(_("%(where)s has no name; left out.", where=where))
                return None
            topic = db.session.scalar(select(Topic).where(func.lower(Topic.name) == name.lower()))
            if topic is None:
                wanted = make_slug(unquote(term.slug)) or make_slug(name) or "thema"
                slug = unique_topic_slug(wanted)
                description = clean.line(html.unescape(term.description), "description", 500)
                topic = Topic(name=name, slug=slug, description=description, import_key=key)
                db.session.add(topic)
                db.session.flush()
                if slug != wanted and unique_topic_slug(wanted) == wanted:
                    db.session.add(TopicSlug(slug=wanted, topic_id=topic.id))
                self.report.add(f"topics from {term.kind}")
            else:
                self.report.add("topics shared")
        else:
            self.report.add("topics unchanged")
        self._topics[known] = topic
        return topic

    def _file(self, article: Article, post: WxrPost) -> None:
        """File the article under its categories and tags (adding, never removing)."""
        topics = [t for t in (self._topic(term) for term in post.terms) if t is not None]
        new = [t for t in dict.fromkeys(topics) if t not in article.topics]
        if new:
            article.topics.extend(new)
            self.report.add("articles filed")

    def _author_name(self, login: str, display_name: str) -> str:
        """The display name by the author form's rules, else the login."""
        where = _("Author '%(login)s'", login=shown(login))
        clean = Cleaner(where, self.report)
        # WordPress stores display names HTML-escaped ("A &amp; B").
        name = clean.line(html.unescape(display_name), "name", AUTHOR_NAME_MAX, collapse=True)
        if not is_blank(name):
            return name
        name = one_line(login)[:AUTHOR_NAME_MAX]
        name = ANONYMOUS if is_blank(name) else name
        if display_name.strip():
            self.report.note(
                _(
                    "%(where)s: the name has only invisible characters; '%(name)s'.",
                    where=where,
                    name=shown(name),
                )
            )
        return name

    def _named(self, post: WxrPost, title: str) -> str:
        """A post as notes about its text and images name it: its id and title."""
        return _('Post %(id)s "%(title)s"', id=post.id, title=shorten(title, 60))

    def _create_article(self, post: WxrPost, key: str) -> Article:
        clean = Cleaner(_("Post %(id)s", id=post.id), self.report)
        title = self._title(post, clean)
        named = self._named(post, title)
        slug = make_slug(unquote(post.name)) or make_slug(title) or f"beitrag-{post.id}"
        # Control characters out (reported) before the body is cleaned of WordPress markup.
        images = _BodyImages(self, named)
        cleaned = clean_body(clean.text(post.content, "text", strip=False), image=images.take)
        conversion = html_to_markdown(cleaned, images.markdown)
        images.report_lost(conversion.lost)
        self._report_conversion(post, named, conversion)
        article = Article(
            title=title,
            slug=unique_article_slug(slug),
            body=conversion.markdown,
            published_at=self._published_at(post),
            comments_open=post.comment_status != "closed",
            author=self._author(post.creator, post.creator),
            import_key=key,
        )
        article.teaser = clean.text(
            teaser(clean.text(post.excerpt, "excerpt", strip=False), article.body_html),
            "teaser",
            limit=TEASER_MAX,
        )
        db.session.add(article)
        self._lead_photo(article, post, named)
        db.session.flush()
        self.report.add("articles created")
        if article.published_at is None:
            self.report.add("articles drafts")
        elif article.published_at > utcnow():
            self.report.add("articles scheduled")
        else:
            self.report.add("articles published")
        return article

    def _report_conversion(
        self,
        post: WxrPost,
        named: str,
        conversion: Conversion,
        counter: str = "articles with HTML",
    ) -> None:
        """Notes on what of the post's text is not Markdown, or not there at all."""
        if conversion.kept:
            self.report.add(counter)
            self.report.note(
                _(
                    "%(post)s: kept as HTML, as Markdown cannot say it: %(what)s.",
                    post=named,
                    what=", ".join(conversion.kept),
                )
            )
        scripts = [f"<{m.group(1).lower()}>" for m in _SCRIPT.finditer(post.content)]
        if removed := list(dict.fromkeys([*scripts, *conversion.removed])):
            self.report.note(
                _(
                    "%(post)s: removed, as no article may hold it: %(what)s.",
                    post=named,
                    what=", ".join(removed),
                )
            )
        if shortcodes := find_shortcodes(post.content):
            self.report.note(
                _(
                    "%(post)s: WordPress shortcodes removed, their text kept: %(what)s.",
                    post=named,
                    what=", ".join(f"[{name}]" for name in shortcodes),
                )
            )
        if conversion.styles:
            self.report.note(
                _("%(post)s: formatting by style attributes left out, as always.", post=named)
            )

    def _lead_photo(self, article: Article, post: WxrPost, named: str) -> None:
        """The post's featured image as the article's photo, when the folder has it."""
        if not post.thumbnail_id:
            return
        self.report.add("featured images")
        if self.uploads is None:
            return
        attachment = self.export.attachments.get(post.thumbnail_id)
        if attachment is None:
            self.report.add("featured images not brought")
            self.report.note(
                _(
                    "%(post)s: the featured image (attachment %(id)s) is not in the export; "
                    "left out.",
                    post=named,
                    id=post.thumbnail_id,
                )
            )
            return
        try:
            brought = self.uploads.bring(attachment.url, attachment)
        except NotBrought as reason:
            self.report.add("featured images not brought")
            self.report.note(
                _("%(post)s: featured image left out: %(reason)s.", post=named, reason=reason)
            )
            return
        self.report.add("featured images brought")
        alt = one_line(html.unescape(attachment.alt))
        if not alt:
            alt = one_line(html.unescape(attachment.title))
            if alt:
                self.report.note(
                    _(
                        "%(post)s: the featured image %(path)s has no alternative text; its "
                        "title '%(title)s' is used, check it.",
                        post=named,
                        path=brought.path,
                        title=alt,
                    )
                )
            else:
                self.report.note(
                    _(
                        "%(post)s: the featured image %(path)s has no alternative text; add one.",
                        post=named,
                        path=brought.path,
                    )
                )
        article.photo = brought.photo
        article.photo_alt = shorten(alt, PHOTO_ALT_MAX)

    def attachment_of(self, src: str, css_class: str) -> WxrAttachment | None:
        """The attachment an <img> shows: by WordPress's class "wp-image-<id>", else by its file."""
        match = re.search(r"\bwp-image-(\d+)\b", css_class)
        if match and (attachment := self.export.attachments.get(match.group(1))) is not None:
            return attachment
        path = uploads_path(src)
        if path is None:
            return None
        return self._attachments_by_file.get(path) or self._attachments_by_file.get(
            _SIZE_SUFFIX.sub("", path)
        )

    def _title(self, post: WxrPost, clean: Cleaner) -> str:
        # The export escapes titles once more than the text ("Radwege &amp; Busse").
        title = clean.line(html.unescape(post.title), "title", TITLE_MAX, collapse=True)
        if is_blank(title):
            self.report.note(
                _("Post %(id)s has no title; it is called '%(title)s'.", id=post.id, title=UNTITLED)
            )
            return UNTITLED
        return title

    def _published_at(self, post: WxrPost) -> datetime | None:
        if post.status not in PUBLISHED_STATUSES:
            return None  # draft, pending, private …: a draft here
        if post.password:
            # Zirkel has no passwords for articles: what only some were to read stays a draft.
            self.report.note(
                _(
                    "Post %(id)s is password-protected in WordPress; imported as a draft.",
                    id=post.id,
                )
            )
            return None
        published_at = self._date(post.date_gmt, post.date_local)
        if published_at is None:
            self.report.note(
                _("Post %(id)s is published but has no date; imported as a draft.", id=post.id)
            )
        return published_at

    def _date(self, gmt: str, local: str) -> datetime | None:
        """The UTC time of a WordPress date pair; unpublished ones have GMT 0000-00-00."""
        if (value := parse_wordpress_date(gmt)) is not None:
            return value
        if (value := parse_wordpress_date(local)) is not None:
            return value.replace(tzinfo=self.timezone).astimezone(UTC).replace(tzinfo=None)
        return None

    def _import_comments(self, article: Article, post: WxrPost) -> None:
        wanted = [c for c in post.comments if self._wanted(c)]
        keys = {c.id: self.key("comment", c.id) for c in wanted}
        existing = _ids_by_key(list(keys.values()))
        created: list[tuple[WxrComment, Comment]] = []
        for wxr in wanted:
            if keys[wxr.id] in existing:
                self.report.add("comments unchanged")
            elif (comment := self._create_comment(article, wxr, keys[wxr.id])) is not None:
                created.append((wxr, comment))
        if not created:
            return
        db.session.flush()
        # Replies can come before the comment they answer: link them once all have ids.
        ids = {wp_id: existing[key] for wp_id, key in keys.items() if key in existing}
        ids.update((wxr.id, comment.id) for wxr, comment in created)
        for wxr, comment in created:
            comment.parent_id = ids.get(wxr.parent)
        self._commented.add(article.id)

    def _wanted(self, comment: WxrComment) -> bool:
        if comment.type in ("comment", ""):
            return True
        if comment.type in ("pingback", "trackback"):
            self.report.add("pingbacks")
        else:
            self.report.add("other comment types")
        return False

    def _create_comment(self, article: Article, wxr: WxrComment, key: str) -> Comment | None:
        """The comment, added to the session; None if it is skipped (reported)."""
        fields = comment_fields(
            # WordPress stores names HTML-escaped, like display names.
            one_line(html.unescape(wxr.author)),
            wxr.email,
            comment_text(wxr.content),
            where=_("Comment %(id)s", id=wxr.id),
            report=self.report,
            raw=wxr.author + wxr.email + wxr.content,
        )
        if fields is None:
            return None
        name, email, text = fields
        status = COMMENT_STATUSES.get(wxr.approved)
        if status is None:
            self.report.note(
                _(
                    "Comment %(id)s: unknown status '%(status)s'; held as pending.",
                    id=wxr.id,
                    status=shown(wxr.approved),
                )
            )
            status = CommentStatus.PENDING
        comment = Comment(
            article_id=article.id,
            name=name,
            email=email,
            text=text,
            status=status,
            created_at=self._date(wxr.date_gmt, wxr.date_local) or article.published_at or utcnow(),
            import_key=key,
        )
        db.session.add(comment)
        self.report.add("comments created")
        self.report.add(f"comments {status}")
        return comment


def _ids_by_key(keys: list[str]) -> dict[str, int]:
    """Comment ids by import_key, for the keys that exist already."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), BATCH):
        rows = db.session.execute(
            select(Comment.import_key, Comment.id).where(
                Comment.import_key.in_(keys[start : start + BATCH])
            )
        )
        found.update((key, comment_id) for key, comment_id in rows)
    return found


def _words(body_html: str) -> list[str]:
    """The words a reader reads in a body."""
    return html_to_text(body_html).split()


def parse_wordpress_date(value: str) -> datetime | None:
    """'2014-03-24 09:30:00' as a naive datetime; None for '0000-00-00 00:00:00' or nothing."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def summary(report: Report, export: WxrExport, *, dry_run: bool) -> str:
    """The operator's summary, a line per kind of record."""
    c = report.counts
    lines = [
        _(
            "Authors: %(created)s created, %(unchanged)s unchanged.",
            created=c["authors created"],
            unchanged=c["authors unchanged"],
        ),
        _(
            "Articles: %(created)s created (%(published)s published, %(scheduled)s scheduled, "
            "%(drafts)s drafts), %(unchanged)s unchanged, %(trash)s skipped (in the trash).",
            created=c["articles created"],
            published=c["articles published"],
            scheduled=c["articles scheduled"],
            drafts=c["articles drafts"],
            unchanged=c["articles unchanged"],
            trash=c["posts trash"],
        ),
        _(
            "Old slugs: %(created)s created, %(unchanged)s unchanged, %(taken)s skipped (taken).",
            created=c["old slugs created"],
            unchanged=c["old slugs unchanged"],
            taken=c["old slugs taken"],
        ),
        _(
            "Comments: %(created)s created (%(statuses)s), %(unchanged)s unchanged, "
            "%(pingbacks)s pingbacks/trackbacks skipped, %(skipped)s skipped with their post.",
            created=c["comments created"],
            statuses=status_counts(report, "comments "),
            unchanged=c["comments unchanged"],
            pingbacks=c["pingbacks"],
            skipped=c["comments of skipped posts"],
        ),
        _(
            "Topics: %(categories)s created from categories, %(tags)s from tags, %(shared)s "
            "joined a topic of the same name, %(unchanged)s unchanged; %(filed)s articles filed "
            "under them.",
            categories=c["topics from category"],
            tags=c["topics from tag"],
            shared=c["topics shared"],
            unchanged=c["topics unchanged"],
            filed=c["articles filed"],
        ),
    ]
    lines.append(
        _(
            "Pages: %(created)s created, %(unchanged)s unchanged, %(skipped)s skipped (see the "
            "notes).",
            created=c["pages created"],
            unchanged=c["pages unchanged"],
            skipped=c["pages skipped"],
        )
    )
    if c["articles with HTML"]:
        lines.append(
            _(
                "Text: %(num)s articles keep parts as HTML that Markdown cannot say (see the "
                "notes); the rest is Markdown.",
                num=c["articles with HTML"],
            )
        )
    if c["pages with HTML"]:
        lines.append(
            _(
                "Text: %(num)s pages keep parts as HTML that Markdown cannot say (see the "
                "notes); the rest is Markdown.",
                num=c["pages with HTML"],
            )
        )
    if c["page comments"]:
        lines.append(
            _("Comments on pages (not imported, pages have none): %(num)s.", num=c["page comments"])
        )
    if c["comments skipped"]:
        lines.append(
            _("Comments without text (skipped, see the notes): %(num)s.", num=c["comments skipped"])
        )
    if c["other comment types"]:
        lines.append(
            _(
                "Comments of other types (not imported): %(num)s.",
                num=c["other comment types"],
            )
        )
    if c["posts auto-draft"]:
        lines.append(_("Auto-drafts skipped: %(num)s.", num=c["posts auto-draft"]))
    if export.other_items:
        others = ", ".join(f"{kind} {n}" for kind, n in sorted(export.other_items.items()))
        lines.append(_("Not imported (only posts and pages are): %(others)s.", others=others))
    lines.extend(_image_lines(report))
    if dry_run:
        lines.append(_("Dry run: nothing was written."))
    return "\n".join(lines)


def _image_lines(report: Report) -> list[str]:
    c = report.counts
    if not c["media folder"]:
        if not (c["images left out"] or c["featured images"]):
            return []
        return [
            _(
                "Images: not imported (%(body)s in post bodies, %(featured)s featured images). "
                "To bring them, copy the old site's wp-content/uploads folder here and import "
                "with --media-folder FOLDER (before the first import: a second run adds only "
                "featured images).",
                body=c["images left out"],
                featured=c["featured images"],
            )
        ]
    return [
        _(
            "Images: %(brought)s of %(tried)s in post bodies and %(featured)s of %(featured_all)s "
            "featured images imported; the others are named in the notes.",
            brought=c["images brought"],
            tried=c["images tried"],
            featured=c["featured images brought"],
            featured_all=c["featured images brought"] + c["featured images not brought"],
        )
    ]


class _BodyImages:
    """The images of one post's body: each becomes a placeholder that html_to_markdown
    turns into a Markdown image of the stored photo, or nothing (reported)."""

    def __init__(self, importer: Importer, named: str) -> None:
        self.importer = importer
        self.report = importer.report
        self.named = named
        self.markdown: dict[str, str] = {}  # placeholder -> ![alt](address)
        self.paths: dict[str, str] = {}  # placeholder -> file, for the report
        # Only this import knows it: text in a post cannot make an image.
        self._nonce = secrets.token_hex(8)

    def take(self, tag: str) -> str:
        """The replacement of one <img> tag: a placeholder, or "" (left out)."""
        attributes = _attributes(tag)
        src = attributes.get("src", "")
        uploads = self.importer.uploads
        if uploads is None:
            self.report.add("images left out")
            return ""
        self.report.add("images tried")
        attachment = self.importer.attachment_of(src, attributes.get("class", ""))
        try:
            brought = uploads.bring(src, attachment)
        except NotBrought as reason:
            self._left_out(str(reason))
            return ""
        alt = one_line(attributes.get("alt", ""))
        if not alt and attachment is not None:
            alt = one_line(html.unescape(attachment.alt)) or one_line(
                html.unescape(attachment.title)
            )
            if alt:
                self.report.note(
                    _(
                        "%(post)s: the image %(path)s has no alternative text; its title "
                        "'%(title)s' is used, check it.",
                        post=self.named,
                        path=brought.path,
                        title=alt,
                    )
                )
        if not alt:
            self._left_out(_("%(path)s has no alternative text", path=brought.path))
            return ""
        self.report.add("images brought")
        placeholder = f"zirkelwpbild{self._nonce}n{len(self.markdown)}e"
        alt = re.sub(r"([\\\[\]*_`<&!])", r"\\\1", shorten(alt, PHOTO_ALT_MAX))
        # A dry run stores no photo: the image is counted, and where it stands checked.
        image = "" if brought.photo is None else f"![{alt}]({_photo_address(brought.photo)})"
        self.markdown[placeholder] = image
        self.paths[placeholder] = brought.path
        return placeholder

    def report_lost(self, placeholders: list[str]) -> None:
        """Images inside a part that stayed HTML, where Markdown images cannot be."""
        for placeholder in placeholders:
            self.report.add("images brought", -1)
            self._left_out(_("%(path)s is in a part kept as HTML", path=self.paths[placeholder]))

    def _left_out(self, reason: str) -> None:
        self.report.note(_("%(post)s: image left out: %(reason)s.", post=self.named, reason=reason))


def _photo_address(photo: Photo) -> str:
    """The address the Markdown names a photo by: its width for the body, as photo_url's."""
    widths = [int(w) for w in photo.widths.split(",")]
    return media_path(photo.key, max((w for w in widths if w <= 960), default=widths[0]))


class _FirstTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.attributes is None:
            self.attributes = {k: v or "" for k, v in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    """The attributes of an HTML tag such as '<img src="…" alt="…">'."""
    parser = _FirstTag()
    parser.feed(tag)
    parser.close()
    return parser.attributes or {}


# --- Text --------------------------------------------------------------------------------

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)  # block markup, <!--more-->, <!--nextpage-->
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_EMPTY_LINK = re.compile(r"<a\b[^>]*>\s*</a\s*>", re.I)
_IMAGE_LINK = re.compile(r"<a\b[^>]*>\s*(zirkelwpbild[0-9a-f]+n[0-9]+e)\s*</a\s*>", re.I)
# WordPress's own shortcodes; others are recognised by their closing tag.
_SHORTCODES = {"caption", "wp_caption", "gallery", "playlist", "audio", "video", "embed"}
_SHORTCODE_CLOSE = re.compile(r"\[/([A-Za-z_][\w-]*)\]")
_BLOCK_TAGS = (
    "address|article|aside|blockquote|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hr"
    "|li|nav|ol|p|section|table|tbody|td|tfoot|th|thead|tr|ul"
)
_BLOCK_OPEN = re.compile(rf"<(?:{_BLOCK_TAGS})\b[^>]*>", re.I)
_BLOCK_CLOSE = re.compile(rf"</(?:{_BLOCK_TAGS})\s*>", re.I)
# Blocks that hold blocks, not text: what follows their opening tag starts a new chunk.
_CONTAINERS = (
    "article|aside|blockquote|div|dl|figure|footer|header|nav|ol|section|table|tbody|tfoot"
    "|thead|tr|ul"
)
_CONTAINER_OPEN = re.compile(rf"<(?:{_CONTAINERS})\b[^>]*>", re.I)
_CONTAINER_CLOSE = re.compile(rf"</(?:{_CONTAINERS})\s*>", re.I)
_STARTS_BLOCK = re.compile(rf"</?(?:{_BLOCK_TAGS})\b", re.I)
_PRE = re.compile(r"<pre\b.*?</pre\s*>", re.S | re.I)
_KEPT = re.compile(r"\ue000(\d+)\ue000")  # a <pre> set aside (private-use characters)
_BLANK_LINE = re.compile(r"\n\s*\n")
_ENDS_WITH_BR = re.compile(r"<br\s*/?>$", re.I)


def clean_body(content: str, image: Callable[[str], str] | None = None) -> str:
    """A post's HTML as an article body: WordPress markup removed, paragraphs explicit.

    `image` gives what an <img> tag becomes (a placeholder for an image brought in); without
    it, images are left out.
    """
    content = clean_text(content)
    content = _HTML_COMMENT.sub("", content)
    content = _SCRIPT.sub("", content)
    content = _IMG.sub(lambda m: image(m.group()) if image else "", content)
    # A link that only held an image would be empty and unnamed, or lead to the old site's
    # copy of a photo that is here now: the image stays, the link goes.
    content = _EMPTY_LINK.sub("", content)
    content = _IMAGE_LINK.sub(r"\1", content)
    content = strip_shortcodes(content)
    return autop(content).strip()


def find_shortcodes(content: str) -> list[str]:
    """The names of the shortcodes in a post, in order: what strip_shortcodes takes out."""
    names = _SHORTCODES | set(_SHORTCODE_CLOSE.findall(content))
    pattern = "|".join(re.escape(name) for name in sorted(names))
    return list(dict.fromkeys(re.findall(rf"\[({pattern})(?=[\s\]/])", content)))


def strip_shortcodes(content: str) -> str:
    """Shortcode tags removed, what they enclose kept: '[caption …]x[/caption]' -> 'x'."""
    names = _SHORTCODES | set(_SHORTCODE_CLOSE.findall(content))
    pattern = "|".join(re.escape(name) for name in sorted(names))
    return re.sub(rf"\[/?(?:{pattern})(?=[\s\]/])[^\]]*\]", "", content)


def autop(content: str) -> str:
    """WordPress's automatic paragraphs, made explicit, as Markdown passes them through.

    Classic-editor posts separate paragraphs by blank lines and break lines with a single
    newline; WordPress adds <p> and <br> when it shows them. Here every block tag starts
    a chunk of its own (and so does the content of blocks that hold blocks, such as
    <blockquote>), every other run of text becomes a <p> with <br> at its line ends, and
    no line is indented: Markdown passes such chunks through as HTML (an indented line
    after a blank one would turn into a code block).
    """
    kept: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\n\n\ue000{len(kept) - 1}\ue000\n\n"

    content = _PRE.sub(set_aside, content)
    content = _BLOCK_OPEN.sub(lambda m: "\n\n" + m.group(0), content)
    content = _BLOCK_CLOSE.sub(lambda m: m.group(0) + "\n\n", content)
    content = _CONTAINER_OPEN.sub(lambda m: m.group(0) + "\n\n", content)
    content = _CONTAINER_CLOSE.sub(lambda m: "\n\n" + m.group(0), content)
    chunks: list[str] = []
    for chunk in _BLANK_LINE.split(content):
        lines = [line.strip() for line in chunk.strip().split("\n")]
        if not lines[0]:
            continue
        if _STARTS_BLOCK.match(lines[0]) or _KEPT.fullmatch(lines[0]):
            chunks.append("\n".join(lines))
        else:
            ends = [line if _ENDS_WITH_BR.search(line) else line + "<br>" for line in lines[:-1]]
            chunks.append("<p>" + "\n".join([*ends, lines[-1]]) + "</p>")
    return _KEPT.sub(lambda m: kept[int(m.group(1))], "\n\n".join(chunks))


def teaser(wordpress_excerpt: str, body_html: str) -> str:
    """The post's own excerpt as plain text, or the start of its body."""
    own = " ".join(html_to_text(wordpress_excerpt).split())
    return own or excerpt(html_to_text(body_html), 200)


def comment_text(content: str) -> str:
    """A WordPress comment as Zirkel's plain text: lines kept, tags gone, link targets shown."""
    return html_to_text(content, show_links=True)


def html_to_text(content: str, *, show_links: bool = False) -> str:
    """HTML as plain text: <br> and blocks as line breaks, entities unescaped once."""
    parser = _TextParser(show_links=show_links)
    parser.feed(clean_text(content))
    parser.close()
    text = re.sub(r"[ \t]+\n", "\n", "".join(parser.parts))
    return clean_text(re.sub(r"\n{3,}", "\n\n", text)).strip()


class _TextParser(HTMLParser):
    """Collects the text of HTML; comments, scripts and styles are dropped."""

    PARAGRAPHS: ClassVar[set[str]] = {
        "p",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "table",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
    LINES: ClassVar[set[str]] = {"br", "li", "div", "tr", "h1", "figcaption", "dd", "dt"}

    def __init__(self, *, show_links: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.show_links = show_links
        self._links: list[tuple[str, int]] = []  # open <a>: its href, where its text starts
        self._hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self.parts)))
        elif tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in self.LINES:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            if self.show_links and _worth_showing(href, "".join(self.parts[start:])):
                self.parts.append(f" ({href.strip()})")
        elif tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in self.LINES - {"br"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _worth_showing(href: str, text: str) -> bool:
    """Whether a link's address adds something to its text (and is one readers can use)."""
    if not re.match(r"(https?:|mailto:)", href.strip(), re.I):
        return False

    def bare(value: str) -> str:
        value = re.sub(r"^(https?://|mailto:)", "", value.strip().lower())
        return value.removeprefix("www.").rstrip("/")

    return bare(href) != bare(text)
