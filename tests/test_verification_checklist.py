"""Officials verifying a group see a short checklist and a confirmation that says what happened; the group's
contacts hear the decision."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.sellers.models import BankAccount, Seller

from . import factories
from .conftest import login, post


def _checklist(html: str) -> str:
    return html[html.index('class="checklist"'):html.index("</ul>", html.index('class="checklist"'))]


def test_checklist_shows_what_is_in_order_and_what_is_missing(client, geo):
    president = factories.user("seller", name="Sita Devi")
    seller = factories.seller(geo["Kahara"], members=[president], verified=False, name="Kosi Mithila SHG")
    official = factories.official(geo["Kahara"])
    client.get("/?lang=en")
    login(client, official.login_name)
    checks = _checklist(client.get(f"/officials/sellers/{seller.id}").get_data(as_text=True))
    assert checks.count('class="missing"') == 4  # no documents, no bank, one member, no village
    assert "No bank account yet." in checks and "1 members, 1 of them on Haat; president: Sita Devi" in checks
    seller = db.session.get(Seller, seller.id)
    seller.nrlm_code = "BR-SAH-0042"
    db.session.add(BankAccount(seller_id=seller.id, account_name="Kosi Mithila SHG", account_number="123456789012",
                               ifsc="SBIN0001234"))
    db.session.commit()
    checks = _checklist(client.get(f"/officials/sellers/{seller.id}").get_data(as_text=True))
    assert "NRLM code BR-SAH-0042" in checks and "XXXX9012" in checks and "123456789012" not in checks
    assert checks.count('class="ok"') == 2 and checks.count('class="missing"') == 2


def test_the_confirmation_says_what_happened_and_the_group_is_told(client, geo):
    president = factories.user("seller", name="Sita Devi")
    seller = factories.seller(geo["Kahara"], members=[president], verified=False, name="Kosi Mithila SHG")
    client.get("/?lang=en")
    login(client, factories.official(geo["Kahara"]).login_name)
    r = post(client, f"/officials/sellers/{seller.id}/verify")
    page = client.get(r.location).get_data(as_text=True)
    assert "Kosi Mithila SHG is verified: its products can go on sale now, and the group has been told." in page
    assert "Saved." not in page
    r = post(client, f"/officials/sellers/{seller.id}/reject", {"reason": "The bank account is not the group's."})
    page = client.get(r.location).get_data(as_text=True)
    assert "Verification of Kosi Mithila SHG is withdrawn" in page
    db.session.expire_all()
    sent = list(db.session.execute(select(Message.kind, Message.to, Message.body).order_by(Message.id)))
    assert [(kind, to) for kind, to, _body in sent] == [("group_verified", president.mobile),
                                                         ("group_rejected", president.mobile)]
    assert "The bank account is not the group's." in sent[1][2]
