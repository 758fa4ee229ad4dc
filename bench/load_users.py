"""The simulated customers of bench/load.py (a Locust file; run it through bench/load.py).

Each customer logs in with an account of its own, then, with a pause of 0.5 to 2.5 s between steps, looks
at the home page, category pages and product pages, searches, adds what it saw to the cart, opens the cart
and now and then checks out with cash on delivery. Requests are named by kind of page, so the figures come
out per kind. An answer that is not the page expected (a login form again, an empty checkout, a 4xx/5xx) is
an error.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

DATA = json.loads(open(os.environ["HAAT_LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115
ACCOUNTS = itertools.count()
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
HIDDEN = re.compile(r'<input[^>]*name="(token|quoted_total)"[^>]*value="([^"]*)"|'
                    r'<input[^>]*value="([^"]*)"[^>]*name="(token|quoted_total)"')
ADDRESS = re.compile(r'name="address_id" value="(\d+)"')
HEADERS = {"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"}


def _hidden(html: str) -> dict:
    found = {}
    for a, b, c, d in HIDDEN.findall(html):
        if a:
            found[a] = b
        else:
            found[d] = c
    return found


class Customer(HttpUser):
    wait_time = between(0.5, 2.5)

    def on_start(self) -> None:
        self.client.headers.update(HEADERS)
        self.login = DATA["logins"][next(ACCOUNTS) % len(DATA["logins"])]
        self.csrf = None
        page = self.client.get("/login", name="login page")
        self.csrf = self._token(page.text)
        with self.client.post("/login", data={"login": self.login, "password": DATA["password"],
                                              "csrf_token": self.csrf},
                              name="log in", catch_response=True) as response:
            if "/logout" not in response.text:
                response.failure(f"not logged in as {self.login}: {response.status_code}")
        self.csrf = self._token(response.text) or self.csrf
        self.seen, self.carted, self.in_cart = [], set(), 0

    def _token(self, html: str) -> str | None:
        found = CSRF.search(html)
        return found.group(1) if found else self.csrf

    def _page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif "/logout" not in response.text:
                response.failure("the page does not show the customer logged in")
        self.csrf = self._token(response.text)
        return response.text

    @task(1)
    def home(self) -> None:
        self._page("/", "home")

    @task(4)
    def category(self) -> None:
        self._page(f"/c/{random.choice(DATA['categories'])}", "category")

    @task(4)
    def product(self) -> None:
        item = random.choice(DATA["buyable"] if random.random() < 0.7 else DATA["products"])
        self._page(f"/p/{item['slug']}", "product")
        if item in DATA["buyable"]:
            self.seen.append(item)

    @task(3)
    def search(self) -> None:
        self._page(f"/search?q={random.choice(DATA['words'])}", "search")

    @task(2)
    def add_to_cart(self) -> None:
        if self.in_cart >= 3:  # three lines stay below the cash-on-delivery limit
            self.checkout()
            return
        item = random.choice([i for i in self.seen if i["id"] not in self.carted] or DATA["buyable"])
        self.carted.add(item["id"])
        self.in_cart = len(self.carted)
        with self.client.post("/cart/add", data={"product_id": item["id"], "quantity": item["min"],
                                                 "next": f"/p/{item['slug']}", "csrf_token": self.csrf},
                              name="add to cart", catch_response=True) as response:
            if response.status_code != 200 or "/logout" not in response.text:
                response.failure(f"{response.status_code}")
        self.csrf = self._token(response.text)

    @task(1)
    def cart(self) -> None:
        self._page("/cart", "cart")

    @task(1)
    def checkout(self) -> None:
        with self.client.get("/checkout", name="checkout page", catch_response=True) as response:
            if "/checkout" not in response.url:
                response.success()  # an empty cart sends the customer back to it: nothing to buy yet
                return
            html = response.text
            self.csrf = self._token(html)
            fields, address = _hidden(html), ADDRESS.search(html)
            if response.status_code != 200 or "token" not in fields or address is None:
                response.failure(f"{response.status_code}: no checkout form")
                return
        form = {"csrf_token": self.csrf, "token": fields["token"], "quoted_total": fields.get("quoted_total", ""),
                "address_id": address.group(1), "method": "cod"}
        with self.client.post("/checkout", data=form, name="place order (COD)", catch_response=True) as placed:
            if placed.status_code != 200 or "/orders/" not in placed.url:
                placed.failure(f"{placed.status_code} at {placed.url}")
        self.seen, self.carted, self.in_cart = [], set(), 0
