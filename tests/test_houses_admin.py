"""Issue 9 #4: admins create and edit packaging houses and their operators on pages (the CLI still works);
addresses are checked (PIN code in the block's state, a real phone number); nothing is dispatched, and no
label printed, from a house without a real address and phone; houses made automatically carry no guessed
address (before, the Kahara label returned to a Patna PIN)."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.fulfilment.errors import FulfilmentError
from marketplace.fulfilment.models import HouseBlock, HouseOperator, PackagingHouse

from . import factories
from .conftest import login, post
from .test_fulfilment import build_world, hand_over, part_of, ready_order


@pytest.fixture
def admin(client, geo):
    user = factories.user(Role.ADMIN)
    login(client, user.login_name)
    client.get("/?lang=en")
    return user


def _form(geo, **changes) -> dict:
    return {"name_hi": "पैकिंग केंद्र कहरा", "name_en": "Packaging house Kahara", "block_id": geo["Kahara"].id,
            "address_line": "Near Block office, Kahara, Saharsa", "pin_code": "852 201", "phone": "06478-223344",
            "serves": [geo["Sattar Kataiya"].id], "active": "y", **changes}


def test_an_admin_creates_a_house_and_it_serves_its_blocks(client, geo, admin):
    r = post(client, "/admin/houses/new", _form(geo))
    assert r.status_code == 302
    house = db.session.scalar(select(PackagingHouse))
    assert (house.address_line, house.pin_code, house.phone, house.district, house.state_code) == (
        "Near Block office, Kahara, Saharsa", "852201", "+916478223344", "Saharsa", "BR")
    assert sorted(houses.served_block_ids(house.id)) == sorted([geo["Kahara"].id, geo["Sattar Kataiya"].id])
    assert houses.address_problem(house) is None
    page = client.get("/admin/houses/").get_data(as_text=True)
    assert "Packaging house Kahara" in page and "852201" in page


@pytest.mark.parametrize("field,value", [
    ("pin_code", "12345"), ("pin_code", "012345"), ("pin_code", "110001"),  # Delhi's, not Bihar's
    ("phone", "12345"), ("phone", "99999999999999999999"), ("address_line", "abc"), ("address_line", ""),
    ("block_id", "99999999999999999999"), ("block_id", ""), ("serves", ["99999999999999999999"]),
])
def test_bad_addresses_are_422_with_the_field_marked_and_nothing_saved(client, geo, admin, field, value):
    r = post(client, "/admin/houses/new", _form(geo, **{field: value}))
    assert r.status_code == 422
    assert 'aria-invalid="true"' in r.get_data(as_text=True)
    assert db.session.scalar(select(PackagingHouse)) is None


def test_an_admin_edits_the_address_and_the_blocks_served(client, geo, admin):
    house = factories.packaging_house(geo["Kahara"], serves=(geo["Sattar Kataiya"].id,))
    r = post(client, f"/admin/houses/{house.id}", _form(geo, address_line="Ward 4, Station Road, Saharsa",
                                                         pin_code="852201", serves=[geo["Sonbarsa"].id]))
    assert r.status_code == 302
    db.session.expire_all()
    house = db.session.get(PackagingHouse, house.id)
    assert house.address_line == "Ward 4, Station Road, Saharsa"
    assert sorted(houses.served_block_ids(house.id)) == sorted([geo["Kahara"].id, geo["Sonbarsa"].id])


def test_operators_are_added_new_or_existing_and_removed(client, geo, admin):
    house = factories.packaging_house(geo["Kahara"])
    existing = factories.user(Role.OPERATOR)
    customer = factories.user(Role.CUSTOMER)
    assert post(client, f"/admin/houses/{house.id}/operators", {"login": existing.mobile}).status_code == 302
    r = post(client, f"/admin/houses/{house.id}/operators", {"login": customer.mobile})
    assert r.status_code == 422 and "not an operator" in r.get_data(as_text=True)
    r = post(client, f"/admin/houses/{house.id}/operators", {"login": "9812300011"})
    assert r.status_code == 422  # a new account needs a name and a first password
    r = post(client, f"/admin/houses/{house.id}/operators",
             {"login": "9812300011", "name": "Ramesh Yadav", "password": "pack-house-2026"})
    assert r.status_code == 302
    names = {u.name for u in houses.operators_of(house)}
    assert names == {existing.name, "Ramesh Yadav"}
    new = next(u for u in houses.operators_of(house) if u.name == "Ramesh Yadav")
    assert new.role == Role.OPERATOR
    assert post(client, f"/admin/houses/{house.id}/operators/{new.id}/remove").status_code == 302
    assert {u.name for u in houses.operators_of(house)} == {existing.name}
    assert post(client, f"/admin/houses/{house.id}/operators/{new.id}/remove").status_code == 404


def test_houses_made_for_every_block_carry_no_guessed_address(app, geo):
    assert houses.ensure_house_per_block() == len(geo)
    for house in db.session.scalars(select(PackagingHouse)):
        assert (house.address_line, house.phone, house.pin_code) == ("", None, houses.UNKNOWN_PIN)
        assert houses.address_problem(house) is not None


def test_no_dispatch_and_no_label_from_a_house_without_a_real_address(app, client, geo):
    world = build_world(geo)
    house = world.houses[0]
    order = ready_order(app, world)
    shipment_id = hand_over(app, world, part_of(order, world.sellers[0])).shipment_id
    db.session.execute(PackagingHouse.__table__.update().where(PackagingHouse.id == house.id)
                       .values(address_line="", pin_code=houses.UNKNOWN_PIN, phone=None))
    db.session.commit()
    from marketplace.fulfilment import services as fulfilment

    with app.test_request_context():
        shipment = fulfilment.get_shipment(shipment_id)
        form = {"weight_g": "1200", "length_cm": "30", "width_cm": "20", "height_cm": "10"}
        form.update({f"qty-{row.line.id}": str(row.left) for row in fulfilment.pack_rows(shipment)})
        fulfilment.add_parcel(world.operators[0], shipment, form)
        fulfilment.finish_packing(world.operators[0], fulfilment.get_shipment(shipment_id))
        parcel_id = fulfilment.get_shipment(shipment_id).parcels[0].id
    login(client, world.operators[0].mobile)
    client.get("/?lang=en")
    r = post(client, f"/house/shipments/{shipment_id}/dispatch", {"courier": "India Post",
                                                                  "tracking_number": "EK123456789IN"})
    assert r.status_code == 409 and "no full address and phone number" in r.get_data(as_text=True)
    assert client.get(f"/house/parcels/{parcel_id}/label.pdf").status_code == 409
    with app.test_request_context(), pytest.raises(FulfilmentError):
        fulfilment.dispatch(world.operators[0], fulfilment.get_shipment(shipment_id), "India Post", "EK1234567IN")
    # the admin enters the real address; now it goes
    db.session.execute(PackagingHouse.__table__.update().where(PackagingHouse.id == house.id)
                       .values(address_line="Near Block office, Kahara", pin_code="852201", phone="+916478223344"))
    db.session.commit()
    assert client.get(f"/house/parcels/{parcel_id}/label.pdf").status_code == 200
    r = post(client, f"/house/shipments/{shipment_id}/dispatch", {"courier": "India Post",
                                                                  "tracking_number": "EK123456789IN"})
    assert r.status_code == 302


def test_the_cli_still_adds_operators(app, geo):
    house = factories.packaging_house(geo["Kahara"])
    operator = factories.user(Role.OPERATOR)
    result = app.test_cli_runner().invoke(args=["fulfilment", "add-operator", operator.mobile, str(house.id)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(HouseOperator).where(HouseOperator.user_id == operator.id)) is not None
    assert db.session.scalar(select(HouseBlock).where(HouseBlock.house_id == house.id)) is not None


@pytest.mark.parametrize("text,phone", [("98110 00002", "+919811000002"), ("+91 98110-00002", "+919811000002"),
                                        ("06478-223344", "+916478223344"), ("(0612) 222 3344", "+916122223344"),
                                        ("12345", None), ("0000000000", None), ("", None)])
def test_phone_numbers(text, phone):
    assert houses.normalise_phone(text) == phone


def test_demo_houses_get_real_looking_addresses_of_their_own_block(app, geo):
    from marketplace.demo.houses import fill_house_addresses
    from marketplace.orders import india

    houses.set_up_demo()
    assert fill_house_addresses() == len(geo)
    for house in db.session.scalars(select(PackagingHouse)):
        assert houses.address_problem(house) is None
        assert india.pin_matches_state(house.pin_code, house.state_code)
    kahara = houses.house_for_block(geo["Kahara"].id)
    assert kahara.pin_code.startswith("852")  # Saharsa's, not Patna's 800001
    assert fill_house_addresses() == 0  # idempotent; an address an admin entered is kept
