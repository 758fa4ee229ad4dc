"""Who may use the admin's packaging-house pages (issue 9 #4): only admins. Every route, GET and POST, as each
kind of visitor; an allowed POST is seen to change something, a refused one to change nothing."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.fulfilment.models import PackagingHouse

from . import factories
from .conftest import login, post


@dataclass
class World:
    house_id: int
    operator_id: int
    spare_operator: Any
    kahara_id: int


@pytest.fixture
def world(geo) -> World:
    operator, spare = factories.user(Role.OPERATOR), factories.user(Role.OPERATOR)
    house = factories.packaging_house(geo["Kahara"], operators=[operator])
    return World(house.id, operator.id, spare, geo["Kahara"].id)


def _house(w: World) -> PackagingHouse:
    db.session.expire_all()
    return db.session.get(PackagingHouse, w.house_id)


def _house_form(w: World, name: str) -> dict:
    return {"name_hi": "", "name_en": name, "block_id": w.kahara_id, "address_line": "Ward 2, Station Road, Saharsa",
            "pin_code": "852201", "phone": "9811000099", "active": "y"}


@dataclass
class Route:
    method: str
    path: str  # {h}: the house, {o}: its operator
    data: Any = None
    effect: Any = None

    def url(self, w: World) -> str:
        return self.path.format(h=w.house_id, o=w.operator_id)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/admin/houses/"),
    Route("GET", "/admin/houses/new"),
    Route("POST", "/admin/houses/new", lambda w: _house_form(w, "Second house"),
          lambda w: db.session.scalar(select(PackagingHouse.id).where(PackagingHouse.name_en == "Second house"))
          is not None),
    Route("GET", "/admin/houses/{h}"),
    Route("POST", "/admin/houses/{h}", lambda w: _house_form(w, "Renamed house"),
          lambda w: _house(w).name_en == "Renamed house"),
    Route("POST", "/admin/houses/{h}/operators", lambda w: {"login": w.spare_operator.mobile},
          lambda w: w.spare_operator.id in {u.id for u in houses.operators_of(_house(w))}),
    Route("POST", "/admin/houses/{h}/operators/{o}/remove", None,
          lambda w: w.operator_id not in {u.id for u in houses.operators_of(_house(w))}),
]


def _call(client, route: Route, w: World):
    url = route.url(w)
    if route.method == "GET":
        return client.get(url)
    return post(client, url, route.data(w) if route.data else {})


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_is_sent_to_login(client, world, route):
    r = _call(client, route, world)
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/login"
    if route.effect:
        assert not route.effect(world)


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.SELLER, Role.OPERATOR, Role.OFFICIAL, Role.BUYER])
def test_everyone_but_admins_gets_403(client, world, geo, route, role):
    user = factories.official(geo["Kahara"], "state") if role == Role.OFFICIAL else factories.user(role)
    if role == Role.OPERATOR:  # even the house's own operator
        user = db.session.get(type(world.spare_operator), world.operator_id)
    assert login(client, user.login_name).status_code == 302
    r = _call(client, route, world)
    assert r.status_code == 403, (str(route), r.status_code)
    if route.effect:
        assert not route.effect(world)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_admins_may(client, world, route):
    assert login(client, factories.user(Role.ADMIN).login_name).status_code == 302
    r = _call(client, route, world)
    assert r.status_code in (200, 302), (str(route), r.status_code)
    if route.effect:
        assert route.effect(world)


@pytest.mark.parametrize("path", ["/admin/houses/99999999999999999999", "/admin/houses/2147483647",
                                  "/admin/houses/{h}/operators/2147483647/remove"])
def test_missing_is_404(client, world, path):
    assert login(client, factories.user(Role.ADMIN).login_name).status_code == 302
    url = path.format(h=world.house_id)
    r = post(client, url) if url.endswith("remove") else client.get(url)
    assert r.status_code == 404
