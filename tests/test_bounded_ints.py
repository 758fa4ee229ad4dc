"""Issue 9 #2: no integer taken from a request reaches the database unbounded. Walks EVERY rule of the URL
map, every method, as each kind of visitor, with 99999999999999999999 for each integer in the path, in the
query string (?page=, ?seller=, ?house=, …) and in every form field a page offers. Nothing may answer 500.

Runs on PostgreSQL too (HAAT_TEST_DATABASE=postgres), where INTEGER is 32-bit and the driver refuses
what SQLite would merely compare."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from marketplace.accounts.models import Role
from marketplace.orders import services as orders

from . import factories
from .conftest import csrf_token, login
from .e2e import shop as shopping
from .test_fulfilment import HINDI_ADDRESS

HUGE = "99999999999999999999"  # past 64 bits: Python's int reaches the driver, which cannot take it
JUST_PAST_INT32 = "2147483648"  # fits 64 bits, not PostgreSQL's INTEGER: refused there only when stored
QUERY_INTS = ("page", "seller", "house", "district", "category", "product", "variant", "part", "stage", "status",
              "show", "kind", "next")
FORM_INTS = ("variant_id", "product_id", "quantity", "qty", "seller_id", "address_id", "block_id", "village_id",
             "category_id", "price", "mrp", "stock", "house_id", "part_id", "parcels", "weight_g", "amount",
             "member_id", "position", "page", "seller", "house")


def _path(rule, ids: dict | None = None, huge: str = HUGE) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if "Int" in kind:
            values[name] = str((ids or {}).get(name, huge))
        elif "Any" in kind:
            values[name] = sorted(converter.items)[0]
        else:  # strings: the real order number when given, else something that looks like a number
            values[name] = str((ids or {}).get(name, huge))
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r"(?:\([^)]*\))?>", value, path)
    assert "<" not in path, path
    return path


def _form_fields(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)) - {"csrf_token"}


class _Forms(HTMLParser):
    """The POST forms of a page: (action, {field: default value}) as a browser would submit them untouched."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {} if (a.get("method") or "get").lower() == "post" else None
            self._action = a.get("action") or ""
        elif self._form is None or "name" not in a and tag != "option":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("radio", "checkbox") or "checked" in a or a["name"] not in self._form:
                self._form[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._form[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in self._form or "selected" in a):
            self._form[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append((self._action, self._form))
            self._form = None
        elif tag == "select":
            self._select = None


def _post_forms(html: str, page: str) -> list[tuple[str, dict]]:
    parser = _Forms()
    parser.feed(html)
    return [(urljoin(page, action or page), fields) for action, fields in parser.forms]


def _huge_variants(fields: dict, huge: str) -> list[dict]:
    """All numeric-looking (or empty) fields huge at once, then each numeric field huge on its own (so a
    form that stops at its first bad field is still reached at every other)."""
    numeric = [n for n, v in fields.items() if n != "csrf_token" and (v.isdigit() or v == "")]
    together = {**fields, **{n: huge for n in numeric}}
    return [together] + [{**fields, n: huge} for n in numeric if fields[n].isdigit()]


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
    on_sale = factories.make_product(group, factories.seeded_category(), stock=20)
    orders.save_address(customer, HINDI_ADDRESS)
    shopping.fill(app, customer, [(on_sale, 1)])
    order = shopping.place(app, customer)  # the customer's order page and its cancel form
    other = factories.make_product(group, factories.seeded_category(), stock=20)
    # and a cart, so checkout shows its form (two lines: the walk's "remove" takes one)
    shopping.fill(app, customer, [(on_sale, 1), (other, 1)])
    ids = {"seller_id": group.id, "house_id": house.id, "product_id": product.id,
           "member_id": group.members[0].id, "number": order.number, "part_id": order.parts[0].id, "order_id": order.id}
    clients = {"anonymous": app.test_client()}
    for name, user in (("customer", customer), ("admin", admin), ("seller", member), ("operator", operator),
                       ("official", official)):
        client = app.test_client()
        assert login(client, user.login_name).status_code == 302
        clients[name] = client
    return clients, ids


@pytest.mark.parametrize("huge", [HUGE, JUST_PAST_INT32])
def test_no_route_answers_500_to_huge_integers(app, visitors, huge):
    visitors, ids = visitors
    query = "?" + "&".join(f"{name}={huge}" for name in QUERY_INTS)
    # not logout: the visitor must stay who they are for the rest of the walk
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static" and not r.endpoint.endswith(".logout")]
    # the checkout page first, while the customer's cart is as the fixture made it
    rules.sort(key=lambda r: r.rule != "/checkout")
    failures, seen = [], set()
    for who, client in visitors.items():
        token = csrf_token(client)
        # huge ids in the path, then real ids (the pages of a real group, house and product) with huge
        # numbers in the query string and in every field of the page's forms
        for rule, path in [(r, _path(r, huge=huge)) for r in rules] + [(r, _path(r, ids, huge)) for r in rules
                                                                               if r.arguments]:
            fields = set(FORM_INTS)
            if "GET" in rule.methods:
                response = _call(failures, f"{who} GET {path}", client.get, path + query)
                if response is not None and response.mimetype == "text/html":
                    fields |= _form_fields(response.get_data(as_text=True))
                page = _call(failures, f"{who} GET {path}", client.get, path)
                if page is not None and page.status_code == 200 and page.mimetype == "text/html":
                    for action, defaults in _post_forms(page.get_data(as_text=True), path):
                        key = (who, urlsplit(action).path, tuple(sorted(defaults)))
                        if key in seen or urlsplit(action).path.endswith("/logout"):
                            continue
                        seen.add(key)
                        for data in _huge_variants(defaults, huge):
                            _call(failures, f"{who} POST {action} {sorted(data)}", client.post, action, data=data)
            if "POST" in rule.methods:
                data = {name: huge for name in fields} | {"csrf_token": token}
                _call(failures, f"{who} POST {path}", client.post, path + query, data=data)
                _call(failures, f"{who} POST {path} (form only)", client.post, path, data=data)
    assert not failures, "\n".join(failures)
    posted = {path for _who, path, _fields in seen}
    assert {"/checkout", "/cart/update", f"/orders/{ids['number']}/cancel", "/admin/houses/new",
            f"/seller/products/{ids['product_id']}/edit"} <= posted, sorted(posted)  # the forms were reached
    assert visitors["admin"].get("/admin/payouts").status_code == 200  # still logged in at the end



@pytest.mark.parametrize("url", ["/seller/products?page={}", "/seller/products?seller={}",
                                 "/seller/orders/?seller={}", "/seller/money?seller={}", "/seller/invoices?seller={}",
                                 "/house/?house={}", "/c/x?page={}"])
def test_huge_query_integers_are_refused_not_crashed(url, visitors):
    status = visitors[0]["admin"].get(url.format(HUGE)).status_code
    assert status in (302, 403, 404, 422), (url, status)


def test_a_cancel_naming_a_part_that_cannot_exist_cancels_nothing(visitors):
    """Not "all parts" for want of a valid one: an out-of-range part id is a part of nobody's."""
    from marketplace.orders.models import Order, OrderStatus

    from .conftest import post

    clients, ids = visitors
    r = post(clients["customer"], f"/orders/{ids['number']}/cancel", {"part_id": HUGE, "reason": "Changed my mind"})
    assert r.status_code == 409
    assert shopping.reload(Order, ids["order_id"]).status != OrderStatus.CANCELLED
