"""Script normalisation and a cross-script phonetic key, so that `haldi`, `haldee`, `hladi` and `हल्दी` meet.

The key is deliberately lossy: Devanagari is spelled out in rough Latin, then both scripts are folded the
same way (aspirates, long vowels, doubled letters, every non-initial `a`). Casual Latin spellings of Hindi
words differ from each other mostly in exactly these places; the exact (stemmed) word still ranks higher.
"""

import re
import unicodedata
from functools import lru_cache

from marketplace.core import translit

NUKTA = "\u093c"
VIRAMA = "\u094d"
ANUSVARA = "\u0902"
CHANDRABINDU = "\u0901"
_ZERO_WIDTH = re.compile("[\u200b-\u200d\ufeff]")

# A nasal consonant + virama before another consonant is the same sound as an anusvara (हिन्दी = हिंदी).
_NASAL_CLUSTER = re.compile("[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0939])")
_DEVANAGARI = re.compile("[\u0900-\u097f]")


def normalize(text: str) -> str:
    """NFC, no zero-width joiners, chandrabindu as anusvara, nasal clusters as anusvara. Nukta kept."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text).replace(CHANDRABINDU, ANUSVARA)
    return _NASAL_CLUSTER.sub(ANUSVARA, text) if VIRAMA in text else text


def fold_nukta(word: str) -> str:
    """क़ -> क, ड़ -> ड: people type both; the precomposed letters decompose to letter + nukta first."""
    if NUKTA not in word and not any("\u0958" <= ch <= "\u095f" for ch in word):
        return word
    return unicodedata.normalize("NFD", word).replace(NUKTA, "")


def strip_latin_accents(word: str) -> str:
    if word.isascii():
        return word
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def is_devanagari(word: str) -> bool:
    return bool(_DEVANAGARI.search(word))


# The letters come from the project's one table (core/translit.py); search adds only its folding on top.
_VOWELS, _MATRAS, _CONSONANTS = translit.VOWELS, translit.SIGNS, translit.CONSONANTS
_NUKTA_CONSONANTS = translit.NUKTA_FORMS  # क़ "q" meets क "k" in the skeleton (q -> k)
_DIGITS, _LABIALS = translit.DIGITS, translit.LABIALS


def devanagari_to_latin(word: str) -> str:
    """A rough, readable Latin spelling (every inherent `a` written out; the key drops them anyway). Unlike
    translit.to_latin it keeps no schwa rules or loanwords: the skeleton folds all of that away."""
    chars = unicodedata.normalize("NFD", word)
    out: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if ch in _CONSONANTS:
            if nxt == NUKTA:
                out.append(_NUKTA_CONSONANTS.get(ch, _CONSONANTS[ch]))
                i += 1
                nxt = chars[i + 1] if i + 1 < len(chars) else ""
            else:
                out.append(_CONSONANTS[ch])
            if nxt not in _MATRAS and nxt != VIRAMA:
                out.append("a")
        elif ch in _MATRAS:
            out.append(_MATRAS[ch])
        elif ch in _VOWELS:
            out.append(_VOWELS[ch])
        elif ch in (ANUSVARA, CHANDRABINDU):
            out.append("m" if nxt in _LABIALS else "n")
        elif ch == "\u0903":  # visarga
            out.append("h")
        elif ch == "ॐ":
            out.append("om")
        elif ch in _DIGITS:
            out.append(_DIGITS[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch.lower())
        i += 1
    return "".join(out)


# Order matters: longer spellings first, so "chh" is not read as "ch" + "h".
_FOLDS = [
    ("chh", "c"), ("ch", "c"), ("sh", "s"), ("kh", "k"), ("gh", "g"), ("jh", "j"), ("th", "t"), ("dh", "d"),
    ("ph", "f"), ("bh", "b"), ("rh", "r"), ("zh", "j"), ("ck", "k"), ("q", "k"), ("x", "ks"), ("z", "j"),
    ("w", "v"), ("c", "k"), ("ee", "i"), ("oo", "u"), ("iy", "i"),
]
_DOUBLES = re.compile(r"(.)\1+")
_FOLD_RE = re.compile("|".join(re.escape(a) for a, _ in _FOLDS))
_FOLD_MAP = dict(_FOLDS)


def skeleton(latin: str) -> str:
    """Fold a Latin spelling to its phonetic skeleton: 'Haldee' -> 'hldi', 'achaar' -> 'acr'."""
    s = "".join(ch for ch in strip_latin_accents(latin.lower()) if ch.isascii() and ch.isalnum())
    s = _FOLD_RE.sub(lambda m: _FOLD_MAP[m.group(0)], s)
    s = _DOUBLES.sub(r"\1", s)
    s = s[:1] + s[1:].replace("a", "")
    if len(s) > 3 and s.endswith("e"):  # silent English e; Hindi plural -े (मसाले ~ masala)
        s = s[:-1]
    return _DOUBLES.sub(r"\1", s)


@lru_cache(maxsize=200_000)
def phonetic_keys(word: str) -> tuple[str, ...]:
    """The keys of a word in either script (none for words too short to key usefully). ड़ and ढ़ are written
    both ways in Latin (saree and papad, kadhi), so a Devanagari word with it gets an `r` key and a `d` key."""
    if not is_devanagari(word):
        keys = [skeleton(word)]
    else:
        latin = devanagari_to_latin(word)
        keys = [skeleton(latin)]
        decomposed = unicodedata.normalize("NFD", word)
        if "\u0921\u093c" in decomposed or "\u0922\u093c" in decomposed:
            keys.append(skeleton(devanagari_to_latin(fold_nukta(word))))
    return tuple(dict.fromkeys(k for k in keys if len(k) >= 2 and not k.isdigit()))
