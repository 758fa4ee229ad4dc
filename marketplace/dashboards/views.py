"""The landing page after login: what each role does next, with the counts that matter to it."""

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.access import login_required
from marketplace.accounts.models import Role
from marketplace.sellers import services as sellers

bp = Blueprint("dashboards", __name__)

# (endpoint, label) per role; an endpoint that a deployment does not have is left out.
ROLE_LINKS = {
    Role.CUSTOMER: [("catalog.home", _l("Shop")), ("orders.history", _l("My orders")), ("cart.show", _l("Cart")),
                    ("orders.addresses", _l("My addresses")), ("sellers.register", _l("Register your group"))],
    Role.SELLER: [("catalog_seller.products", _l("My products")), ("catalog_seller.new_product", _l("Add a product")),
                  ("catalog_seller.stock", _l("Update stock")), ("seller_orders.incoming", _l("Orders")),
                  ("sellers.my_groups", _l("My groups")), ("sellers.register", _l("Register another group")),
                  ("settlements.balance", _l("Money earned")), ("invoices.seller_list", _l("Invoices"))],
    Role.OFFICIAL: [("sellers.official_list", _l("Sellers to verify")),
                    ("catalog_moderation.moderation_list", _l("Moderate listings"))],
    Role.OPERATOR: [("fulfilment.queues", _l("Packaging-house queues"))],
    Role.BUYER: [("catalog.home", _l("Browse products")), ("orders.history", _l("My orders"))],
    Role.ADMIN: [("sellers.official_list", _l("Sellers to verify")),
                 ("catalog_moderation.moderation_list", _l("Moderate listings")),
                 ("notifications.outbox", _l("Notifications sent")), ("catalog.home", _l("Storefront")),
                 ("fulfilment.queues", _l("Packaging-house queues")), ("settlements.payouts", _l("Seller payouts")),
                 ("orders_admin.review_list", _l("Orders to review")),
                 ("houses_admin.index", _l("Packaging houses"))],
}


def _links(role: str) -> list[tuple[str, str]]:
    return [(url_for(endpoint), label) for endpoint, label in ROLE_LINKS.get(role, [])
            if endpoint in current_app.view_functions]


@bp.get("/me")
@login_required
def home():
    groups = sellers.sellers_of_user(current_user)
    in_scope = sellers.sellers_in_scope(current_user) if current_user.role in (Role.OFFICIAL, Role.ADMIN) else []
    counts = {}
    for seller in in_scope:
        counts[seller.status] = counts.get(seller.status, 0) + 1
    return render_template("dashboards/home.html", user=current_user, links=_links(current_user.role),
                           groups=groups, scope_counts=counts)
