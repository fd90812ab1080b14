"""From text to search terms, the same way for articles and for what readers type.

A word is lower-cased (Unicode case folding: "ß" is "ss"), loses its accents (so
"Qualitätszirkel" and "Qualitatszirkel" are one word; Turkish, Arabic or Cyrillic letters
stay what they are) and is reduced to its stem by the Snowball German stemmer (PyStemmer,
compiled: 0.14 µs a word against 59 µs for the pure-Python `snowballstemmer`, and a third
of its memory in every worker), which also reads "ae", "oe" and "ue" as umlauts
("Qualitaetszirkel") and finds inflections ("Kommunen" is "Kommune", "Einwanderern" is
"Einwanderer"). Both databases index and search these stems, so they find the same things.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import Stemmer  # PyStemmer: the Snowball project's own C stemmers

WORD = re.compile(r"[^\W_]+")  # letters and digits; "_" is \w but no letter
MAX_QUERY_CHARACTERS = 500  # of what a reader typed; the rest is not read
MAX_QUERY_TERMS = 10
MAX_TERM_LENGTH = 100  # longer "words" are not words (German compounds can reach 80)
_stemmer = Stemmer.Stemmer("german")


def fold(word: str) -> str:
    """Lower case, without accents: what a word is before it is stemmed."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8192)  # the words of a few articles; small beside a worker
def stem(word: str) -> str:
    """The stem of one word (as WORD finds them)."""
    return _stemmer.stemWord(fold(word))


def terms(text: str) -> Iterator[str]:
    """The stems of a text's words, in order."""
    for match in WORD.finditer(text):
        word = match.group()
        if len(word) <= MAX_TERM_LENGTH:
            yield stem(word)


def indexed_text(text: str) -> str:
    """A text as the index stores it: its stems, separated by spaces."""
    return " ".join(terms(text))


def query_terms(query: str) -> list[str]:
    """The distinct stems of what a reader typed, at most MAX_QUERY_TERMS of them.

    Only letters and digits survive: quotes, operators of either database's query
    language, control characters and NUL are separators like spaces.
    """
    found = dict.fromkeys(t for t in terms(query[:MAX_QUERY_CHARACTERS]) if t)
    return list(found)[:MAX_QUERY_TERMS]
