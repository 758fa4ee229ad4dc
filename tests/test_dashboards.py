import pytest

from marketplace.accounts.models import Role

from . import factories
from .conftest import login


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.SELLER, Role.OPERATOR, Role.BUYER, Role.ADMIN])
def test_every_role_lands_on_its_dashboard(client, ctx, role):
    u = factories.user(role)
    assert login(client, u.mobile).headers["Location"].endswith("/me")
    assert client.get("/me?lang=en").status_code == 200


def test_anonymous_users_are_sent_to_login(client):
    r = client.get("/me")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


def test_seller_sees_own_groups_only(client, geo):
    alice, bob = factories.user(Role.SELLER), factories.user(Role.SELLER)
    factories.seller(geo["Kahara"], members=[alice], name="Alice Mask SHG")
    factories.seller(geo["Kahara"], members=[bob], name="Bob Leather SHG")
    login(client, alice.mobile)
    html = client.get("/me?lang=en").get_data(as_text=True)
    assert "Alice Mask SHG" in html and "Bob Leather SHG" not in html
    assert "/seller/products" in html


def test_block_official_sees_counts_of_own_block_only(client, geo):
    official = factories.official(geo["Kahara"])
    factories.seller(geo["Kahara"], verified=False)
    factories.seller(geo["Kahara"], verified=True)
    factories.seller(geo["Mahishi"], verified=False)
    login(client, official.mobile)
    html = client.get("/me?lang=en").get_data(as_text=True)
    assert "Waiting for verification: 1" in html and "Verified: 1" in html
