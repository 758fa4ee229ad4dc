"""localstripe for tests: one child process per test session, on a free loopback port, state in memory."""

import atexit
import json
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager

import stripe

from marketplace.payments.localstripe_server import LocalStripe

WEBHOOK_SECRET = "whsec_haat_tests"
_server: LocalStripe | None = None


def localstripe() -> LocalStripe:
    global _server
    if _server is None:
        _server = LocalStripe().start()
        atexit.register(_server.stop)
    return _server


@contextmanager
def using_localstripe(app):
    """Point the app at localstripe (no real keys) for the duration."""
    keys = ("STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(STRIPE_API_BASE=localstripe().url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_SECRET_KEY=None, STRIPE_PUBLISHABLE_KEY=None)
    try:
        yield localstripe()
    finally:
        app.config.update(saved)


def card_token(number: str) -> str:
    """What Stripe.js's createToken does in the browser."""
    data = urllib.parse.urlencode({"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2031",
                                   "card[cvc]": "123", "key": "pk_test_localstripe"}).encode()
    with urllib.request.urlopen(f"{localstripe().url}/v1/tokens", data=data, timeout=10) as response:
        return json.load(response)["id"]


def retrieve_intent(intent_id: str) -> dict:
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": localstripe().url})
    return client.v1.payment_intents.retrieve(intent_id).to_dict()


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, int(time.time()))
    return payload.encode(), header


def event(event_id: str, kind: str, obj: dict) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()), "livemode": False,
            "data": {"object": obj}, "api_version": "2020-08-27"}


def intent_object(intent_id: str, status: str, amount: int, number: str, currency: str = "inr",
                  error_code: str | None = None) -> dict:
    return {"id": intent_id, "object": "payment_intent", "status": status, "amount": amount, "currency": currency,
            "metadata": {"order_number": number},
            "last_payment_error": {"code": error_code, "message": "declined"} if error_code else None}
