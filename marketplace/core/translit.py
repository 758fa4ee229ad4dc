"""Devanagari -> Latin letters, for URL slugs (and later for search keys).

    to_latin("हल्दी पाउडर")      -> "haldi powder"
    slugify("मधुबनी पेंटिंग")     -> "madhubani-painting"
    slugify("Bamboo Basket (L)") -> "bamboo-basket-l"

Rules, kept small on purpose:
- Consonants carry an inherent "a" unless a vowel sign or a virama follows.
- Schwa deletion only at the end of a word: "हल्दी" is "haldi", "रंग" is "rang", but a word ending in a
  conjunct with र/य/व keeps it ("वस्त्र" -> "vastra"). No deletion inside words, because compounds such as
  "मधुबनी" (madhu + bani) would lose a vowel they need.
- Long and short vowels are written alike (ā -> a, ī -> i, ū -> u): casual spelling, as people type it.
- A few English loanwords common in product titles are spelt the English way ("पाउडर" -> "powder").
"""

import re
import unicodedata

__all__ = ["CONSONANTS", "DIGITS", "LABIALS", "NUKTA_FORMS", "SIGNS", "VOWELS", "slugify", "to_latin"]

# The one Devanagari -> Latin letter table of the project. Slugs read it here; search (search/phonetic.py)
# builds its phonetic keys on the same letters and folds them further. Long and short vowels are written
# alike (casual spelling, as people type it).
CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "ऩ": "n", "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m", "य": "y", "र": "r", "ऱ": "r", "ल": "l",
    "ळ": "l", "ऴ": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s", "ह": "h",
}
# With a nukta the sound changes (NFC keeps these decomposed: base letter + U+093C): साड़ी "saari", ज़री "zari".
NUKTA_FORMS = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f", "य": "y"}
VOWELS = {"अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ऋ": "ri", "ॠ": "ri", "ऌ": "li",
          "ए": "e", "ऐ": "ai", "ओ": "o", "औ": "au", "ऍ": "e", "ऎ": "e", "ऑ": "o", "ऒ": "o"}
SIGNS = {"ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "ृ": "ri", "ॄ": "ri", "े": "e", "ै": "ai",
         "ो": "o", "ौ": "au", "ॅ": "e", "ॆ": "e", "ॉ": "o", "ॊ": "o"}
DIGITS = {chr(0x0966 + d): str(d) for d in range(10)}
LABIALS = frozenset("पफबभम")  # an anusvara before these is said "m"

_CONSONANTS, _NUKTA_FORMS, _VOWELS, _SIGNS, _DIGITS, _LABIALS = CONSONANTS, NUKTA_FORMS, VOWELS, SIGNS, DIGITS, LABIALS
_VIRAMA, _NUKTA, _ANUSVARA, _CHANDRABINDU, _VISARGA = "्", "़", "ं", "ँ", "ः"
_KEEP_FINAL_A_AFTER = set("यरव")  # वस्त्र, मित्र, काव्य: the final "a" is spoken
_LOANWORDS = {
    "पाउडर": "powder", "पेंटिंग": "painting", "पेन्टिंग": "painting", "बैग": "bag", "लेदर": "leather",
    "कॉटन": "cotton", "पैक": "pack", "सोप": "soap", "सैनिटरी": "sanitary", "पैड": "pad", "टी-शर्ट": "t-shirt",
    "शर्ट": "shirt", "ऑर्गेनिक": "organic", "हैंडमेड": "handmade", "फ़ाइल": "file", "फाइल": "file",
}
_WORD = re.compile(r"[\u0900-\u097F]+(?:-[\u0900-\u097F]+)*")


def _word_to_latin(word: str) -> str:
    if word in _LOANWORDS:
        return _LOANWORDS[word]
    word = word.replace("ज्ञ", "ग्य")  # ज्ञान is said "gyan"
    out: list[str] = []
    pending_a = False  # the last consonant still carries its inherent "a"
    after_virama = False  # the last consonant closes a conjunct (वस्त्र)
    letters = 0
    chars = list(word)
    for i, ch in enumerate(chars):
        if ch in _CONSONANTS:
            if pending_a:
                out.append("a")
            nukta = i + 1 < len(chars) and chars[i + 1] == _NUKTA
            out.append(_NUKTA_FORMS.get(ch, _CONSONANTS[ch]) if nukta else _CONSONANTS[ch])
            after_virama = i > 0 and chars[i - 1] == _VIRAMA
            pending_a, letters = True, letters + 1
            continue
        if ch in (_NUKTA, "\u200c", "\u200d"):
            continue
        if ch == _VIRAMA:
            pending_a = False
            continue
        if pending_a and ch not in _SIGNS:
            out.append("a")  # a nasal, visarga or vowel letter after a bare consonant
        pending_a = False
        if ch in _SIGNS:
            out.append(_SIGNS[ch])
        elif ch in (_ANUSVARA, _CHANDRABINDU):
            # before a labial, and at the end of a word (स्वयं, "svayam"), an anusvara is said "m"
            labial_or_end = i + 1 == len(chars) or chars[i + 1] in _LABIALS
            out.append("m" if labial_or_end and ch == _ANUSVARA else "n")
        elif ch == _VISARGA:
            out.append("h")
        elif ch in _VOWELS:
            out.append(_VOWELS[ch])
            letters += 1
        elif ch in _DIGITS:
            out.append(_DIGITS[ch])
        # anything else in the block (danda, avagraha, Vedic signs) is dropped
    if pending_a and (letters == 1 or (after_virama and chars[-1] in _KEEP_FINAL_A_AFTER)):
        out.append("a")
    return "".join(out)


def to_latin(text: str) -> str:
    """Every Devanagari word in `text` written in Latin letters; other characters are left as they are."""
    text = unicodedata.normalize("NFC", text or "").replace("।", " ").replace("॥", " ")
    return _WORD.sub(lambda m: _LOANWORDS.get(m.group(0)) or "-".join(map(_word_to_latin, m.group(0).split("-"))),
                     text)


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens; '' if nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", to_latin(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
    return slug.strip("-")
