"""States and union territories for delivery addresses, and the PIN code check.

The first digit of a PIN code is the postal zone, so a PIN code must start with a digit of its state's zone
(1 north, 2 Uttar Pradesh and Uttarakhand, 3 west, 4 Maharashtra and centre, 5 south, 6 Kerala and Tamil
Nadu, 7 east and north-east, 8 Bihar and Jharkhand). It catches most mistyped or swapped PIN codes.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    code: str
    name_en: str
    name_hi: str
    zones: str  # first digits its PIN codes start with


STATES = (
    State("AN", "Andaman and Nicobar Islands", "अंडमान और निकोबार द्वीपसमूह", "7"),
    State("AP", "Andhra Pradesh", "आंध्र प्रदेश", "5"),
    State("AR", "Arunachal Pradesh", "अरुणाचल प्रदेश", "7"),
    State("AS", "Assam", "असम", "7"),
    State("BR", "Bihar", "बिहार", "8"),
    State("CH", "Chandigarh", "चंडीगढ़", "1"),
    State("CG", "Chhattisgarh", "छत्तीसगढ़", "4"),
    State("DH", "Dadra and Nagar Haveli and Daman and Diu", "दादरा और नगर हवेली और दमन और दीव", "3"),
    State("DL", "Delhi", "दिल्ली", "1"),
    State("GA", "Goa", "गोवा", "4"),
    State("GJ", "Gujarat", "गुजरात", "3"),
    State("HR", "Haryana", "हरियाणा", "1"),
    State("HP", "Himachal Pradesh", "हिमाचल प्रदेश", "1"),
    State("JK", "Jammu and Kashmir", "जम्मू और कश्मीर", "1"),
    State("JH", "Jharkhand", "झारखंड", "8"),
    State("KA", "Karnataka", "कर्नाटक", "5"),
    State("KL", "Kerala", "केरल", "6"),
    State("LA", "Ladakh", "लद्दाख", "1"),
    State("LD", "Lakshadweep", "लक्षद्वीप", "6"),
    State("MP", "Madhya Pradesh", "मध्य प्रदेश", "4"),
    State("MH", "Maharashtra", "महाराष्ट्र", "4"),
    State("MN", "Manipur", "मणिपुर", "7"),
    State("ML", "Meghalaya", "मेघालय", "7"),
    State("MZ", "Mizoram", "मिज़ोरम", "7"),
    State("NL", "Nagaland", "नागालैंड", "7"),
    State("OD", "Odisha", "ओडिशा", "7"),
    State("PY", "Puducherry", "पुडुचेरी", "56"),  # Yanam's PIN codes start with 5
    State("PB", "Punjab", "पंजाब", "1"),
    State("RJ", "Rajasthan", "राजस्थान", "3"),
    State("SK", "Sikkim", "सिक्किम", "7"),
    State("TN", "Tamil Nadu", "तमिलनाडु", "6"),
    State("TS", "Telangana", "तेलंगाना", "5"),
    State("TR", "Tripura", "त्रिपुरा", "7"),
    State("UP", "Uttar Pradesh", "उत्तर प्रदेश", "2"),
    State("UK", "Uttarakhand", "उत्तराखंड", "2"),
    State("WB", "West Bengal", "पश्चिम बंगाल", "7"),
)
BY_CODE = {s.code: s for s in STATES}
_PIN = re.compile(r"^[1-9]\d{5}$")


def normalise_pin(text: str | None) -> str | None:
    """'800 001' -> '800001'; None unless six digits not starting with 0."""
    digits = re.sub(r"[\s-]", "", text or "")
    return digits if _PIN.match(digits) else None


def pin_matches_state(pin: str, state_code: str) -> bool:
    state = BY_CODE.get(state_code)
    return state is not None and pin[0] in state.zones
