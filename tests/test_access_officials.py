"""Who may open which dashboard (and its exports): every kind of visitor against every level of unit."""

import pytest

from marketplace.accounts.models import Role

from . import factories as f
from .conftest import login

# visitor -> the units (by key) whose dashboard and exports she may open; everything else is 403
ALLOWED = {
    "block_kahara": {"kahara"},
    "block_sattar": {"sattar"},
    "district_saharsa": {"kahara", "sattar", "saharsa"},
    "district_muzaffarpur": {"musahari", "muzaffarpur"},
    "state_bihar": {"kahara", "sattar", "saharsa", "musahari", "muzaffarpur", "bihar"},
    "state_hp": {"nadaun", "hamirpur", "hp"},
    "admin": {"kahara", "sattar", "saharsa", "musahari", "muzaffarpur", "bihar", "nadaun", "hamirpur", "hp", "country"},
    "seller": set(),
    "customer": set(),
}


@pytest.fixture
def units(geo):
    k, m, n = geo["Kahara"], geo["Musahari"], geo["Nadaun"]
    return {
        "kahara": ("block", k.id),
        "sattar": ("block", geo["Sattar Kataiya"].id),
        "saharsa": ("district", k.district_id),
        "musahari": ("block", m.id),
        "muzaffarpur": ("district", m.district_id),
        "bihar": ("state", k.district.state_id),
        "nadaun": ("block", n.id),
        "hamirpur": ("district", n.district_id),
        "hp": ("state", n.district.state_id),
        "country": ("country", 0),
    }


def _visitor(name, geo):
    match name.split("_", 1):
        case ["block", "kahara"]:
            return f.official(geo["Kahara"], "block")
        case ["block", "sattar"]:
            return f.official(geo["Sattar Kataiya"], "block")
        case ["district", "saharsa"]:
            return f.official(geo["Kahara"], "district")
        case ["district", "muzaffarpur"]:
            return f.official(geo["Musahari"], "district")
        case ["state", "bihar"]:
            return f.official(geo["Kahara"], "state")
        case ["state", "hp"]:
            return f.official(geo["Nadaun"], "state")
        case ["admin"]:
            return f.user(Role.ADMIN)
        case [role]:
            return f.user(role)


@pytest.mark.parametrize("visitor", sorted(ALLOWED))
def test_dashboard_scope_matrix(app, geo, units, visitor):
    client = app.test_client()
    login(client, _visitor(visitor, geo).mobile)
    for key, (level, unit_id) in units.items():
        base = f"/officials/dashboard/{level}/{unit_id}"
        expected = 200 if key in ALLOWED[visitor] else 403
        targets = f"/officials/targets/{level}/{unit_id}"
        for url in (base, f"{base}/units.csv", f"{base}/funnel.xlsx", f"{base}/sales.csv?period=fy", targets,
                    f"{targets}/targets.csv", f"{targets}/targets.xlsx?measure=registered",
                    *([f"/officials/survey/block/{unit_id}"] if level == "block" else [])):
            assert client.get(url).status_code == expected, (visitor, url)
    makers = client.get("/officials/makers?q=mask")
    assert makers.status_code == (200 if ALLOWED[visitor] else 403)


def test_anonymous_is_sent_to_login(app, geo, units):
    response = app.test_client().get(f"/officials/dashboard/block/{geo['Kahara'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_own_dashboard_redirects_to_the_officials_unit(app, geo):
    official = f.official(geo["Kahara"], "block")
    client = app.test_client()
    login(client, official.mobile)
    response = client.get("/officials/dashboard?period=fy")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/officials/dashboard/block/{geo['Kahara'].id}?period=fy")


def test_missing_unit(app, geo):
    admin = f.user(Role.ADMIN)
    client = app.test_client()
    login(client, admin.mobile)
    assert client.get("/officials/dashboard/block/999999").status_code == 404
    assert client.get("/officials/dashboard/block/99999999999999").status_code == 404
    assert client.get("/officials/dashboard/village/1").status_code == 404
    assert client.get(f"/officials/dashboard/block/{geo['Kahara'].id}/secrets.csv").status_code == 404
