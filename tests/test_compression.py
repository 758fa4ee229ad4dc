"""HTML, CSS and JS compressed when the client accepts it; a favicon from static/; meta descriptions on the
search and login pages."""

import gzip
import re

import brotli
import pytest

from . import factories


@pytest.fixture
def page(geo):
    org = factories.seller(geo["Kahara"])
    category = factories.seeded_category("spices")
    for n in range(6):
        factories.make_product(org, category, title_en=f"Turmeric {n}")
    return category


@pytest.mark.parametrize("url", ["/?lang=en", "/c/spices", "/static/css/haat.css", "/static/js/suggest.js"])
def test_gzip_and_brotli_when_accepted(client, page, url):
    def get(encoding):
        response = client.get(url, headers={"Accept-Encoding": encoding})
        response.get_data()
        response.close()
        return response

    plain = get("identity")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    body = plain.get_data()
    zipped = get("gzip")
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()).startswith(body[:50])
    assert len(zipped.get_data()) < len(body) / 2
    br = get("gzip, deflate, br")
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()).startswith(body[:50])


def test_favicon_is_a_file_of_the_site(client):
    with client.get("/favicon.ico") as r:
        assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon"
        assert r.get_data()[:4] == b"\0\0\1\0"
    with client.get("/static/favicon.svg") as r:
        assert r.status_code == 200 and b"<svg" in r.get_data()
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in html


@pytest.mark.parametrize("url", ["/login?lang=en", "/signup?lang=en", "/search?q=haldi&lang=en", "/search?lang=en"])
def test_search_and_login_pages_describe_themselves(client, ctx, url):
    html = client.get(url).get_data(as_text=True)
    description = re.search(r'<meta name="description" content="([^"]+)"', html)
    assert description and len(description.group(1)) > 40
