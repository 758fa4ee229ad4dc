"""A small shop for order tests: two verified groups, each with a member who has an account, and products."""

from dataclasses import dataclass

from flask import Flask
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import Role, User
from marketplace.cart import services as cart
from marketplace.catalog.models import Product, Variant
from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.models import Address

from .. import factories


@dataclass
class Shop:
    sellers: list
    members: list  # one user per seller, the group's president
    products: list  # products[0] and products[2] from sellers[0], products[1] from sellers[1]
    customer: object
    address: Address | None


# The real hash (scrypt) costs a quarter of a second per user; these tests are about orders, not passwords.
_QUICK_HASH = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1000")


def quick_user(role: str = Role.CUSTOMER, *, name: str, login: str | None = None, locale: str = "hi") -> User:
    login = login or factories.mobile()
    email = login if "@" in login else None
    mobile = None if email else "+91" + login[-10:]
    user = User(name=name, role=role, email=email, mobile=mobile, locale=locale, password_hash=_QUICK_HASH)
    db.session.add(user)
    db.session.commit()
    return user


ADDRESS = {"name": "Ananya Sharma", "mobile": "98110 00001", "line1": "B-12, Lajpat Nagar II",
           "landmark": "near the metro gate", "district": "South Delhi", "state_code": "DL", "pin_code": "110024"}


def build(geo, *, stock: int = 10, prices=(25000, 18000, 9000), gst_rate_bp: int = 500,
          customer_login: str | None = None, with_address: bool = True) -> Shop:
    category = factories.make_category()
    members = [quick_user(Role.SELLER, name="Sita Devi", locale="hi"),
               quick_user(Role.SELLER, name="Rekha Kumari", locale="en")]
    sellers = [factories.seller(geo["Kahara"], members=[members[0]], name="Kosi Mithila SHG"),
               factories.seller(geo["Kahara"], members=[members[1]], name="Saharsa Bamboo Cluster")]
    products = [factories.make_product(sellers[i], category, price=price, stock=stock, gst_rate_bp=gst_rate_bp)
                for i, price in zip((0, 1, 0), prices, strict=True)]
    customer = quick_user(name="Ananya Sharma", login=customer_login, locale="en")
    address = orders.save_address(customer, ADDRESS) if with_address else None
    return Shop(sellers, members, products, customer, address)


def add_variants(product: Product, stocks: list[int], price: int = 30000) -> list[Variant]:
    variants = [Variant(product_id=product.id, sku=f"V{i}-{product.id}", size=f"Size {i}", price_paise=price,
                        stock=n) for i, n in enumerate(stocks)]
    db.session.add_all(variants)
    product.stock = sum(stocks)
    db.session.commit()
    return variants


def fill(app: Flask, user, lines: list[tuple]) -> None:
    """Put (product, quantity) or (product, variant, quantity) lines in a customer's saved cart."""
    with app.test_request_context():
        for line in lines:
            product, variant, quantity = line if len(line) == 3 else (line[0], None, line[1])
            cart.add(user, product.id, variant.id if variant else None, quantity)


def place(app: Flask, user, method: str = "cod", address: Address | None = None, token: str | None = None):
    """Check out the customer's cart as the checkout page would."""
    with app.test_request_context():
        quote = orders.quote_for(user)
        address_id = address.id if address else orders.addresses_of(user)[0].id
        return orders.place_order(user, address_id=address_id, method=method,
                                  token=token or orders.new_checkout_token(), quoted_total=quote.total_paise)


def reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)
