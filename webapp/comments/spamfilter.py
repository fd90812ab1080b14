"""A local learning spam filter: naive Bayes with Robinson–Fisher combining, as SpamBayes.

It learns from two places: the starter corpus shipped beside this file (written for the
project, counted in memory once per worker), and the moderators' decisions, kept as token
counts in the `spam_token` table (see `learn`). Judging a comment costs one query: the
counts of its own tokens, by primary key, however large the table grows.

Hand-written rather than scikit-learn: numpy, scipy and scikit-learn would weigh on every
worker for a few dozen lines of arithmetic, and the arithmetic below is all there is.

Features are what says something about spam in any language the readers write: words
of the text, name and mailbox (of three characters or more); the words of linked hosts and
named domains (not their top-level domain) and of their paths; whether a link points at a
home page or cites a page; phone numbers, e-mail and wallet addresses, handles, markup and
obfuscated addresses; whether a comment gives no address at all, ends with one (as a pitch
ends with where to go) or gives one in passing; symbols. Nothing about the form a reader
chose: not the script, the length, capitals, line breaks, a script's punctuation, vowel
signs or joiners (they taught the filter that Cyrillic, Arabic or Korean looks like spam,
because the starter corpus had those scripts only in spam). The e-mail address's domain is
left out on purpose: the starter corpus's addresses are placeholders (example.org, .test,
.invalid …), so it would only teach the filter those placeholders; whether that domain is
linked in the text counts.

The filter judges on evidence only: a comment none of whose tokens it has seen leaning
either way gets no verdict (`None`) and is not held, whatever the threshold. Unknown words
are no reason to hold a comment; known spam words, addresses and pitches are.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from importlib import resources

from flask import current_app
from sqlalchemy import insert, select, update

from ..extensions import db
from ..models import Comment, SpamToken

MESSAGES = "(messages)"  # the row counting learned comments; no feature looks like it
# Robinson's s and x: s = 1, his own suggestion, rather than SpamBayes' 0.45 (tuned on
# thousands of mails); the corpus has hundreds of comments, and a word seen in one spam
# comment is not yet a strong clue.
STRENGTH, NEUTRAL = 1.0, 0.5
MIN_DISTANCE, MAX_CLUES = 0.1, 150  # SpamBayes' defaults for which tokens count
MIN_WORD = 3  # characters; shorter words say which language, not whether spam (SpamBayes: 3)
TOKEN_MAX = 100  # characters; fits SpamToken.token

_LINK = re.compile(r"\b(?:https?://|hxxps?://|www\.)([^\s/?#<>\"'\]]+)(\S*)", re.IGNORECASE)
# A bare domain, "wohnung-finden.example" or "mein.berlin.de/projekte" (not "z.B.", not
# "1.000", not a file name such as "plan.pdf").
_FILES = "pdf|docx?|xlsx?|odt|jpe?g|png|gif|html?|txt|zip"
_DOMAIN = re.compile(
    rf"(?<![\w@.-])((?:[^\W_](?:[\w-]*[^\W_])?\.)+(?!(?:{_FILES})\b)[a-z]{{2,12}})\b(?![@-])"
    r"(/[^\s<>\"'\]]*)?"
)
# "example (dot) com", "shop [punkt] de", "www . shop . test"
_OBFUSCATED = re.compile(
    r"\w ?[(\[{] ?(?:dot|punkt|nokta|kropka|точка|крапка|نقطه|نقطة) ?[)\]}] ?\w"
    r"|\w \. [a-z]{2,12}\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w.,])(?:\+|00)?\d[\d /().-]{6,20}\d(?![\w.,]\d)")
_AMOUNT = re.compile(r"\d{1,3}(?:[ .,]\d{3})+")  # "1 800 000": money, not a phone number
_DATE = re.compile(r"\d{1,2}\. ?\d{1,2}\. ?\d{2,4}")
# A number in groups of thousands, counted as one: "1 500 000", "2.000", "10,000".
_GROUPED = re.compile(r"(?<![\w.,])\d{1,3}(?:[ .,']\d{3})+(?!\w|[.,]\d)")
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}\.\w")
_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@((?:[^\W_][\w-]*\.)+[a-z]{2,12})\b")
_WALLET = re.compile(r"\b(?:0x[0-9a-fA-F]{40}|bc1[0-9a-z]{20,}|T[1-9A-HJ-NP-Za-km-z]{33})\b")
_HANDLE = re.compile(r"(?<![\w.@])@[^\W_]*_\w+|(?<![\w.@])@\w*\d\w*")
_MARKUP = re.compile(r"<a\s|\[url\b|\[link\b", re.IGNORECASE)
_SPACED = re.compile(r"(?:\b\w[ .] ?){5,}")
_PUNCTUATION = set(".,;:!?'\"()[]-–—„“”‚‘’/&+*#=…·«»<>|")
# Where a comment tells the reader to go, other than by a link.
_CONTACTS = ("phone", "address", "wallet", "handle", "markup", "obfuscated-link")


def _scan_bmp() -> tuple[str, dict[int, str]]:
    """Once per worker (about 20 ms): the combining marks of the Basic Multilingual Plane
    as a character class (Arabic vowel signs, Devanagari's vowel signs, Hebrew points …
    are part of a word, although `\\w` does not match them), and every script's digits
    as ASCII ones ("۵۰۰" and "٥٠٠" are 500)."""
    marks: list[list[int]] = []
    digits: dict[int, str] = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        if unicodedata.category(char)[0] == "M":
            if marks and marks[-1][1] == code - 1:
                marks[-1][1] = code
            else:
                marks.append([code, code])
        elif char.isdecimal():
            digits[code] = str(unicodedata.decimal(char))
    return "".join(f"{chr(a)}-{chr(b)}" if a < b else chr(a) for a, b in marks), digits


_MARKS, _DIGITS = _scan_bmp()
# A word: letters and digits with their combining marks ("नमस्ते", "شكراً", not "नमस", "त").
_WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}])+")


def _bucket(n: int) -> str:
    return str(n) if n < 3 else "3+" if n < 8 else "8+"


def _host_words(host: str) -> list[str]:
    """The words of a host name, without its top-level domain: www.gartenzaun-shop.de →
    gartenzaun, shop."""
    labels = [label for label in host.casefold().strip(".").split(".") if label]
    return [w for label in labels[:-1] if label != "www" for w in _WORD.findall(label)]


def _is_phone(digits: str) -> bool:
    """A phone number, not an amount ("1 800 000", "12 000 000") or a date ("1.1.2022")."""
    grouped = _AMOUNT.fullmatch(digits)
    amount = grouped and (sum(c.isdigit() for c in digits) <= 7 or digits.endswith("000"))
    return not amount and not _DATE.fullmatch(digits)


def _blank(pattern: re.Pattern, text: str) -> str:
    """The text with the pattern's matches blanked out, every other character in place."""
    return pattern.sub(lambda match: " " * len(match[0]), text)


def features(name: str, email: str, text: str) -> set[str]:
    """The tokens the filter counts for a comment (each at most once).

    Only what says something about spam in any language: no token for the script, the
    length, capitals, line breaks or a script's punctuation, marks and joiners.
    """
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    tokens: set[str] = set()
    # Addresses: links with a scheme or www., and bare domains. Their hosts' words count
    # (not the top-level domain), the first words of their paths, and what they point at.
    links = [(m.end(), m[1], m[2]) for m in _LINK.finditer(text)]
    rest = _blank(_LINK, text)
    links += [(m.end(), m[1], m[2] or "") for m in _DOMAIN.finditer(rest)]
    rest = _blank(_DOMAIN, rest)
    hosts = {w for _end, host, _path in links for w in _host_words(host)}
    if not links or len(links) >= 3:
        tokens.add(f"links:{_bucket(len(links))}")
    tokens.update(f"url:{w}" for w in hosts)
    ends = []  # where each address other than a cited page ends
    for end, _host, path in links:
        words = _WORD.findall(path.casefold())
        tokens.update(f"url:{w}" for w in words[:8] if len(w) >= MIN_WORD)
        # Promotion links a home page; people cite a page (a report, an article).
        tokens.add("link:deep" if len(words) >= 2 else "link:page" if words else "link:home")
        if len(words) < 2:
            ends.append(end)
    mailbox, _at, domain = email.casefold().rpartition("@")
    own = domain.split(".")[0]
    if len(own) > 3 and own in text.casefold():
        tokens.add("own-domain")  # the poster's own domain linked or named
    # Other ways to reach the poster: phone numbers, e-mail and wallet addresses, handles.
    for pattern, token in (
        (_PHONE, "phone"),
        (_EMAIL, "address"),
        (_WALLET, "wallet"),
        (_HANDLE, "handle"),
        (_MARKUP, "markup"),
        (_OBFUSCATED, "obfuscated-link"),
    ):
        if token in ("address", "handle") and "@" not in rest:
            continue  # (a cheap test first: judging and counting the corpus stay fast)
        found = [m for m in pattern.finditer(rest) if token != "phone" or _is_phone(m[0])]
        if found:
            tokens.add(token)
            ends += [m.end() for m in found]
    if _SPACED.search(rest):
        tokens.add("spaced-letters")
    # A pitch ends with where to go (at most three words follow); a reader who gives an
    # address does so in passing, or not at all.
    if not links and not ends:
        tokens.add("contact:none")
    elif ends and len(_WORD.findall(rest[max(ends) :])) <= 3:
        tokens.add("contact:last")
    else:
        tokens.add("contact:inside")
    # An e-mail address's words are its host's, as a link's (the mailbox is the poster's).
    if "@" in rest:
        tokens.update(f"url:{w}" for host in _ADDRESS.findall(rest) for w in _host_words(host))
        rest = _blank(_ADDRESS, rest)
    rest = _GROUPED.sub(lambda match: re.sub(r"\D", "", match[0]), rest)
    # Symbols (€, →, ✅, 🎰 …), not a script's punctuation, vowel signs or joiners.
    tokens.update(
        f"symbol:{c}"
        for c in set(rest)
        if unicodedata.category(c)[0] == "S" and c not in _PUNCTUATION
    )
    tokens.update(_word_tokens(_WORD.findall(rest.casefold())))
    # The name field carries keywords as often as a name: its words count as words too.
    name = unicodedata.normalize("NFKC", name).casefold()
    if _LINK.search(name) or _DOMAIN.search(name):
        tokens.add("name:link")
    name_words = [w for w in _WORD.findall(name) if not w.isdigit() and len(w) >= MIN_WORD]
    tokens.update(f"name:{w}" for w in name_words)
    tokens.update(_word_tokens(name_words))
    if any(len(w) > 3 and w in hosts for w in name_words):
        tokens.add("name-in-link")  # "Treppenlift Preise", linking treppenlift-preise.…
    tokens.update(f"mailbox:{w}" for w in re.findall(rf"[^\W\d_]{{{MIN_WORD},}}", mailbox))
    return {t[:TOKEN_MAX] for t in tokens}


def _word_tokens(words: Iterable[str]) -> Iterable[str]:
    for word in words:
        if len(word) < MIN_WORD:
            continue  # "в", "на", "de", "w", "12": which language, not whether spam
        if len(word) > 30:
            yield f"long-word:{word[0]}"
        elif word.isdigit():
            yield word if len(word) <= 4 else f"number:{len(word)}"
        else:
            yield word


class Counts:
    """How many spam and genuine comments each token appeared in, and how many of each."""

    def __init__(self) -> None:
        self.spam = self.ham = 0
        self.tokens: dict[str, list[int]] = {}

    def add(self, tokens: Iterable[str], is_spam: bool) -> None:
        if is_spam:
            self.spam += 1
        else:
            self.ham += 1
        for token in tokens:
            self.tokens.setdefault(token, [0, 0])[0 if is_spam else 1] += 1


def load_corpus() -> list[dict]:
    """The starter corpus: labelled comments in the readers' languages, written for Zirkel."""
    text = resources.files(__package__).joinpath("spam_corpus.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def train(rows: Iterable[Mapping]) -> Counts:
    counts = Counts()
    for row in rows:
        counts.add(features(row["name"], row["email"], row["text"]), row["label"] == "spam")
    return counts


class SpamFilter:
    """Counts to judge by: the starter corpus's, and (with `learned`) the moderators'."""

    def __init__(self, starter: Counts, *, learned: bool = True) -> None:
        self.starter, self.learned = starter, learned

    def probability(self, name: str, email: str, text: str) -> float | None:
        """How likely the comment is spam, 0 … 1; None: no evidence either way."""
        tokens = features(name, email, text)
        if not self.learned:
            return probability(tokens, self.starter)
        return probability(tokens, self.starter, learned_counts(tokens))


def site_filter() -> SpamFilter:
    """The site's filter; each worker counts the starter corpus on first use (~0.2 s)."""
    spam_filter = current_app.extensions.get("zirkel.spam_filter")
    if spam_filter is None:
        spam_filter = SpamFilter(train(load_corpus()))
        current_app.extensions["zirkel.spam_filter"] = spam_filter
    return spam_filter


def learned_counts(tokens: Iterable[str]) -> Counts:
    """The moderators' lessons about these tokens: one query, by primary key."""
    wanted = [*tokens, MESSAGES]
    rows = db.session.execute(
        select(SpamToken.token, SpamToken.spam, SpamToken.ham).where(SpamToken.token.in_(wanted))
    ).all()
    counts = Counts()
    for token, spam, ham in rows:
        if token == MESSAGES:
            counts.spam, counts.ham = max(spam, 0), max(ham, 0)
        else:
            counts.tokens[token] = [max(spam, 0), max(ham, 0)]
    return counts


def probability(tokens: Iterable[str], *sources: Counts) -> float | None:
    """How likely the comment with these tokens is spam, 0 … 1.

    None when no token is a clue (none was seen, or none leans far enough either way):
    the filter knows nothing about the comment, and a comment is not held for that.
    """
    nspam = sum(c.spam for c in sources)
    nham = sum(c.ham for c in sources)
    clues = []
    for token in tokens:
        spam = sum(c.tokens.get(token, (0, 0))[0] for c in sources)
        ham = sum(c.tokens.get(token, (0, 0))[1] for c in sources)
        if not spam + ham:
            continue
        spam_ratio = spam / nspam if nspam else 0.0
        ham_ratio = ham / nham if nham else 0.0
        if not spam_ratio + ham_ratio:
            continue
        p = spam_ratio / (spam_ratio + ham_ratio)
        n = spam + ham
        f = (STRENGTH * NEUTRAL + n * p) / (STRENGTH + n)
        if abs(f - NEUTRAL) >= MIN_DISTANCE:
            clues.append((abs(f - NEUTRAL), token, f))
    if not clues:
        return None
    clues = sorted(clues, reverse=True)[:MAX_CLUES]
    # Fisher's method, both ways: words far from genuine make the spam indicator high,
    # and words far from spam the genuine one.
    spam_indicator = 1.0 - _chi2q(-2.0 * sum(math.log1p(-f) for *_x, f in clues), 2 * len(clues))
    ham_indicator = 1.0 - _chi2q(-2.0 * sum(math.log(f) for *_x, f in clues), 2 * len(clues))
    return (1.0 + spam_indicator - ham_indicator) / 2.0


def _chi2q(x2: float, degrees: int) -> float:
    """P(chi² with `degrees` (even) degrees of freedom ≥ x2)."""
    m = x2 / 2.0
    term = total = math.exp(-m)
    for i in range(1, degrees // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


# --- learning from the moderators ----------------------------------------------------------


def learn(comment: Comment, label: str | None) -> None:
    """Teach the filter that a comment is "spam" or "ham" (None: forget it).

    The comment remembers what it was learned as, so a change of mind moves its counts
    instead of adding them twice. Call inside `writing()`.
    """
    if comment.learned_as == label:
        return
    tokens = features(comment.name, comment.email, comment.text) | {MESSAGES}
    (plus_spam, plus_ham), (minus_spam, minus_ham) = (
        _delta(label, +1),
        _delta(comment.learned_as, -1),
    )
    _apply(dict.fromkeys(tokens, (plus_spam + minus_spam, plus_ham + minus_ham)))
    comment.learned_as = label


def relearn(comment: Comment, old: tuple[str, str, str]) -> None:
    """After an edit of a learned comment: its old (name, email, text) out, the new in."""
    if comment.learned_as is None:
        return
    plus = _delta(comment.learned_as, +1)
    minus = _delta(comment.learned_as, -1)
    before, after = features(*old), features(comment.name, comment.email, comment.text)
    _apply({**dict.fromkeys(before - after, minus), **dict.fromkeys(after - before, plus)})


def _delta(label: str | None, sign: int) -> tuple[int, int]:
    return {"spam": (sign, 0), "ham": (0, sign)}.get(label or "", (0, 0))


def _apply(changes: dict[str, tuple[int, int]]) -> None:
    """Add to the counts of these tokens, in portable SQL: read which rows exist, raise
    those, insert the others. Safe because `writing()` lets one writer in at a time."""
    changes = {token: d for token, d in changes.items() if d != (0, 0)}
    if not changes:
        return
    table = SpamToken.__table__
    existing = set(db.session.scalars(select(table.c.token).where(table.c.token.in_(changes))))
    by_change: dict[tuple[int, int], list[str]] = {}
    for token in existing:
        by_change.setdefault(changes[token], []).append(token)
    for (spam, ham), tokens in by_change.items():
        db.session.execute(
            update(table)
            .where(table.c.token.in_(tokens))
            .values(spam=table.c.spam + spam, ham=table.c.ham + ham)
        )
    missing = [
        {"token": token, "spam": max(spam, 0), "ham": max(ham, 0)}
        for token, (spam, ham) in changes.items()
        if token not in existing and (spam > 0 or ham > 0)
    ]
    if missing:
        db.session.execute(insert(table), missing)
