"""The landing page after login: what each role does next, with the counts that matter to it."""

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.access import login_required
from marketplace.accounts.models import Role
from marketplace.core.formatting import format_inr
from marketplace.sellers import services as sellers

bp = Blueprint("dashboards", __name__)

# (endpoint, label) per role; an endpoint that a deployment does not have is left out.
ROLE_LINKS = {
    Role.CUSTOMER: [("catalog.home", _l("Shop")), ("orders.history", _l("My orders")), ("cart.show", _l("Cart")),
                    ("orders.addresses", _l("My addresses")), ("sellers.register", _l("Register your group"))],
    Role.SELLER: [("catalog_seller.products", _l("My products")), ("catalog_quick.start", _l("Add a product")),
                  ("catalog_seller.stock", _l("Update stock")), ("seller_orders.incoming", _l("Orders")),
                  ("sellers.my_groups", _l("My groups")), ("sellers.register", _l("Register another group")),
                  ("settlements.balance", _l("Money earned")), ("invoices.seller_list", _l("Invoices"))],
    Role.OFFICIAL: [("officials.my_dashboard", _l("Dashboard: my area's numbers")),
                    ("sellers.official_list", _l("Sellers to verify")),
                    ("catalog_moderation.moderation_list", _l("Moderate listings"))],
    Role.OPERATOR: [("fulfilment.queues", _l("Packaging-house queues"))],
    Role.BUYER: [("catalog.home", _l("Browse products")), ("orders.history", _l("My orders"))],
    Role.ADMIN: [("officials.my_dashboard", _l("Dashboard: my area's numbers")),
                 ("sellers.official_list", _l("Sellers to verify")),
                 ("catalog_moderation.moderation_list", _l("Moderate listings")),
                 ("notifications.outbox", _l("Notifications sent")), ("catalog.home", _l("Storefront")),
                 ("fulfilment.queues", _l("Packaging-house queues")), ("settlements.payouts", _l("Seller payouts")),
                 ("orders_admin.review_list", _l("Orders to review")),
                 ("houses_admin.index", _l("Packaging houses"))],
}

# Institutional requisitions (issue 10): appended per role so other changes to the lists merge cleanly.
for _role, _extra in {
    Role.BUYER: [("requisitions.index", _l("Requisitions")), ("institutions.new", _l("Register your institution"))],
    Role.OFFICIAL: [("requisitions.index", _l("Requisitions")),
                    ("institutions.pending", _l("Institutions waiting for approval"))],
    Role.SELLER: [("requisitions.index", _l("Requisitions"))],
    Role.ADMIN: [("requisitions.index", _l("Requisitions")),
                 ("institutions.pending", _l("Institutions waiting for approval"))],
}.items():
    ROLE_LINKS[_role] = ROLE_LINKS[_role] + _extra


def _links(role: str) -> list[tuple[str, str]]:
    return [(url_for(endpoint), label) for endpoint, label in ROLE_LINKS.get(role, [])
            if endpoint in current_app.view_functions]


@bp.get("/me")
@login_required
def home():
    groups = sellers.sellers_of_user(current_user)
    counts = sellers.count_in_scope_by_status(current_user)
    tiles = {g.id: seller_tiles(g) for g in groups} if current_user.role == Role.SELLER else {}
    return render_template("dashboards/home.html", user=current_user, links=_links(current_user.role),
                           groups=groups, scope_counts=counts, tiles=tiles)


@dataclass(frozen=True)
class Tile:
    icon: str  # a symbol in templates/dashboards/_icons.html
    label: str
    figure: str | None  # the count or the amount, as shown
    href: str
    urgent: bool = False


def seller_tiles(seller) -> list[Tile]:
    """A group's home: what needs doing now, each with its count, big enough for a thumb."""
    from marketplace.catalog import services as catalog
    from marketplace.orders import services as orders
    from marketplace.orders.models import SellerOrderStatus
    from marketplace.settlements import services as ledger

    parts = orders.part_counts(seller.id)
    new, to_ready = parts.get(SellerOrderStatus.PLACED, 0), parts.get(SellerOrderStatus.ACCEPTED, 0)
    low = catalog.low_stock_count(seller.id)
    return [
        Tile("inbox", _("New orders"), str(new), url_for("seller_orders.incoming", seller=seller.id, show="new"),
             urgent=new > 0),
        Tile("box", _("Orders to make ready"), str(to_ready),
             url_for("seller_orders.incoming", seller=seller.id, show="accepted"), urgent=to_ready > 0),
        Tile("low", _("Low stock"), str(low), url_for("catalog_seller.stock", seller=seller.id), urgent=low > 0),
        Tile("money", _("Money to come"), format_inr(ledger.balance(seller.id)),
             url_for("settlements.balance", seller=seller.id)),
        Tile("camera", _("Add a product"), None, url_for("catalog_quick.start", seller=seller.id)),
        Tile("list", _("My products"), None, url_for("catalog_seller.products", seller=seller.id)),
    ]
