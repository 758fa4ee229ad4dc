"""Who may use which seller route: one parametrized test per kind of visitor over EVERY seller-side and
official route (GET and POST). Each route carries a check of its effect, so an allowed POST is seen to
change something and a refused one is seen to change nothing."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.geo.models import Village
from marketplace.sellers.models import Member, MemberRole, Seller

from . import factories
from .conftest import login, post


@dataclass
class World:
    a: Seller
    b: Seller
    a_president: Any
    b_president: Any
    b_plain: Any  # an ordinary member of B (not an office-bearer)
    b_invited_id: int  # an invited member of B who has no account yet
    b_village_id: int


@pytest.fixture
def world(geo) -> World:
    a_pres, b_pres, b_plain = (factories.user(Role.SELLER) for _ in range(3))
    a = factories.seller(geo["Kahara"], members=[a_pres], verified=False, name="Group A")
    b = factories.seller(geo["Sattar Kataiya"], members=[b_pres, b_plain], verified=False, name="Group B")
    invited = Member(seller_id=b.id, name="Invited", mobile=factories.mobile(), role=MemberRole.MEMBER)
    db.session.add(invited)
    db.session.commit()
    village = db.session.scalar(select(Village.id).where(Village.block_id == b.block_id))
    return World(a, b, a_pres, b_pres, b_plain, invited.id, village)


def _seller(w: World, which: str = "b") -> Seller:
    db.session.expire_all()
    return db.session.get(Seller, getattr(w, which).id)


def _invited(w: World) -> Member:
    db.session.expire_all()
    return db.session.get(Member, w.b_invited_id)


@dataclass
class Route:
    method: str
    path: str  # {b}: group B's id, {m}: B's invited member
    data: Any = None  # w -> form data
    effect: Any = None  # w -> True once the POST has done its work

    def url(self, w: World, seller: str = "b") -> str:
        return self.path.format(b=getattr(w, seller).id, m=w.b_invited_id)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _details(w: World) -> dict:
    return {"kind": "shg", "name_hi": "", "name_en": "Renamed group", "block_id": w.b.block_id,
            "village_id": w.b_village_id, "federation_level": "", "federation_name": "", "nrlm_code": "",
            "formed_on": "", "story_hi": "", "story_en": ""}


SELLER_ROUTES = [
    Route("GET", "/shg/{b}"),
    Route("GET", "/shg/{b}/edit"),
    Route("POST", "/shg/{b}/edit", _details, lambda w: _seller(w).name_en == "Renamed group"),
    Route("GET", "/shg/{b}/members"),
    Route("POST", "/shg/{b}/members", lambda w: {"name": "Asha", "mobile": "9812345678", "role": "member"},
          lambda w: len(_seller(w).members) == 4),
    Route("POST", "/shg/{b}/members/{m}/role", lambda w: {"role": "treasurer"},
          lambda w: _invited(w).role == MemberRole.TREASURER),
    Route("POST", "/shg/{b}/members/{m}/deactivate", None, lambda w: not _invited(w).active),
    Route("GET", "/shg/{b}/bank"),
    Route("POST", "/shg/{b}/bank",
          lambda w: {"account_name": "Group B", "account_number": "123456789012", "confirm_number": "123456789012",
                     "ifsc": "SBIN0001234", "bank_name": ""},
          lambda w: _seller(w).bank_account is not None),
]
OFFICIAL_SELLER_ROUTES = [
    Route("GET", "/officials/sellers/{b}"),
    Route("POST", "/officials/sellers/{b}/verify", None, lambda w: _seller(w).status == "verified"),
    Route("POST", "/officials/sellers/{b}/reject", lambda w: {"reason": "The passbook copy is missing."},
          lambda w: _seller(w).status == "rejected"),
]
def _registration(w: World) -> dict:
    return {**_details(w), "name_en": "New group", "president_name": "Asha", "president_mobile": "9812345679"}


OTHER_ROUTES = [
    Route("GET", "/shg"),
    Route("GET", "/sellers/register"),
    Route("POST", "/sellers/register", _registration,
          lambda w: db.session.scalar(select(Seller.id).where(Seller.name_en == "New group")) is not None),
    Route("GET", "/officials/sellers"),
]
EVERY_ROUTE = SELLER_ROUTES + OFFICIAL_SELLER_ROUTES + OTHER_ROUTES
EDITING_ROUTES = [r for r in SELLER_ROUTES if r.method == "POST" or r.path.endswith(("/edit", "/bank"))]


def _call(client, route: Route, w: World, seller: str = "b"):
    url = route.url(w, seller)
    if route.method == "GET":
        return client.get(url)
    return post(client, url, route.data(w) if route.data else {})


def _as(client, user) -> None:
    assert login(client, user.login_name).status_code == 302


def _assert_allowed(response, route: Route, w: World) -> None:
    assert response.status_code in (200, 302), (str(route), response.status_code)
    if route.effect:
        assert route.effect(w), str(route)


def _assert_refused(response, route: Route, w: World) -> None:
    assert response.status_code == 403, (str(route), response.status_code)
    if route.effect:
        assert not route.effect(w), str(route)


@pytest.mark.parametrize("route", EVERY_ROUTE, ids=str)
def test_anonymous_is_sent_to_login(client, world, route):
    r = _call(client, route, world)
    assert r.status_code == 302
    target = urlsplit(r.headers["Location"])
    assert target.path == "/login" and "next=" in target.query
    if route.effect:
        assert not route.effect(world)


@pytest.mark.parametrize("route", SELLER_ROUTES + OFFICIAL_SELLER_ROUTES, ids=str)
def test_member_of_group_a_gets_403_on_group_b(client, world, route):
    _as(client, world.a_president)
    _assert_refused(_call(client, route, world), route, world)


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_president_of_group_b_may_use_its_pages(client, world, route):
    _as(client, world.b_president)
    _assert_allowed(_call(client, route, world), route, world)


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_ordinary_member_may_look_but_not_change(client, world, route):
    _as(client, world.b_plain)
    response = _call(client, route, world)
    if route in EDITING_ROUTES:
        _assert_refused(response, route, world)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_an_official_is_not_a_group_member(client, world, route):
    _as(client, factories.official(world.b.block, "block"))
    _assert_refused(_call(client, route, world), route, world)


@pytest.mark.parametrize("route", OFFICIAL_SELLER_ROUTES, ids=str)
def test_block_official_of_another_block_gets_403(client, world, route):
    _as(client, factories.official(world.a.block, "block"))  # Kahara; B is in Sattar Kataiya
    _assert_refused(_call(client, route, world), route, world)


@pytest.mark.parametrize("route", OFFICIAL_SELLER_ROUTES, ids=str)
def test_block_official_acts_in_own_block(client, world, route):
    _as(client, factories.official(world.a.block, "block"))
    response = _call(client, route, world, seller="a")
    assert response.status_code in (200, 302)
    if route.effect:  # the effects look at group B: show them group A in its place
        assert route.effect(World(**{**vars(world), "b": world.a}))


@pytest.mark.parametrize("route", OFFICIAL_SELLER_ROUTES, ids=str)
@pytest.mark.parametrize("level", ["district", "state"])
def test_district_and_state_officials_cover_every_block_below(client, world, route, level):
    _as(client, factories.official(world.a.block, level))  # scope taken from Kahara: Saharsa / Bihar
    _assert_allowed(_call(client, route, world), route, world)


@pytest.mark.parametrize("route", OFFICIAL_SELLER_ROUTES, ids=str)
def test_district_official_of_another_district_gets_403(client, world, geo, route):
    _as(client, factories.official(geo["Musahari"], "district"))  # Muzaffarpur
    _assert_refused(_call(client, route, world), route, world)


@pytest.mark.parametrize("route", EVERY_ROUTE, ids=str)
def test_admin_can_do_all(client, world, route):
    _as(client, factories.user(Role.ADMIN))
    _assert_allowed(_call(client, route, world), route, world)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.OPERATOR, Role.BUYER])
def test_only_customers_and_sellers_register_groups(client, world, role):
    kwargs = {"official_level": "block", "scope_id": world.a.block_id} if role == Role.OFFICIAL else {}
    _as(client, factories.user(role, **kwargs))
    assert client.get("/sellers/register").status_code == 403


def test_customers_may_not_open_official_pages(client, world):
    _as(client, factories.user(Role.CUSTOMER))
    assert client.get("/officials/sellers").status_code == 403
    assert client.get(f"/officials/sellers/{world.b.id}").status_code == 403
