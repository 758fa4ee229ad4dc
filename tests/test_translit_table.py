"""Issue 9 #14: one Devanagari-to-Latin table (core/translit.py). Search's phonetic keys are built on the same
letters with their own folding on top; search/phonetic.py holds no letter table of its own."""

import ast
from pathlib import Path

import pytest

from marketplace.core import translit
from marketplace.search import phonetic

ROOT = Path(__file__).resolve().parent.parent


def _devanagari_tables(path: Path) -> list[int]:
    """Line numbers of dict literals keyed by Devanagari letters."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value
                and "\u0900" <= k.value[0] <= "\u097f" for k in node.keys):
            found.append(node.lineno)
    return found


def test_search_has_no_letter_table_of_its_own():
    assert _devanagari_tables(ROOT / "marketplace" / "search" / "phonetic.py") == []
    assert phonetic._CONSONANTS is translit.CONSONANTS and phonetic._VOWELS is translit.VOWELS


def test_every_letter_of_the_table_reaches_both(monkeypatch):
    monkeypatch.setitem(translit.CONSONANTS, "ळ", "zz")  # one change in the table shows in slugs and in search
    assert translit.to_latin("ळ") == "zza"
    assert phonetic.devanagari_to_latin("ळ") == "zza"


@pytest.mark.parametrize("hindi,slug,key", [("हल्दी पाउडर", "haldi-powder", "hldi"), ("मधुबनी", "madhubani", "mdubni"),
                                            ("साड़ी", "sari", "sri"), ("ज़री", "zari", "jri")])
def test_slugs_and_keys_as_before(hindi, slug, key):
    assert translit.slugify(hindi) == slug
    assert key in phonetic.phonetic_keys(hindi.split()[0])
