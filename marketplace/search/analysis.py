"""Text analysis shared by every search backend: the same words, stems and phonetic keys at index and at
query time, whichever engine stores them.

A word becomes a small set of *terms*: its stem (light Hindi suffix stripping, or English Porter2) and, in
titles and tags, its phonetic key prefixed with `~` (see phonetic.py), so `masks`, `mask` and `मास्क` share
`~msk`. Descriptions and names get stems only: they are usually written in both languages anyway, and keys
there would double the index for little gain.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter2 import stem as porter2

from marketplace.search.phonetic import fold_nukta, is_devanagari, normalize, phonetic_keys, strip_latin_accents

KEY_PREFIX = "~"
MAX_WORD_CHARS = 40
# Letters, digits and the Devanagari block except the dandas: vowel signs and virama stay inside the word.
WORD = re.compile(r"(?:[^\W_]|[\u0900-\u0963\u0966-\u097f])+")

STOPWORDS = frozenset(normalize(w) for w in (
    "a", "an", "and", "the", "of", "for", "with", "from", "in", "on", "to", "by", "or", "is", "are", "at", "as",
    "ka", "ki", "ke", "aur", "se", "me", "mein",
    "का", "की", "के", "और", "में", "से", "को", "पर", "है", "हैं", "एक", "यह", "वह", "लिए", "तथा", "व", "या", "भी", "ही", "तो",
))

# Plural, oblique and gender endings of nouns and adjectives (after Ramanathan & Rao's light stemmer; the
# verb endings are left out: product text is nouns). Longest first.
_HI_SUFFIXES = sorted({normalize(s) for s in (
    "ाइयाँ", "ाइयों", "ियाँ", "ियों", "ाओं", "ाएँ", "ुओं", "ुएँ", "ों", "ें", "ीं", "ाँ", "ो", "े", "ू", "ु", "ी", "ि", "ा",
)}, key=len, reverse=True)


def stem_hi(word: str) -> str:
    for suffix in _HI_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2 and not word[:-len(suffix)].endswith("्"):
            return word[:-len(suffix)]
    return word


def stem_en(word: str) -> str:
    return porter2(word) if word.isalpha() and len(word) > 3 else word


def display_form(word: str) -> str:
    """How a word is shown and offered back (suggestions, "did you mean"): lowercase, accents off."""
    return word if is_devanagari(word) else strip_latin_accents(word.lower())


# Plural endings -> the singular's, for the phonetic key only: साड़ियाँ ~ साड़ी ~ saree, मास्कों ~ मास्क ~ mask.
_HI_SINGULAR = [(normalize(plural), singular) for plural, singular in (
    ("ियाँ", "ी"), ("ियों", "ी"), ("ाओं", "ा"), ("ाएँ", "ा"), ("ों", ""), ("ें", ""),
)]


def singular(word: str) -> str:
    if is_devanagari(word):
        for plural, ending in _HI_SINGULAR:
            if word.endswith(plural) and len(word) - len(plural) >= 2:
                return word[:-len(plural)] + ending
        return word
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@lru_cache(maxsize=200_000)
def word_terms(word: str, keyed: bool = True) -> tuple[str, ...]:
    """The index terms of one normalised word: its stem, then (if `keyed`) its phonetic keys."""
    shown = display_form(word)
    stem = stem_hi(fold_nukta(shown)) if is_devanagari(shown) else stem_en(shown)
    if not keyed:
        return (stem,)
    return (stem, *(KEY_PREFIX + k for k in phonetic_keys(singular(shown))))


def sound_key(word: str) -> str:
    """The phonetic key used to offer words while typing ('' for a word too short to have one)."""
    keys = phonetic_keys(word)
    return keys[0] if keys else ""


@lru_cache(maxsize=200_000)
def _searchable(token: str) -> str | None:
    w = display_form(token)
    return w if 1 < len(w) <= MAX_WORD_CHARS and w not in STOPWORDS else None


def words(text: str) -> list[str]:
    """The searchable words of a text, normalised, without stopwords, one-letter pieces or junk."""
    return [w for w in map(_searchable, WORD.findall(normalize(text or ""))) if w]


def index_terms(text: str, keyed: bool = True) -> list[tuple[str, ...]]:
    """Per word position, the terms that stand at that position."""
    return [word_terms(w, keyed) for w in words(text)]


class IndicAnalyzer(Tokenizer):
    """Whoosh analyzer producing `index_terms`: a stem, and with `keyed` phonetic keys, at each position."""

    def __init__(self, keyed: bool = True):
        self.keyed = keyed

    def __eq__(self, other):
        return type(other) is type(self) and other.keyed == self.keyed

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, terms in enumerate(index_terms(value, self.keyed), start_pos):
            for term in terms:
                token.text = term
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos
                yield token


# -- queries ------------------------------------------------------------------------------------------------

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


@dataclass(frozen=True)
class QueryWord:
    text: str  # the word as typed, normalised
    stem: str
    terms: frozenset[str]  # what it may match: its own terms and those of its synonyms


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, frozenset[str]]:
    """Each word's stem and longer keys -> the terms of every word in its synonym group."""
    index: dict[str, set[str]] = {}
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        group = [w for part in line.split("#", 1)[0].split(",") for w in words(part)]
        terms = {t for w in group for t in word_terms(w)}
        for w in group:
            stem, *keys = word_terms(w)
            for probe in (stem, *(k for k in keys if len(k) > 3)):
                index.setdefault(probe, set()).update(terms)
    return {probe: frozenset(terms) for probe, terms in index.items()}


def synonyms_of(terms: tuple[str, ...]) -> frozenset[str]:
    index = _synonym_index()
    stem, *keys = terms
    found = index.get(stem, frozenset())
    for key in keys:
        if len(key) > 3:
            found |= index.get(key, frozenset())
    return found


def parse_query(text: str, max_words: int = 10) -> list[QueryWord]:
    """The words of a query with what each may match. No query syntax: quotes, stars, colons and
    brackets are just punctuation, so nothing a customer types can break the search."""
    found = []
    for w in words(text)[:max_words]:
        terms = word_terms(w)
        found.append(QueryWord(text=w, stem=terms[0], terms=frozenset(terms) | synonyms_of(terms)))
    return found
