"""The Indic-aware analyzer: whole Devanagari words, folded spelling variants, light stemming, and a phonetic
key that lets a Latin query meet Devanagari text and back."""

import unicodedata

import pytest
from whoosh.analysis import StandardAnalyzer

from marketplace.search.analysis import (
    KEY_PREFIX,
    IndicAnalyzer,
    index_terms,
    parse_query,
    stem_hi,
    word_terms,
    words,
)
from marketplace.search.phonetic import normalize, phonetic_keys


def keys(word: str) -> set[str]:
    return {t for t in word_terms(words(word)[0]) if t.startswith(KEY_PREFIX)}


def stem(word: str) -> str:
    return word_terms(words(word)[0])[0]


def test_stock_whoosh_breaks_devanagari_and_ours_keeps_whole_words():
    text = "हस्तनिर्मित सूती मास्क"
    stock = [t.text for t in StandardAnalyzer()(text)]
    assert "मास्क" not in stock  # the problem: vowel signs and viramas split words
    assert words(text) == ["हस्तनिर्मित", "सूती", "मास्क"]


def test_vowel_signs_virama_and_nukta_stay_inside_the_word():
    assert words("क़ीमत ज़री-काम, स्त्री।") == ["क़ीमत", "ज़री", "काम", "स्त्री"]


def test_nfc_and_nukta_variants_fold_to_one_stem():
    composed = "\u095b\u0930\u0940"  # ज़री with the precomposed letter
    decomposed = unicodedata.normalize("NFD", composed)  # ज + nukta + री
    without = "जरी"
    assert stem(composed) == stem(decomposed) == stem(without)


def test_chandrabindu_anusvara_and_nasal_clusters_fold():
    assert stem("साड़ियाँ") == stem("साड़ियां")
    assert stem("हिन्दी") == stem("हिंदी")
    assert normalize("चाँद") == normalize("चांद")


def test_zero_width_joiners_are_ignored():
    assert words("क्\u200dष मास्\u200cक") == words("क्ष मास्क")


def test_light_hindi_stemmer_joins_singular_and_plural():
    assert stem("साड़ियाँ") == stem("साड़ी")
    assert stem("मसाले") == stem("मसाला")
    assert stem("टोकरियों") == stem("टोकरी")
    assert stem_hi("घी") == "घी"  # too short to strip


def test_english_stemming():
    assert stem("masks") == stem("mask")
    assert stem("Paintings") == stem("painting")
    assert stem("baskets") == stem("basket")
    assert stem("cotton") != stem("cottage")


@pytest.mark.parametrize("latin, devanagari", [
    ("haldi", "हल्दी"), ("masala", "मसाला"), ("achar", "अचार"), ("madhubani", "मधुबनी"), ("mask", "मास्क"),
    ("haldee", "हल्दी"), ("hladi", "हल्दी"), ("achaar", "अचार"), ("masks", "मास्क"), ("saree", "साड़ी"),
    ("sari", "साड़ियाँ"), ("papad", "पापड़"), ("mehndi", "मेहंदी"), ("jaivik", "जैविक"), ("sooti", "सूती"),
])
def test_latin_and_devanagari_share_a_phonetic_key(latin, devanagari):
    assert keys(latin) & keys(devanagari)


@pytest.mark.parametrize("one, other", [("haldi", "mirchi"), ("mask", "masala"), ("achar", "अंडा"),
                                        ("madhubani", "मिठाई")])
def test_different_words_keep_different_keys(one, other):
    assert not keys(one) & keys(other)


def test_keys_only_for_titles_when_asked():
    assert index_terms("हल्दी", keyed=False) == [(stem("हल्दी"),)]
    assert any(t.startswith(KEY_PREFIX) for t in index_terms("हल्दी")[0])


def test_analyzer_puts_stem_and_key_at_the_same_position():
    tokens = [(t.text, t.pos) for t in IndicAnalyzer()("हल्दी पाउडर", positions=True)]
    assert (stem("हल्दी"), 0) in tokens and ("~hldi", 0) in tokens
    assert {pos for _, pos in tokens} == {0, 1}


def test_synonyms_cross_language_and_script():
    turmeric = parse_query("turmeric")[0].terms
    assert stem("haldi") in turmeric and stem("हल्दी") in turmeric
    assert stem("pickle") in parse_query("अचार")[0].terms
    assert stem("bag") in parse_query("thaila")[0].terms


def test_query_syntax_characters_are_just_punctuation():
    assert [w.text for w in parse_query('"masala" AND( *: achar)')] == ["masala", "achar"]
    assert [w.text for w in parse_query("haldi:* ~hldi")] == ["haldi", "hldi"]


def test_emoji_and_mixed_scripts():
    assert [w.text for w in parse_query("🌶️ mirchi मिर्च 😀")] == ["mirchi", "मिर्च"]
    assert parse_query("🙂🙂") == []


def test_long_queries_are_capped():
    assert len(parse_query(" ".join(["haldi"] * 500), max_words=10)) == 10
    assert parse_query("x" * 2000) == []  # one 2,000-letter "word" is not a word


def test_phonetic_keys_of_short_or_numeric_words():
    assert phonetic_keys("a") == ()
    assert phonetic_keys("500") == ()
