"""Stripe through the official SDK, answering in plain values (IntentState) so the rest never sees SDK objects.

Real Stripe when STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY are set; otherwise localstripe at
STRIPE_API_BASE (development and tests); otherwise no card payments at all (cash on delivery only).

The card flow is the one both real Stripe and localstripe implement: Stripe.js turns the card into a token
in the browser; the server attaches it to a customer (the bank checks the card there), sets it on the
PaymentIntent and confirms. A card that needs 3-D Secure comes back as `requires_action` for Stripe.js to
finish in the browser.
"""

from dataclasses import dataclass
from typing import Any

import stripe
from flask import current_app

LOCAL_SECRET_KEY = "sk_test_localstripe"
LOCAL_PUBLISHABLE_KEY = "pk_test_localstripe"
STRIPE_JS = "https://js.stripe.com/v3/"


class GatewayError(Exception):
    """Stripe could not be reached or refused the request; `code` is Stripe's error code when it gave one."""

    def __init__(self, message: str, code: str | None = None, declined: bool = False):
        super().__init__(message)
        self.code, self.declined = code, declined


@dataclass(frozen=True)
class IntentState:
    """A PaymentIntent as far as Haat cares."""

    id: str
    status: str  # Stripe's: requires_payment_method, requires_action, processing, succeeded, canceled, ...
    amount: int
    currency: str
    order_number: str | None
    client_secret: str | None = None
    error_code: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "IntentState":
        error = data.get("last_payment_error") or {}
        metadata = data.get("metadata") or {}
        return cls(id=data["id"], status=data["status"], amount=int(data["amount"]),
                   currency=str(data["currency"]).lower(), order_number=metadata.get("order_number"),
                   client_secret=data.get("client_secret"), error_code=error.get("code"))


def _state(obj) -> IntentState:
    return IntentState.from_dict(obj.to_dict())


class Gateway:
    def __init__(self, secret_key: str, publishable_key: str, api_base: str | None = None):
        bases = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(secret_key, base_addresses=bases, max_network_retries=2)
        self.publishable_key = publishable_key
        self.js_url = f"{api_base}/js.stripe.com/v3/" if api_base else STRIPE_JS
        self.is_local = bool(api_base)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.CardError as exc:
            raise GatewayError(str(exc.user_message or exc), exc.code or "card_declined", declined=True) from exc
        except stripe.StripeError as exc:
            raise GatewayError(str(exc.user_message or exc), getattr(exc, "code", None)) from exc

    def create_intent(self, order_number: str, amount_paise: int) -> IntentState:
        """One PaymentIntent per order: the idempotency key makes a retried request return the same one."""
        params = {"amount": amount_paise, "currency": "inr", "payment_method_types": ["card"],
                  "metadata": {"order_number": order_number}}
        intent = self._call(self.client.v1.payment_intents.create, params,
                            {"idempotency_key": f"haat-order-{order_number}"})
        return _state(intent)

    def retrieve(self, intent_id: str) -> IntentState:
        return _state(self._call(self.client.v1.payment_intents.retrieve, intent_id))

    def cancel(self, intent_id: str) -> IntentState:
        return _state(self._call(self.client.v1.payment_intents.cancel, intent_id))

    def create_customer(self, order_number: str) -> str:
        customer = self._call(self.client.v1.customers.create, {"metadata": {"order_number": order_number}},
                              {"idempotency_key": f"haat-customer-{order_number}"})
        return customer.id

    def pay_with_token(self, intent_id: str, customer_id: str, token: str) -> IntentState:
        """Attach the card (a decline raises GatewayError(declined=True)), then confirm the intent."""
        card = self._call(self.client.v1.customers.payment_sources.create, customer_id, {"source": token})
        self._call(self.client.v1.payment_intents.update, intent_id,
                   {"payment_method": card.id, "customer": customer_id})
        return _state(self._call(self.client.v1.payment_intents.confirm, intent_id))

    def refund(self, intent_id: str, amount_paise: int, idempotency_key: str) -> str:
        refund = self._call(self.client.v1.refunds.create, {"payment_intent": intent_id, "amount": amount_paise},
                            {"idempotency_key": idempotency_key})
        return refund.id

    @staticmethod
    def verify_event(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
        """The event as a dict, or GatewayError if the signature is missing, wrong or too old."""
        try:
            return stripe.Webhook.construct_event(payload, signature, secret).to_dict()
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise GatewayError("bad webhook signature") from exc


def gateway() -> Gateway | None:
    """The configured gateway (one per app and settings, reusing its HTTP connections), or None when card
    payments are not available."""
    cfg = current_app.config
    if cfg.get("STRIPE_SECRET_KEY") and cfg.get("STRIPE_PUBLISHABLE_KEY"):
        args = (cfg["STRIPE_SECRET_KEY"], cfg["STRIPE_PUBLISHABLE_KEY"], None)
    elif cfg.get("STRIPE_API_BASE"):
        args = (LOCAL_SECRET_KEY, LOCAL_PUBLISHABLE_KEY, cfg["STRIPE_API_BASE"])
    else:
        return None
    cache = current_app.extensions.setdefault("haat_gateways", {})
    if args not in cache:
        cache[args] = Gateway(*args)
    return cache[args]


def webhook_secret() -> str | None:
    return current_app.config.get("STRIPE_WEBHOOK_SECRET")
