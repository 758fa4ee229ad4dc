"""The message templates: a subject and a body per kind, written in English and translated like every other
string (Hindi in hi-src/orders.po). Placeholders are filled in the recipient's language."""

from flask_babel import lazy_gettext as _l

TEMPLATES = {
    # to customers
    "order_confirmed": (
        _l("Haat: order %(number)s confirmed"),
        _l("Namaste %(name)s! Your order %(number)s for %(total)s is confirmed. Each group will now pack its "
           "part, and we will tell you of every step. %(link)s")),
    "order_status": (
        _l("Haat: order %(number)s — %(status)s"),
        _l("Namaste %(name)s, your order %(number)s: %(status)s. %(detail)s %(link)s")),
    "part_status": (
        _l("Haat: order %(number)s — %(status)s"),
        _l("Namaste %(name)s, your items from %(seller)s in order %(number)s: %(status)s. %(detail)s %(link)s")),
    "refund": (
        _l("Haat: %(amount)s refunded for order %(number)s"),
        _l("Namaste %(name)s, we have sent back %(amount)s for order %(number)s. Banks usually show it within "
           "5 to 7 working days. %(link)s")),
    # to sellers
    "new_order": (
        _l("Haat: new order %(number)s"),
        _l("New order %(number)s for %(seller)s: %(units)s items worth %(total)s. Please accept or reject it "
           "soon: %(link)s")),
    "part_cancelled": (
        _l("Haat: order %(number)s cancelled"),
        _l("Order %(number)s for %(seller)s was cancelled by the customer. Please do not pack it. %(link)s")),
    # fulfilment (packaging house)
    "handover_short": (
        _l("Haat: order %(number)s — not everything could be sent"),
        _l("Order %(number)s: at the packaging house %(detail)s. These items are not sent and %(amount)s is not "
           "paid for them. %(link)s")),
    "shipment_status": (
        _l("Haat: order %(number)s — %(status)s"),
        _l("Namaste %(name)s, parcel %(shipment)s of your order %(number)s: %(status)s. %(detail)s %(link)s")),
    # institutional requisitions (requisitions/services.py)
    "requisition_offer": (
        _l("Haat: a share of %(title)s for your group"),
        _l("Namaste %(name)s! Your group is offered a share of the requisition %(title)s. Please accept all, "
           "part or none of it: %(link)s")),
    "requisition_summary": (
        _l("Haat: %(title)s — progress on %(day)s"),
        _l("Namaste %(name)s, %(title)s on %(day)s: %(made_today)s made that day; in all %(made)s made, "
           "%(accepted)s accepted, %(delivered)s delivered of %(target)s. %(behind)s groups are behind. "
           "Expected to finish: %(forecast)s. %(link)s")),
}

# accounts: one-time codes (a DLT-registered SMS template must carry exactly this text)
TEMPLATES["login_code"] = (
    _l("Haat: your one-time code"),
    _l("%(code)s is your Haat code. It works for %(minutes)s minutes. Do not share it with anyone, not even "
       "someone from Haat."))
# Issue 13: the group hears what the block office decided; a customer hears that a product is back.
TEMPLATES.update({
    "group_verified": (
        _l("Haat: %(seller)s is verified"),
        _l("Namaste %(name)s! The block office has verified %(seller)s. Your products can go on sale now. %(link)s")),
    "group_rejected": (
        _l("Haat: %(seller)s needs corrections"),
        _l("Namaste %(name)s, the block office could not verify %(seller)s: %(reason)s Please correct the details "
           "and send them again. %(link)s")),
    "back_in_stock": (
        _l("Haat: %(product)s is back"),
        _l("Namaste! %(product)s is back in stock on Haat. %(link)s")),
})
