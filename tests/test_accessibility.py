"""Accessibility: the logo's accessible name holds its visible text; scrollable tables reachable by keyboard;
English-only text on Hindi pages marked lang="en"; drawn placeholders described in Hindi on Hindi pages; times
without seconds."""

import re
from datetime import UTC, datetime

import pytest

from marketplace.i18n import _ist

from . import factories
from .conftest import login


def test_the_logo_link_is_named_by_what_it_shows(client, ctx):
    html = client.get("/?lang=hi").get_data(as_text=True)
    logo = re.search(r'<a class="brand"[^>]*>(.*?)</a>', html, re.S)
    assert "aria-label" not in logo.group(0) and "हाट" in logo.group(1) and "Haat" in logo.group(1)


@pytest.fixture
def shelf(geo):
    org = factories.seller(geo["Kahara"])
    category = factories.seeded_category("spices")
    english_only = factories.make_product(org, category, title_en="Lakadong turmeric", title_hi=None)
    both = factories.make_product(org, category, title_en="Turmeric powder", title_hi="हल्दी पाउडर")
    drawn = factories.add_photos(both)[0]
    drawn.alt_text = "Drawing, not a photo: Turmeric powder / हल्दी पाउडर"
    photographed = factories.add_photos(english_only)[0]
    photographed.alt_text = "Yellow turmeric roots on a steel plate"
    from marketplace.extensions import db

    db.session.commit()
    return {"english_only": english_only, "both": both, "category": category}


def test_english_only_text_on_hindi_pages_is_marked(client, shelf):
    html = client.get(f"/c/{shelf['category'].slug}?lang=hi").get_data(as_text=True)
    assert '<h2 class="title" lang="en">Lakadong turmeric</h2>' in html
    assert '<h2 class="title">हल्दी पाउडर</h2>' in html
    assert 'alt="Yellow turmeric roots on a steel plate" lang="en"' in html
    assert 'alt="चित्र, फ़ोटो नहीं: हल्दी पाउडर"' in html and "Drawing, not a photo" not in html
    page = client.get(f"/p/{shelf['english_only'].slug}").get_data(as_text=True)
    assert '<h1 lang="en">Lakadong turmeric</h1>' in page


def test_english_pages_need_no_marks(client, shelf):
    html = client.get(f"/c/{shelf['category'].slug}?lang=en").get_data(as_text=True)
    assert 'lang="en">Lakadong' not in html and 'alt="Drawing, not a photo: Turmeric powder"' in html


def test_scrollable_tables_can_be_reached_by_keyboard(client, geo):
    member = factories.user("seller")
    org = factories.seller(geo["Kahara"], members=[member])
    factories.make_product(org, factories.seeded_category("spices"))
    client.get("/?lang=en")
    login(client, member.mobile)
    html = client.get("/seller/stock").get_data(as_text=True)
    box = re.search(r'<div class="table-scroll"[^>]*>', html).group(0)
    assert 'tabindex="0"' in box and 'role="region"' in box and "aria-label=" in box


@pytest.mark.parametrize("locale", ["hi", "en"])
def test_times_are_shown_without_seconds(app, locale):
    moment = datetime(2026, 11, 29, 11, 35, 42, tzinfo=UTC)  # 17:05:42 in India
    with app.test_request_context(f"/?lang={locale}"):
        from flask_babel import force_locale

        with force_locale(locale):
            shown = _ist(moment)
    assert "5:05" in shown and ":42" not in shown
