"""Seller organisations: registration, members and invites, bank account, verification, bad input."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role, User
from marketplace.core.states import IllegalTransition
from marketplace.extensions import db
from marketplace.geo.models import Village
from marketplace.sellers import services
from marketplace.sellers.models import (
    BankAccount,
    Member,
    MemberRole,
    Seller,
    Verification,
    VerificationEvent,
)

from . import factories
from .conftest import csrf_token, login, post


def _village(block, name: str | None = None) -> Village:
    stmt = select(Village).where(Village.block_id == block.id).order_by(Village.name_en)
    if name:
        stmt = stmt.where(Village.name_en == name)
    return db.session.scalars(stmt).first()


def _form(geo, **over) -> dict:
    kahara = geo["Kahara"]
    data = {"kind": "shg", "name_hi": "लक्ष्मी महिला समूह", "name_en": "", "block_id": kahara.id,
            "village_id": _village(kahara, "Bangaon").id, "federation_level": "vo", "federation_name": "Kahara VO",
            "nrlm_code": "", "formed_on": "2019-08-15", "story_hi": "हम मखाना बनाते हैं।", "story_en": "",
            "president_name": "Sita Devi", "president_mobile": "9876543210"}
    return {**data, **over}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _logged_in(client, role=Role.CUSTOMER, **kwargs) -> User:
    user = factories.user(role, **kwargs)
    assert login(client, user.login_name).status_code == 302
    return user


def _group(geo, client, block="Kahara", **kwargs):
    """A verified group with a logged-in president."""
    president = _logged_in(client, Role.SELLER)
    return factories.seller(geo[block], members=[president], **kwargs), president


# ---------------------------------------------------------------- registration

def test_registering_makes_a_pending_group_with_the_user_as_president(client, geo):
    user = _logged_in(client)
    r = post(client, "/sellers/register", _form(geo))
    assert r.status_code == 302
    seller = db.session.scalar(select(Seller))
    assert urlsplit(r.headers["Location"]).path == f"/shg/{seller.id}"
    assert seller.status == Verification.PENDING and seller.verified_at is None
    assert seller.slug == "lakshmi-mahila-samuh"
    assert (seller.federation_level, seller.formed_on.isoformat()) == ("vo", "2019-08-15")
    [member] = seller.members
    assert (member.user_id, member.role, member.mobile) == (user.id, MemberRole.PRESIDENT, "+919876543210")
    [event] = seller.history
    assert (event.from_state, event.to_state, event.actor_id) == (None, Verification.PENDING, user.id)
    assert _fresh(User, user.id).role == Role.SELLER
    page = client.get(f"/shg/{seller.id}?lang=en").get_data(as_text=True)
    assert "लक्ष्मी महिला समूह" in page and "Waiting for verification" in page


def test_the_form_groups_blocks_by_district_and_villages_by_block(client, geo):
    _logged_in(client, login="9123456780")
    html = client.get("/sellers/register?lang=en").get_data(as_text=True)
    blocks = re.search(r'<select[^>]* id="block_id".*?</select>', html, re.S).group(0)
    saharsa = re.search(r'<optgroup label="Saharsa">(.*?)</optgroup>', blocks, re.S).group(1)
    assert f'<option value="{geo["Kahara"].id}">Kahara</option>' in saharsa and "Musahari" not in saharsa
    villages = re.search(r'<select[^>]* id="village_id".*?</select>', html, re.S).group(0)
    kahara = re.search(r'<optgroup label="Kahara">(.*?)</optgroup>', villages, re.S).group(1)
    assert ">Bangaon</option>" in kahara and ">Chainpur</option>" in kahara and ">Sattar</option>" not in kahara
    assert 'value="+919123456780"' in html  # the president's details default to the user's


@pytest.mark.parametrize("name_en,name_hi,slug", [
    ("Jeevika Didi Group", "", "jeevika-didi-group"),
    ("", "जय माँ दुर्गा स्वयं सहायता समूह", "jay-man-durga-svayam-sahayata-samuh"),
    ("", "ज़री कढ़ाई", "zari-karhai"),
    ("<b>Śānti</b>", "शांति", "b-santi-b"),
    ("", "★★★", "group"),
    ("Register", "", "register-2"),
])
def test_slugs_are_latin_letters(ctx, name_en, name_hi, slug):
    assert services.unique_slug(name_en, name_hi) == slug


def test_slugs_are_made_unique(client, geo):
    _logged_in(client)
    for _ in range(3):
        assert post(client, "/sellers/register", _form(geo, name_en="Jeevika Didi")).status_code == 302
    slugs = db.session.scalars(select(Seller.slug).order_by(Seller.id)).all()
    assert slugs == ["jeevika-didi", "jeevika-didi-2", "jeevika-didi-3"]


def _bad_registrations(geo) -> list:
    future = (services.today_in_india() + timedelta(days=1)).isoformat()
    return [
        ({"village_id": _village(geo["Sattar Kataiya"]).id}, "village_id", "not in the chosen block"),
        ({"formed_on": future}, "formed_on", "cannot be in the future"),
        ({"formed_on": "15/08/2019"}, "formed_on", "Enter a date such as"),
        ({"name_hi": "", "name_en": ""}, "name_hi", "in Hindi or in English"),
        ({"name_hi": "क" * 121}, "name_hi", "at most 120 characters"),
        ({"name_en": "x" * 121}, "name_en", "at most 120 characters"),
        ({"federation_name": "y" * 121}, "federation_name", "at most 120 characters"),
        ({"story_en": "z" * 2001}, "story_en", "at most 2000 characters"),
        ({"president_mobile": "12345"}, "president_mobile", "10-digit Indian mobile number"),
        ({"president_name": ""}, "president_name", "Please fill this in"),
        ({"block_id": ""}, "block_id", "Choose your block"),
        ({"block_id": "99999"}, "block_id", "Choose one of the options"),
        ({"block_id": "abc"}, "block_id", "Choose one of the options"),
        ({"kind": "company"}, "kind", "Choose one of the options"),
        ({"federation_level": ""}, "federation_level", "village organisation or a cluster-level federation"),
        ({"nrlm_code": "AB <12>"}, "nrlm_code", "only letters, digits"),
    ]


@pytest.mark.parametrize("case", range(16))
def test_bad_registrations_get_a_message_and_save_nothing(client, geo, case):
    over, field, message = _bad_registrations(geo)[case]
    user = _logged_in(client)
    client.get("/?lang=en")
    r = post(client, "/sellers/register", _form(geo, **over))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in html
    assert f'id="{field}-err"' in html  # the message sits next to its field
    assert (_count(Seller), _count(Member), _count(VerificationEvent)) == (0, 0, 0)
    assert _fresh(User, user.id).role == Role.CUSTOMER


def test_nrlm_code_is_unique(client, geo):
    _logged_in(client)
    assert post(client, "/sellers/register", _form(geo, nrlm_code="br-sah-001")).status_code == 302
    assert db.session.scalar(select(Seller.nrlm_code)) == "BR-SAH-001"
    r = post(client, "/sellers/register?lang=en", _form(geo, nrlm_code="BR-SAH-001", name_en="Other"))
    assert r.status_code == 422 and "already registered" in r.get_data(as_text=True)
    assert _count(Seller) == 1


def test_html_in_names_is_shown_escaped(client, geo):
    _logged_in(client)
    post(client, "/sellers/register", _form(geo, name_en="<script>alert(1)</script>", name_hi=""))
    seller = db.session.scalar(select(Seller))
    assert seller.name_en == "<script>alert(1)</script>"  # kept as typed, escaped when shown
    official = factories.official(geo["Kahara"])
    pages = [client.get(f"/shg/{seller.id}?lang=en"), client.get("/shg")]
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, official.login_name)
    pages += [client.get("/officials/sellers"), client.get(f"/officials/sellers/{seller.id}")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_wrong_csrf_token_is_400_and_nothing_saved(client, geo):
    _logged_in(client)
    r = client.post("/sellers/register", data={**_form(geo), "csrf_token": "forged"})
    assert r.status_code == 400
    assert _count(Seller) == 0


def test_messages_come_in_hindi_when_hindi_is_chosen(client, geo):
    _logged_in(client)
    client.get("/?lang=hi")
    future = (services.today_in_india() + timedelta(days=30)).isoformat()
    r = post(client, "/sellers/register", _form(geo, formed_on=future))
    assert r.status_code == 422
    assert "गठन की तारीख आगे की नहीं हो सकती" in r.get_data(as_text=True)
    assert _count(Seller) == 0


# ---------------------------------------------------------------- editing and verification

def test_editing_a_rejected_group_sends_it_back_for_verification(client, geo):
    seller, president = _group(geo, client, verified=False)
    services.reject(seller, factories.official(geo["Kahara"]), "Photo of the register is missing")
    html = client.get(f"/shg/{seller.id}?lang=en").get_data(as_text=True)
    assert "Photo of the register is missing" in html
    form = _form(geo, name_en="Corrected")
    r = post(client, f"/shg/{seller.id}/edit", form)
    assert r.status_code == 302
    seller = _fresh(Seller, seller.id)
    assert (seller.status, seller.name_en, seller.status_reason) == (Verification.PENDING, "Corrected", None)
    assert [(e.from_state, e.to_state, e.actor_id) for e in seller.history][-1] == \
        (Verification.REJECTED, Verification.PENDING, president.id)


def test_a_verified_group_stays_verified_when_edited_but_cannot_move_block(client, geo):
    seller, _ = _group(geo, client)
    assert post(client, f"/shg/{seller.id}/edit", _form(geo, story_en="We make makhana.")).status_code == 302
    assert _fresh(Seller, seller.id).status == Verification.VERIFIED
    sattar = geo["Sattar Kataiya"]
    r = post(client, f"/shg/{seller.id}/edit?lang=en", _form(geo, block_id=sattar.id, village_id=_village(sattar).id))
    assert r.status_code == 422 and "cannot move to another block" in r.get_data(as_text=True)
    assert _fresh(Seller, seller.id).block_id == geo["Kahara"].id


def test_block_official_verifies_and_everything_is_recorded(client, geo):
    seller = factories.seller(geo["Kahara"], verified=False)
    official = factories.official(geo["Kahara"])
    login(client, official.login_name)
    assert post(client, f"/officials/sellers/{seller.id}/verify").status_code == 302
    seller = _fresh(Seller, seller.id)
    assert seller.status == Verification.VERIFIED and seller.verified_at is not None
    [event] = seller.history
    assert (event.actor_id, event.from_state, event.to_state) == (official.id, "pending", "verified")
    html = client.get(f"/officials/sellers/{seller.id}?lang=en").get_data(as_text=True)
    assert official.name in html and "Withdraw verification" in html
    r = post(client, f"/officials/sellers/{seller.id}/verify?lang=en")
    assert r.status_code == 409 and "not possible" in r.get_data(as_text=True)
    assert len(_fresh(Seller, seller.id).history) == 1


@pytest.mark.parametrize("reason,message", [("", "Write why the group is rejected"),
                                            ("   ", "Write why the group is rejected"),
                                            ("x" * 501, "at most 500 characters")])
@pytest.mark.parametrize("verified", [False, True])
def test_rejection_and_withdrawal_need_a_reason(client, geo, reason, message, verified):
    seller = factories.seller(geo["Kahara"], verified=verified)
    login(client, factories.official(geo["Kahara"]).login_name)
    r = post(client, f"/officials/sellers/{seller.id}/reject?lang=en", {"reason": reason})
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    seller = _fresh(Seller, seller.id)
    assert seller.status == (Verification.VERIFIED if verified else Verification.PENDING) and not seller.history


def test_withdrawing_verification_clears_verified_at(client, geo):
    seller = factories.seller(geo["Kahara"], verified=True)
    login(client, factories.official(geo["Kahara"], "district").login_name)
    assert post(client, f"/officials/sellers/{seller.id}/reject", {"reason": "Not an SHG"}).status_code == 302
    seller = _fresh(Seller, seller.id)
    assert (seller.status, seller.status_reason, seller.verified_at) == ("rejected", "Not an SHG", None)
    assert [(e.from_state, e.to_state, e.reason) for e in seller.history] == [("verified", "rejected", "Not an SHG")]
    assert services.get_public_seller(seller.slug) is None


def test_services_refuse_officials_out_of_scope_and_illegal_moves(ctx, geo):
    seller = factories.seller(geo["Sattar Kataiya"], verified=False)
    with pytest.raises(services.NotAllowed):
        services.verify(seller, factories.official(geo["Kahara"]))
    with pytest.raises(services.NotAllowed):
        services.verify(seller, factories.user(Role.SELLER))
    official = factories.official(geo["Sattar Kataiya"])
    services.reject(seller, official, "Wrong block")
    with pytest.raises(IllegalTransition):
        services.verify(seller, official)
    assert _fresh(Seller, seller.id).status == Verification.REJECTED


def test_a_decision_on_a_stale_page_does_not_overwrite_a_newer_one(ctx, geo):
    seller = factories.seller(geo["Kahara"], verified=False)
    official = factories.official(geo["Kahara"])
    assert seller.status == Verification.PENDING  # what this official's page shows
    with db.engine.begin() as other:  # meanwhile another official verifies the group
        other.execute(update(Seller).where(Seller.id == seller.id).values(status=Verification.VERIFIED))
    with pytest.raises(services.SellerError):
        services.reject(seller, official, "late")
    assert (_fresh(Seller, seller.id).status, _count(VerificationEvent)) == (Verification.VERIFIED, 0)


def test_officials_see_their_scope_pending_first_and_can_filter(client, geo):
    verified = factories.seller(geo["Kahara"], verified=True, name="Old Kahara group")
    pending = factories.seller(geo["Kahara"], verified=False, name="New Kahara group")
    factories.seller(geo["Sattar Kataiya"], verified=False, name="Sattar group")
    factories.seller(geo["Musahari"], verified=False, name="Musahari group")
    block, district, state = (factories.official(geo["Kahara"], lvl) for lvl in ("block", "district", "state"))
    names = lambda user, status=None: [s.name_en for s in services.sellers_in_scope(user, status).items]  # noqa: E731
    assert names(block) == [pending.name_en, verified.name_en]
    assert set(names(district)) == {"Old Kahara group", "New Kahara group", "Sattar group"}
    assert set(names(state)) == set(names(district)) | {"Musahari group"}
    assert names(block, "verified") == ["Old Kahara group"]
    assert names(factories.user(Role.CUSTOMER)) == []
    login(client, block.login_name)
    html = client.get("/officials/sellers?status=pending&lang=en").get_data(as_text=True)
    assert "New Kahara group" in html and "Old Kahara group" not in html and "Sattar group" not in html


# ---------------------------------------------------------------- members and invites

def _invite(client, seller, **over):
    return post(client, f"/shg/{seller.id}/members?lang=en",
                {"name": "Asha Devi", "mobile": "98123 45678", "role": "member", **over})


def test_invited_member_joins_when_signing_up_with_that_number(client, geo, app):
    seller, _ = _group(geo, client)
    assert _invite(client, seller).status_code == 302
    member = db.session.scalar(select(Member).where(Member.mobile == "+919812345678"))
    assert member.user_id is None and member.active
    other = app.test_client()
    r = post(other, "/signup", {"name": "Asha", "login": "9812345678", "password": "mera-password",
                                "confirm": "mera-password"})
    assert r.status_code == 302
    asha = db.session.scalar(select(User).where(User.mobile == "+919812345678"))
    assert _fresh(Member, member.id).user_id == asha.id and asha.role == Role.SELLER
    assert other.get(f"/shg/{seller.id}").status_code == 200


def test_invited_member_joins_when_logging_in(client, geo, app):
    seller, _ = _group(geo, client)
    _invite(client, seller, mobile="9812345670")
    asha = factories.user(login="9812345670")  # an account made elsewhere, before any login
    other = app.test_client()
    assert login(other, "9812345670").status_code == 302
    assert _fresh(User, asha.id).role == Role.SELLER
    assert other.get(f"/shg/{seller.id}").status_code == 200
    assert services.claim_invites(_fresh(User, asha.id)) == 0  # nothing left to claim


def test_an_existing_account_is_linked_at_once(client, geo):
    existing = factories.user(login="9812345671")
    seller, _ = _group(geo, client)
    assert _invite(client, seller, mobile="+91 98123 45671").status_code == 302
    assert db.session.scalar(select(Member.user_id).where(Member.mobile == "+919812345671")) == existing.id
    assert _fresh(User, existing.id).role == Role.SELLER


@pytest.mark.parametrize("over,message", [
    ({"mobile": "12345"}, "10-digit Indian mobile number"),
    ({"mobile": "5812345678"}, "10-digit Indian mobile number"),
    ({"name": ""}, "Please fill this in"),
    ({"name": "n" * 121}, "at most 120 characters"),
    ({"role": "president"}, "Choose one of the options"),
])
def test_bad_invites_get_a_message_and_save_nothing(client, geo, over, message):
    seller, _ = _group(geo, client)
    r = _invite(client, seller, **over)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert _count(Member) == 1


def test_every_mistake_in_an_invite_is_shown_at_once(client, geo):
    seller, _ = _group(geo, client)
    html = _invite(client, seller, name="", mobile="12").get_data(as_text=True)
    assert 'id="name-err"' in html and 'id="mobile-err"' in html


def test_a_forged_csrf_token_on_an_invite_is_400(client, geo):
    seller, _ = _group(geo, client)
    r = client.post(f"/shg/{seller.id}/members", data={"name": "Asha", "mobile": "9812345678", "role": "member",
                                                       "csrf_token": "forged"})
    assert r.status_code == 400 and _count(Member) == 1


def test_a_mobile_appears_once_per_group(client, geo):
    seller, president = _group(geo, client)
    assert _invite(client, seller).status_code == 302
    r = _invite(client, seller, mobile="+91-98123-45678", name="Someone else")
    assert r.status_code == 422 and "already in the group" in r.get_data(as_text=True)
    r = _invite(client, seller, mobile=president.mobile)
    assert r.status_code == 422
    assert _count(Member) == 2
    second = factories.seller(geo["Kahara"], members=[president])  # the same person may be in another group
    assert _invite(client, second).status_code == 302
    assert _count(Member) == 4


def test_invite_message_in_hindi(client, geo):
    seller, _ = _group(geo, client)
    client.get("/?lang=hi")
    r = post(client, f"/shg/{seller.id}/members", {"name": "आशा", "mobile": "123", "role": "member"})
    assert r.status_code == 422 and "10 अंकों का भारतीय मोबाइल नंबर" in r.get_data(as_text=True)
    assert _count(Member) == 1


def test_presidency_is_handed_over_never_doubled(client, geo):
    secretary = factories.user(Role.SELLER)
    seller, president = _group(geo, client)
    db.session.add(Member(seller_id=seller.id, user_id=secretary.id, name="Secretary", mobile=secretary.mobile,
                          role=MemberRole.SECRETARY))
    db.session.commit()
    member_of = {m.user_id: m.id for m in _fresh(Seller, seller.id).members}
    url = f"/shg/{seller.id}/members/{{}}/role?lang=en"
    r = post(client, url.format(member_of[president.id]), {"role": "member"})
    assert r.status_code == 422 and "Make another member president" in r.get_data(as_text=True)
    assert post(client, url.format(member_of[secretary.id]), {"role": "president"}).status_code == 302
    roles = {m.user_id: m.role for m in _fresh(Seller, seller.id).members}
    assert roles == {president.id: MemberRole.MEMBER, secretary.id: MemberRole.PRESIDENT}
    # the old president is now an ordinary member and may no longer manage members
    assert post(client, url.format(member_of[secretary.id]), {"role": "member"}).status_code == 403


def test_a_secretary_cannot_take_the_presidency(client, geo):
    president = factories.user(Role.SELLER)
    secretary = _logged_in(client, Role.SELLER)
    seller = factories.seller(geo["Kahara"], members=[president, secretary])
    db.session.execute(update(Member).where(Member.user_id == secretary.id).values(role=MemberRole.SECRETARY))
    db.session.commit()
    mine = db.session.scalar(select(Member.id).where(Member.user_id == secretary.id))
    r = post(client, f"/shg/{seller.id}/members/{mine}/role?lang=en", {"role": "president"})
    assert r.status_code == 422 and "Only the president" in r.get_data(as_text=True)
    assert services.acting_role(_fresh(User, president.id), seller.id) == MemberRole.PRESIDENT
    assert _invite(client, seller).status_code == 302  # but a secretary does invite


def test_the_database_refuses_a_second_president(ctx, geo):
    seller = factories.seller(geo["Kahara"], members=[factories.user(Role.SELLER)])
    db.session.add(Member(seller_id=seller.id, name="Two", mobile=factories.mobile(), role=MemberRole.PRESIDENT))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_only_a_joined_member_can_become_president(client, geo):
    seller, _ = _group(geo, client)
    _invite(client, seller)
    invited = db.session.scalar(select(Member).where(Member.user_id.is_(None)))
    r = post(client, f"/shg/{seller.id}/members/{invited.id}/role?lang=en", {"role": "president"})
    assert r.status_code == 422 and "joined Haat" in r.get_data(as_text=True)
    assert _fresh(Member, invited.id).role == MemberRole.MEMBER


def test_a_removed_member_loses_access_and_can_be_invited_back(client, geo, app):
    seller, _ = _group(geo, client)
    asha = factories.user(Role.SELLER, login="9812345678")
    _invite(client, seller)
    member = db.session.scalar(select(Member).where(Member.user_id == asha.id))
    other = app.test_client()
    login(other, "9812345678")
    assert other.get(f"/shg/{seller.id}").status_code == 200
    assert post(client, f"/shg/{seller.id}/members/{member.id}/deactivate").status_code == 302
    assert other.get(f"/shg/{seller.id}").status_code == 403
    assert services.member_count(seller.id) == 1
    assert _invite(client, seller, role="treasurer").status_code == 302
    member = _fresh(Member, member.id)
    assert member.active and member.role == MemberRole.TREASURER and _count(Member) == 2


def test_the_president_cannot_be_removed(client, geo):
    seller, president = _group(geo, client)
    member_id = db.session.scalar(select(Member.id).where(Member.user_id == president.id))
    r = post(client, f"/shg/{seller.id}/members/{member_id}/deactivate?lang=en")
    assert r.status_code == 422 and "cannot be removed" in r.get_data(as_text=True)
    assert _fresh(Member, member_id).active


def test_a_member_of_another_group_is_404_here(client, geo):
    seller, _ = _group(geo, client)
    elsewhere = factories.seller(geo["Kahara"], members=[factories.user(Role.SELLER)])
    other_member = elsewhere.members[0].id
    assert post(client, f"/shg/{seller.id}/members/{other_member}/deactivate").status_code == 404
    assert _fresh(Member, other_member).active


# ---------------------------------------------------------------- bank account

def _bank(client, seller, **over):
    data = {"account_name": "Lakshmi Mahila Samuh", "account_number": "3012 4567 8901",
            "confirm_number": "301245678901",
            "ifsc": "sbin0001234", "bank_name": "SBI Kahara"}
    return post(client, f"/shg/{seller.id}/bank?lang=en", {**data, **over})


def test_bank_account_is_saved_and_only_ever_shown_masked(client, geo):
    seller, _ = _group(geo, client)
    assert _bank(client, seller).status_code == 302
    account = db.session.scalar(select(BankAccount))
    assert (account.account_number, account.ifsc) == ("301245678901", "SBIN0001234")
    pages = [client.get(f"/shg/{seller.id}"), client.get(f"/shg/{seller.id}/bank"),
             _bank(client, seller, confirm_number="999999999")]  # an error page after a failed change
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, factories.official(geo["Kahara"]).login_name)
    pages.append(client.get(f"/officials/sellers/{seller.id}"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code in (200, 422) and "XXXX8901" in html
        assert "301245678901" not in html and "3012 4567 8901" not in html


@pytest.mark.parametrize("over,field,message", [
    ({"ifsc": "SBIN1234567"}, "ifsc", "4 letters, a zero"),
    ({"ifsc": "SBI0001234"}, "ifsc", "4 letters, a zero"),
    ({"ifsc": "<b>SBIN0001234</b>"}, "ifsc", "4 letters, a zero"),
    ({"ifsc": "SBIN0001234567890123X"}, "ifsc", "at most 20 characters"),
    ({"confirm_number": "301245678900"}, "confirm_number", "differ"),
    ({"account_number": "12345678", "confirm_number": "12345678"}, "account_number", "9 to 18 digits"),
    ({"account_number": "1234567890123456789", "confirm_number": "1234567890123456789"}, "account_number",
     "9 to 18 digits"),
    ({"account_number": "12345abcde", "confirm_number": "12345abcde"}, "account_number", "9 to 18 digits"),
    ({"account_name": ""}, "account_name", "Please fill this in"),
    ({"bank_name": "b" * 121}, "bank_name", "at most 120 characters"),
])
def test_bad_bank_details_get_a_message_and_save_nothing(client, geo, over, field, message):
    seller, _ = _group(geo, client)
    r = _bank(client, seller, **over)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and message in html and f'id="{field}-err"' in html
    assert _count(BankAccount) == 0


def test_changing_the_bank_account_replaces_it(client, geo):
    seller, _ = _group(geo, client)
    _bank(client, seller)
    assert _bank(client, seller, account_number="111122223333", confirm_number="111122223333").status_code == 302
    assert db.session.scalars(select(BankAccount.account_number)).all() == ["111122223333"]


# ---------------------------------------------------------------- services the storefront calls

def test_public_seller_is_verified_only_and_loaded_at_once(ctx, geo):
    president = factories.user(Role.SELLER)
    shown = factories.seller(geo["Kahara"], members=[president], verified=True)
    hidden = factories.seller(geo["Kahara"], verified=False)
    shown_slug, hidden_slug = shown.slug, hidden.slug
    db.session.expunge_all()
    assert services.get_public_seller(hidden_slug) is None
    assert services.get_public_seller("no-such-group") is None
    seller = services.get_public_seller(shown_slug)
    state = inspect(seller)
    assert not {"block", "village", "members"} & state.unloaded
    assert not {"district"} & inspect(seller.block).unloaded and not {"state"} & inspect(seller.block.district).unloaded
    assert services.member_count(seller.id) == 1


def test_sellers_of_user_and_member_count_ignore_removed_members(ctx, geo):
    user = factories.user(Role.SELLER)
    seller = factories.seller(geo["Kahara"], members=[factories.user(Role.SELLER), user])
    assert [s.id for s in services.sellers_of_user(user)] == [seller.id]
    assert services.member_count(seller.id) == 2
    db.session.execute(Member.__table__.update().where(Member.user_id == user.id).values(active=False))
    db.session.commit()
    assert services.sellers_of_user(user) == [] and services.member_count(seller.id) == 1
