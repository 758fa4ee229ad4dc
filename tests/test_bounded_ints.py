"""Issue 9 #2: no integer taken from a request reaches the database unbounded. Walks EVERY rule of the URL
map, every method, as each kind of visitor, with 99999999999999999999 for each integer in the path, in the
query string (?page=, ?seller=, ?house=, …) and in every form field a page offers. Nothing may answer 500.

Runs on PostgreSQL too (HAAT_TEST_DATABASE=postgres), where INTEGER is 32-bit and the driver refuses
what SQLite would merely compare."""

import re

import pytest

from marketplace.accounts.models import Role

from . import factories
from .conftest import csrf_token, login

HUGE = "99999999999999999999"
QUERY_INTS = ("page", "seller", "house", "district", "category", "product", "variant", "part", "stage", "status",
              "show", "kind", "next")
FORM_INTS = ("variant_id", "product_id", "quantity", "qty", "seller_id", "address_id", "block_id", "village_id",
             "category_id", "price", "mrp", "stock", "house_id", "part_id", "parcels", "weight_g", "amount",
             "member_id", "position", "page", "seller", "house")


def _path(rule, ids: dict | None = None) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if "Int" in kind:
            values[name] = str((ids or {}).get(name, HUGE))
        elif "Any" in kind:
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = HUGE  # strings (order numbers, slugs, keys) that look like numbers
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r"(?:\([^)]*\))?>", value, path)
    assert "<" not in path, path
    return path


def _form_fields(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)) - {"csrf_token"}


def _call(failures: list, what: str, method, *args, **kwargs):
    try:
        response = method(*args, **kwargs)
    except Exception as exc:  # TESTING propagates exceptions: in production each would be a 500
        failures.append(f"{what} -> {type(exc).__name__}: {exc}")
        return None
    if response.status_code >= 500:
        failures.append(f"{what} -> {response.status_code}")
    return response


@pytest.fixture
def visitors(app, geo):
    """A logged-in client per kind of visitor, each with something to look at (a group, a house, an address)."""
    admin = factories.user(Role.ADMIN)
    customer = factories.user(Role.CUSTOMER)
    member = factories.user(Role.SELLER)
    operator = factories.user(Role.OPERATOR)
    official = factories.official(geo["Kahara"], "district")
    group = factories.seller(geo["Kahara"], members=[member])
    house = factories.packaging_house(geo["Kahara"], operators=[operator])
    product = factories.make_product(group, factories.seeded_category(), status="draft")
    ids = {"seller_id": group.id, "house_id": house.id, "product_id": product.id,
           "member_id": group.members[0].id}
    clients = {"anonymous": app.test_client()}
    for name, user in (("admin", admin), ("customer", customer), ("seller", member), ("operator", operator),
                       ("official", official)):
        client = app.test_client()
        assert login(client, user.login_name).status_code == 302
        clients[name] = client
    return clients, ids


def test_no_route_answers_500_to_huge_integers(app, visitors):
    visitors, ids = visitors
    query = "?" + "&".join(f"{name}={HUGE}" for name in QUERY_INTS)
    # not logout: the visitor must stay who they are for the rest of the walk
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static" and not r.endpoint.endswith(".logout")]
    failures = []
    for who, client in visitors.items():
        token = csrf_token(client)
        # huge ids in the path, then real ids (the pages of a real group, house and product) with huge
        # numbers in the query string and in every field of the page's forms
        for rule, path in [(r, _path(r)) for r in rules] + [(r, _path(r, ids)) for r in rules if r.arguments]:
            fields = set(FORM_INTS)
            if "GET" in rule.methods:
                response = _call(failures, f"{who} GET {path}", client.get, path + query)
                if response is not None:
                    fields |= _form_fields(response.get_data(as_text=True))
            if "POST" in rule.methods:
                data = {name: HUGE for name in fields} | {"csrf_token": token}
                _call(failures, f"{who} POST {path}", client.post, path + query, data=data)
                _call(failures, f"{who} POST {path} (form only)", client.post, path, data=data)
    assert not failures, "\n".join(failures)
    assert visitors["admin"].get("/admin/payouts").status_code == 200  # still logged in at the end


@pytest.mark.parametrize("url", ["/seller/products?page={}", "/seller/products?seller={}",
                                 "/seller/orders/?seller={}", "/seller/money?seller={}", "/seller/invoices?seller={}",
                                 "/house/?house={}", "/c/x?page={}"])
def test_huge_query_integers_are_refused_not_crashed(url, visitors):
    status = visitors[0]["admin"].get(url.format(HUGE)).status_code
    assert status in (302, 403, 404, 422), (url, status)
