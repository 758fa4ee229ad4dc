"""Back-in-stock alerts: a shopper leaves a mobile number or e-mail on a sold-out product; when the product can
be bought again (live, its group verified, in stock) one SMS or e-mail is queued in the notifications outbox.

Checked whenever the catalogue changes a product (catalog.services._changed, in the same transaction) and by
`flask catalog alerts` for changes made elsewhere (stock given back by a cancelled order)."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import services as accounts
from marketplace.catalog.models import Product, ProductStatus, StockAlert
from marketplace.core.errors import DomainError
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.sellers.models import Seller, Verification

MAX_WAITING_PER_ADDRESS = 20  # one address cannot queue messages for the whole catalogue


class AlertError(DomainError):
    pass


def _address(text: str | None, user) -> tuple[str, str]:
    """(channel, address) from what was typed, or the account's own mobile / e-mail when nothing was."""
    text = (text or "").strip()
    if not text and user is not None and user.is_authenticated:
        if user.mobile:
            return "sms", user.mobile
        if user.email:
            return "email", user.email
    try:
        kind, value = accounts.parse_login(text)
    except accounts.AccountError as exc:
        raise AlertError(_l("Enter a 10-digit mobile number or an e-mail address."), field="address") from exc
    return ("email" if kind == "email" else "sms"), value


def ask(product: Product, text: str | None, user, locale: str) -> bool:
    """Remember the request (True), or say it was already there (False). Commits."""
    channel, address = _address(text, user)
    waiting = select(StockAlert.id).where(StockAlert.address == address, StockAlert.sent_at.is_(None))
    if db.session.scalar(waiting.where(StockAlert.product_id == product.id)) is not None:
        return False
    if db.session.scalar(select(func.count()).select_from(waiting.subquery())) >= MAX_WAITING_PER_ADDRESS:
        raise AlertError(_l("This number or address already waits for many products. Please try later."),
                         field="address", status=429)
    db.session.add(StockAlert(product_id=product.id, user_id=user.id if user is not None and user.is_authenticated
                              else None, channel=channel, address=address, locale=locale))
    try:
        db.session.commit()
    except IntegrityError:  # the same request sent twice at once: the first one stands
        db.session.rollback()
        return False
    return True


def send_due(product_ids=None) -> int:
    """Queue a message for every waiting alert whose product can be bought again (no commit). Returns how many."""
    from marketplace.notifications import services as notifications

    stmt = (select(StockAlert, Product).join(Product, Product.id == StockAlert.product_id)
            .join(Seller, Seller.id == Product.seller_id)
            .where(StockAlert.sent_at.is_(None), Product.status == ProductStatus.LIVE,
                   Seller.status == Verification.VERIFIED, Product.stock > 0)
            .order_by(StockAlert.id))
    if product_ids is not None:
        stmt = stmt.where(StockAlert.product_id.in_(list(product_ids)))
    sent = 0
    for alert, product in db.session.execute(stmt).all():
        titles = (product.title_hi, product.title_en) if alert.locale == "hi" else (product.title_en, product.title_hi)
        title = titles[0] or titles[1]
        with force_locale(alert.locale):
            link = notifications.link("catalog.product", slug=product.slug)
        recipient = notifications.Recipient("", alert.locale, ((alert.channel, alert.address),), alert.user_id)
        notifications.notify(recipient, "back_in_stock", product=title, link=link)
        alert.sent_at = utcnow()
        sent += 1
    return sent
