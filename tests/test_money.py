"""Issue 9 #14: money goes through Babel (with the Indian pattern) and gives exactly what the hand-written
rule gave: ₹1,27,400, paise only when there are some, a minus before the sign."""

import random

import pytest

from marketplace.core.formatting import format_inr, group_indian


def _by_hand(paise: int) -> str:
    """The rule as it was written before Babel did it: last three digits, then pairs."""
    rupees, rest = divmod(abs(paise), 100)
    s = str(rupees)
    if len(s) > 3:
        head, tail, pairs = s[:-3], s[-3:], []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        s = ",".join([head, *pairs, tail])
    text = f"{'-' if paise < 0 else ''}₹{s}"
    return f"{text}.{rest:02d}" if rest else text


@pytest.mark.parametrize("paise,text", [(12740000, "₹1,27,400"), (12740050, "₹1,27,400.50"), (0, "₹0"), (5, "₹0.05"),
                                        (-5000, "-₹50"), (99900, "₹999"), (100000, "₹1,000"),
                                        (1234567890123, "₹12,34,56,78,901.23")])
def test_babel_gives_the_indian_way(paise, text):
    assert format_inr(paise) == text


def test_babel_agrees_with_the_hand_rule_everywhere():
    rng = random.Random(9)
    samples = [10**k + d for k in range(16) for d in (-1, 0, 1)] + [rng.randrange(-10**14, 10**14) for _ in range(3000)]
    for paise in samples:
        assert format_inr(paise) == _by_hand(paise), paise
    assert group_indian(1274000) == "12,74,000"


def test_the_template_filter_uses_it(app):
    with app.test_request_context("/?lang=hi"):
        assert app.jinja_env.filters["inr"](12740000) == "₹1,27,400"


def test_it_is_babel_that_formats(monkeypatch):
    from marketplace.core import formatting

    calls = []
    real = formatting.format_currency

    def counting(*args, **kwargs):
        calls.append(kwargs.get("format"))
        return real(*args, **kwargs)

    monkeypatch.setattr(formatting, "format_currency", counting)
    formatting._inr.cache_clear()
    assert format_inr(12740000) == "₹1,27,400" and format_inr(12740050) == "₹1,27,400.50"
    assert calls == ["¤#,##,##0", "¤#,##,##0.00"]
    formatting._inr.cache_clear()
