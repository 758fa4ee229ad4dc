import pytest

from marketplace.core.formatting import format_inr, group_indian, parse_rupees


def test_indian_digit_grouping():
    assert group_indian(127400) == "1,27,400"
    assert group_indian(1274000) == "12,74,000"
    assert group_indian(999) == "999"
    assert format_inr(12740000) == "₹1,27,400"
    assert format_inr(12740050) == "₹1,27,400.50"
    assert format_inr(-5000) == "-₹50"


@pytest.mark.parametrize("text,paise", [("1,27,400", 12740000), ("12.5", 1250), ("₹ 99.99", 9999), ("0.05", 5)])
def test_parse_rupees(text, paise):
    assert parse_rupees(text) == paise


@pytest.mark.parametrize("text", ["", "-5", "1e5", "12.345", "abc", "1.2.3"])
def test_parse_rupees_refuses_bad_amounts(text):
    with pytest.raises(ValueError):
        parse_rupees(text)


def test_lang_parameter_sticks_in_a_cookie(client):
    assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    assert 'lang="hi"' in client.get("/?lang=hi").get_data(as_text=True)
    assert 'lang="hi"' in client.get("/").get_data(as_text=True)


def test_accept_language_is_used_without_a_choice(client):
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-IN,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="hi"' in client.get("/", headers={"Accept-Language": "hi-IN"}).get_data(as_text=True)


def test_page_titles_end_with_the_site_name_in_the_readers_language(client):
    assert "<title>लॉग इन — हाट</title>" in client.get("/login?lang=hi").get_data(as_text=True)
    assert "<title>Log in — Haat</title>" in client.get("/login?lang=en").get_data(as_text=True)
    assert "<title>Haat — the village market</title>" in client.get("/?lang=en").get_data(as_text=True)
