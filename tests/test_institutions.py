"""Institutions: GSTIN checksum, registration rules, approval as a guarded state change with its events."""

import pytest

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.institutions import services
from marketplace.institutions.models import Institution, InstitutionEvent

from . import factories as f
from . import req_factories as rf


@pytest.mark.parametrize("good", ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4", " 27aapfu0939f1zv "])
def test_known_gstins_pass_the_checksum(good):
    assert services.normalise_gstin(good) == good.strip().upper()


@pytest.mark.parametrize("bad", ["27AAPFU0939F1ZW", "27AAPFU0939F1Z", "ABCDEFGHIJKLMNO", "2AAPFU0939F1ZV7"])
def test_bad_gstins_are_refused(bad):
    with pytest.raises(services.InstitutionError) as exc:
        services.normalise_gstin(bad)
    assert exc.value.field == "gstin"


def test_gstin_is_optional(geo):
    buyer = f.user(Role.BUYER)
    inst = services.create_institution(buyer, name="Gram Panchayat Bangaon", kind="panchayat",
                                       district_id=geo["Kahara"].district_id,
                                       billing_address="Panchayat Bhawan, Bangaon, Saharsa")
    assert inst.gstin is None and inst.state_code == "BR" and inst.status == "pending"
    assert services.person_role(buyer, inst.id) == "approver"


def test_bad_registration_reports_every_field_and_saves_nothing(geo):
    buyer = f.user(Role.BUYER)
    with pytest.raises(services.InstitutionError) as exc:
        services.create_institution(buyer, name="X", kind="castle", district_id=0, billing_address="short",
                                    gstin="27AAPFU0939F1ZW")
    assert set(exc.value.errors) == {"name", "kind", "district_id", "billing_address", "gstin"}
    assert db.session.query(Institution).count() == 0


def test_approval_is_recorded_and_guarded(geo):
    inst, buyer = rf.institution(geo["Kahara"], approved=False)
    dpm = f.official(geo["Kahara"], "district")
    services.approve(inst.id, dpm)
    with pytest.raises(services.InstitutionError) as exc:
        services.approve(inst.id, dpm)
    assert exc.value.status == 409
    with pytest.raises(services.InstitutionError):
        services.reject(inst.id, dpm, "")
    services.reject(inst.id, dpm, "GSTIN belongs to another body")
    events = db.session.query(InstitutionEvent).filter_by(institution_id=inst.id).order_by(InstitutionEvent.id).all()
    assert [(e.from_state, e.to_state) for e in events] == [(None, "pending"), ("pending", "approved"),
                                                           ("approved", "rejected")]
    assert events[1].actor_id == dpm.id and events[2].reason == "GSTIN belongs to another body"


def test_who_approves(geo):
    from marketplace.accounts.access import approves_institutions_in

    inst, buyer = rf.institution(geo["Kahara"], approved=False)
    assert approves_institutions_in(f.official(geo["Kahara"], "district"), inst.district_id)
    assert approves_institutions_in(f.official(geo["Kahara"], "state"), inst.district_id)
    assert not approves_institutions_in(f.official(geo["Kahara"], "block"), inst.district_id)
    assert not approves_institutions_in(f.official(geo["Kanti"], "district"), inst.district_id)
    assert not approves_institutions_in(buyer, inst.district_id)
