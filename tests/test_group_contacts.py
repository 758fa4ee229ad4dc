"""Messages to a group go to its chosen contacts (the president when nobody is chosen), not to every member."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.sellers.models import Member, MemberRole

from . import factories
from .conftest import login, post
from .e2e import shop as shopping


def _group_messages(kind: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message.to).where(Message.kind == kind).order_by(Message.id)))


def _add_members(seller, n: int) -> list[Member]:
    members = [Member(seller_id=seller.id, name=f"Didi {i}", mobile=f"+9198110{i:05d}", role=MemberRole.MEMBER)
               for i in range(n)]
    db.session.add_all(members)
    db.session.commit()
    return members


def test_a_new_order_queues_one_message_for_a_group_of_dozens(app, geo):
    shop = shopping.build(geo, stock=5)
    _add_members(shop.sellers[0], 30)
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    shopping.place(app, shop.customer)
    assert _group_messages("new_order") == [shop.members[0].mobile]  # the president only


def test_the_group_chooses_who_gets_messages(app, client, geo):
    shop = shopping.build(geo, stock=5)
    seller, president = shop.sellers[0], shop.members[0]
    secretary, *_ = _add_members(seller, 3)
    secretary.role = MemberRole.SECRETARY
    db.session.commit()
    client.get("/?lang=en")
    login(client, president.mobile)
    url = f"/shg/{seller.id}/members/{secretary.id}/messages"
    assert post(client, url, {"on": "1"}).status_code == 302
    html = client.get(f"/shg/{seller.id}/members?lang=en").get_data(as_text=True)
    assert html.count("Gets order messages") == 1
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    shopping.place(app, shop.customer)
    assert _group_messages("new_order") == [secretary.mobile]  # the chosen one instead of the president
    assert post(client, url, {"on": "0"}).status_code == 302
    shopping.fill(app, shop.customer, [(shop.products[2], 1)])
    shopping.place(app, shop.customer)
    assert _group_messages("new_order") == [secretary.mobile, president.mobile]  # nobody chosen: the president


def test_only_the_groups_office_bearers_choose(app, client, geo):
    shop = shopping.build(geo, stock=5)
    seller = shop.sellers[0]
    plain = shopping.quick_user("seller", name="Plain member")
    db.session.add(Member(seller_id=seller.id, user_id=plain.id, name=plain.name, mobile=plain.mobile,
                          role=MemberRole.MEMBER))
    db.session.commit()
    target = db.session.scalar(select(Member).where(Member.user_id == plain.id))
    url = f"/shg/{seller.id}/members/{target.id}/messages"
    login(client, plain.mobile)
    assert post(client, url, {"on": "1"}).status_code == 403
    other = app.test_client()
    login(other, shop.members[1].mobile)  # the president of another group
    assert post(other, url, {"on": "1"}).status_code == 403
    assert post(other, f"/shg/{shop.sellers[1].id}/members/{target.id}/messages", {"on": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Member, target.id).gets_messages is False
    assert factories.PASSWORD
