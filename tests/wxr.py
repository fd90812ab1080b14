"""Small WordPress exports (WXR 1.2) for the import tests: the file, posts, comments, authors."""

from __future__ import annotations


def wxr(*items: str, authors: str = "") -> str:
    """A WXR 1.2 file around the items (posts) and authors."""
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
    xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Testblog</title>
  <link>https://test.example</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://test.example/</wp:base_site_url>
  {authors}
  {"".join(items)}
</channel>
</rss>
"""


def wp_author(login: str, display_name: str) -> str:
    return f"""<wp:author>
  <wp:author_login><![CDATA[{login}]]></wp:author_login>
  <wp:author_display_name><![CDATA[{display_name}]]></wp:author_display_name>
</wp:author>"""


def post(
    post_id: int,
    *comments: str,
    title: str = "Ein Beitrag",
    name: str = "",
    status: str = "publish",
    date: str = "2024-03-01 10:00:00",
    date_gmt: str = "2024-03-01 09:00:00",
    creator: str = "redaktion",
    content: str = "Text.",
    excerpt: str = "",
    categories: str = "",
    thumbnail: int | None = None,
    post_type: str = "post",
    password: str = "",
) -> str:
    """A post; `categories`: its <category> elements (categories and tags), as XML;
    `thumbnail`: the id of its featured image (an attachment); `post_type` "page": a page."""
    meta = "" if thumbnail is None else postmeta("_thumbnail_id", str(thumbnail))
    return f"""<item>
  <title><![CDATA[{title}]]></title>
  <dc:creator><![CDATA[{creator}]]></dc:creator>
  <content:encoded><![CDATA[{content}]]></content:encoded>
  <excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
  <wp:post_id>{post_id}</wp:post_id>
  <wp:post_date><![CDATA[{date}]]></wp:post_date>
  <wp:post_date_gmt><![CDATA[{date_gmt}]]></wp:post_date_gmt>
  <wp:comment_status><![CDATA[open]]></wp:comment_status>
  <wp:post_name><![CDATA[{name}]]></wp:post_name>
  <wp:status><![CDATA[{status}]]></wp:status>
  <wp:post_type><![CDATA[{post_type}]]></wp:post_type>
  <wp:post_password><![CDATA[{password}]]></wp:post_password>
  {categories}
  {meta}
  {"".join(comments)}
</item>"""


def page(page_id: int, *comments: str, title: str = "Eine Seite", **fields) -> str:
    """A page ("Über uns"): a post of type "page"."""
    return post(page_id, *comments, title=title, post_type="page", **fields)


def wp_comment(
    comment_id: int,
    text: str = "Ein Kommentar.",
    *,
    author: str = "Leserin",
    email: str = "",
    url: str = "",
    parent: int = 0,
    date_gmt: str = "2024-03-02 10:00:00",
) -> str:
    return f"""<wp:comment>
  <wp:comment_id>{comment_id}</wp:comment_id>
  <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
  <wp:comment_author_email><![CDATA[{email}]]></wp:comment_author_email>
  <wp:comment_author_url><![CDATA[{url}]]></wp:comment_author_url>
  <wp:comment_date><![CDATA[{date_gmt}]]></wp:comment_date>
  <wp:comment_date_gmt><![CDATA[{date_gmt}]]></wp:comment_date_gmt>
  <wp:comment_content><![CDATA[{text}]]></wp:comment_content>
  <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
  <wp:comment_type><![CDATA[comment]]></wp:comment_type>
  <wp:comment_parent>{parent}</wp:comment_parent>
</wp:comment>"""


def postmeta(key: str, value: str) -> str:
    return f"""<wp:postmeta>
  <wp:meta_key><![CDATA[{key}]]></wp:meta_key>
  <wp:meta_value><![CDATA[{value}]]></wp:meta_value>
</wp:postmeta>"""


def attachment(
    attachment_id: int,
    file: str,
    *,
    title: str = "Ein Foto",
    alt: str | None = None,
    site: str = "https://test.example",
    attached_file: bool = True,
) -> str:
    """An attachment (a file in the media library) at wp-content/uploads/`file`, with its
    alternative text when `alt` is given; `attached_file=False` leaves _wp_attached_file out."""
    url = f"{site}/wp-content/uploads/{file}"
    meta = postmeta("_wp_attached_file", file) if attached_file else ""
    if alt is not None:
        meta += postmeta("_wp_attachment_image_alt", alt)
    return f"""<item>
  <title><![CDATA[{title}]]></title>
  <dc:creator><![CDATA[redaktion]]></dc:creator>
  <content:encoded><![CDATA[]]></content:encoded>
  <excerpt:encoded><![CDATA[]]></excerpt:encoded>
  <wp:post_id>{attachment_id}</wp:post_id>
  <wp:post_date><![CDATA[2024-01-01 10:00:00]]></wp:post_date>
  <wp:post_date_gmt><![CDATA[2024-01-01 09:00:00]]></wp:post_date_gmt>
  <wp:comment_status><![CDATA[closed]]></wp:comment_status>
  <wp:post_name><![CDATA[foto-{attachment_id}]]></wp:post_name>
  <wp:status><![CDATA[inherit]]></wp:status>
  <wp:post_type><![CDATA[attachment]]></wp:post_type>
  <wp:attachment_url><![CDATA[{url}]]></wp:attachment_url>
  {meta}
</item>"""


def img(file: str, *, alt: str = "", attachment_id: int | None = None, **attributes: str) -> str:
    """An <img> of wp-content/uploads/`file` as WordPress writes it into a post."""
    css = "" if attachment_id is None else f' class="wp-image-{attachment_id}"'
    more = "".join(f' {name}="{value}"' for name, value in attributes.items())
    src = f"https://test.example/wp-content/uploads/{file}"
    return f'<img src="{src}" alt="{alt}"{css}{more} />'
