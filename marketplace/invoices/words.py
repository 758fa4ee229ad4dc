"""Amounts in words, the Indian way (crore, lakh, thousand, hundred), in English and Hindi.

    rupees_in_words(12740000)      -> "One lakh twenty-seven thousand four hundred rupees only"
    rupees_in_words(12740050)      -> "One lakh twenty-seven thousand four hundred rupees and fifty paise only"
    rupees_in_words_hi(12740000)   -> "एक लाख सत्ताईस हज़ार चार सौ रुपये मात्र"
"""

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# Hindi numbers up to 99 are single words, not built from tens and units.
_HI = ["शून्य", "एक", "दो", "तीन", "चार", "पाँच", "छह", "सात", "आठ", "नौ", "दस", "ग्यारह", "बारह", "तेरह",
       "चौदह", "पंद्रह", "सोलह", "सत्रह", "अठारह", "उन्नीस", "बीस", "इक्कीस", "बाईस", "तेईस", "चौबीस",
       "पच्चीस", "छब्बीस", "सत्ताईस", "अट्ठाईस", "उनतीस", "तीस", "इकतीस", "बत्तीस", "तैंतीस", "चौंतीस",
       "पैंतीस", "छत्तीस", "सैंतीस", "अड़तीस", "उनतालीस", "चालीस", "इकतालीस", "बयालीस", "तैंतालीस", "चवालीस",
       "पैंतालीस", "छियालीस", "सैंतालीस", "अड़तालीस", "उनचास", "पचास", "इक्यावन", "बावन", "तिरपन", "चौवन",
       "पचपन", "छप्पन", "सत्तावन", "अट्ठावन", "उनसठ", "साठ", "इकसठ", "बासठ", "तिरसठ", "चौंसठ", "पैंसठ",
       "छियासठ", "सड़सठ", "अड़सठ", "उनहत्तर", "सत्तर", "इकहत्तर", "बहत्तर", "तिहत्तर", "चौहत्तर", "पचहत्तर",
       "छिहत्तर", "सतहत्तर", "अठहत्तर", "उन्यासी", "अस्सी", "इक्यासी", "बयासी", "तिरासी", "चौरासी", "पचासी",
       "छियासी", "सत्तासी", "अट्ठासी", "नवासी", "नब्बे", "इक्यानवे", "बानवे", "तिरानवे", "चौरानवे", "पचानवे",
       "छियानवे", "सत्तानवे", "अट्ठानवे", "निन्यानवे"]

# (size, English, Hindi), largest first; what is left above a crore is itself counted in lakhs and crores.
_UNITS = ((10_000_000, "crore", "करोड़"), (100_000, "lakh", "लाख"), (1000, "thousand", "हज़ार"),
          (100, "hundred", "सौ"))


def _below_100_en(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _words(n: int, hindi: bool) -> list[str]:
    """Words for 1 <= n, Indian grouping."""
    out: list[str] = []
    for size, en, hi in _UNITS:
        if n >= size:
            count, n = divmod(n, size)
            out += _words(count, hindi) if count >= 100 else [_HI[count] if hindi else _below_100_en(count)]
            out.append(hi if hindi else en)
    if n:
        out.append(_HI[n] if hindi else _below_100_en(n))
    return out


def number_in_words(n: int, hindi: bool = False) -> str:
    if n < 0:
        raise ValueError("a negative amount has no words here")
    if n == 0:
        return _HI[0] if hindi else "zero"
    return " ".join(_words(n, hindi))


def rupees_in_words(paise: int) -> str:
    rupees, rest = divmod(paise, 100)
    parts = []
    if rupees or not rest:
        parts.append(f"{number_in_words(rupees)} {'rupee' if rupees == 1 else 'rupees'}")
    if rest:
        parts.append(f"{number_in_words(rest)} {'paisa' if rest == 1 else 'paise'}")
    text = " and ".join(parts) + " only"
    return text[0].upper() + text[1:]


def rupees_in_words_hi(paise: int) -> str:
    rupees, rest = divmod(paise, 100)
    parts = []
    if rupees or not rest:
        parts.append(f"{number_in_words(rupees, hindi=True)} {'रुपया' if rupees == 1 else 'रुपये'}")
    if rest:
        parts.append(f"{number_in_words(rest, hindi=True)} {'पैसा' if rest == 1 else 'पैसे'}")
    return " और ".join(parts) + " मात्र"
