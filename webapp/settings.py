"""Every Zirkel setting and its default. The README's configuration table documents them.

Settings are read in this order, later ones winning: these defaults,
``instance/config.py``, then ``ZIRKEL_<NAME>`` environment variables (values are
parsed as JSON where they can be, so ``ZIRKEL_ARTICLES_PER_PAGE=20`` is a number).
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # None: generated into instance/secret_key
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "LOCK_TIMEOUT": 10,  # seconds a write waits for the database, then 503
    "MAX_CONTENT_LENGTH": 64 * 1024,  # bytes, for everything but the editorial area
    "MAX_UPLOAD_LENGTH": 16 * 1024 * 1024,  # bytes, for the editorial area (photo uploads)
    "FORM_TOKEN_MAX_AGE": 24 * 60 * 60,  # seconds
    "FRAME_ANCESTORS": "'none'",  # CSP frame-ancestors: who may show pages in a frame
    "TRUSTED_PROXIES": 0,  # proxy hops whose X-Forwarded-* headers are believed
    "PAGE_CACHE_BYTES": 16 * 1024 * 1024,  # per worker; 0 turns the cache off
    "SHARED_CACHE_SECONDS": 1,  # how long nginx may share an anonymous page; 0: never
    "SITE_NAME": "Zirkel",
    "SITE_DESCRIPTION": "Artikel und Diskussionen",
    "ARTICLES_PER_PAGE": 10,
    "COMMENTS_PER_PAGE": 50,  # threads (a comment and its replies) per page
    "REPLY_DEPTH": 3,  # levels of replies shown nested; deeper ones at the deepest level
    "EDIT_MINUTES": 15,  # how long the author may edit or delete a comment, from that browser
    "POLL_SECONDS": 60,  # how often an open page asks whether new comments came; 0: never
    # A picture beside each commenter's name, drawn here from a keyed hash of the address;
    # off by default: ~60 bytes a comment and a few requests (see the README).
    "AVATARS": False,
    # The spam guard (webapp/comments/guard.py)
    "MIN_SUBMIT_SECONDS": 3,  # faster posts are held for moderation
    "RATELIMIT": "3 per minute; 20 per hour",  # per network (/24, /48); "off": none
    "MAX_LINKS": 2,  # more links: held
    "MODERATION_WORDS": "",  # comma-separated: a comment with one of them is held
    "BLOCKED_WORDS": "",  # comma-separated: a comment with one of them is spam
    "SPAM_FILTER": 0.5,  # the learning filter holds what it finds this likely spam; 0: off
    # Days a comment keeps its poster's network prefix and its duplicate fingerprint; then
    # both are emptied (webapp/personal_data/retention.py). At least a day, the longest span
    # RATELIMIT may count; 0 keeps them forever.
    "KEEP_NETWORK_DAYS": 30,
    "BABEL_DEFAULT_LOCALE": "de",  # when the browser asks for none of LANGUAGES
    "LANGUAGES": ["de", "en"],  # the interface languages readers may choose (webapp/language.py)
    "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
    # Mail (webapp/mail: the outbox every mail goes through); no SMTP_HOST: no mail at all.
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 5,  # seconds per step of talking to the mail server
    "MAIL_FROM": "zirkel@localhost",
    # Each gunicorn worker sends the outbox in a thread of its own, woken by every mail;
    # False: only `flask mail-send` (cron) sends.
    "MAIL_BACKGROUND": True,
    "MAIL_RETRY_SECONDS": 60,  # first wait after a temporary failure; doubles, at most 1 h
    "MAIL_MAX_ATTEMPTS": 12,  # then a mail fails for good (12: about six hours of trying)
    "MODERATOR_EMAILS": None,  # None: the active moderation and admin accounts
    "SITE_URL": None,  # e.g. "https://zirkel.example", for links in mails; None: the request's
}
