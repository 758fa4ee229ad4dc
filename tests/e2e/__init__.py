"""Helpers for the cart, order and payment tests and the browser test: a small two-seller shop, localstripe
started once per test session, Stripe tokens and signed webhook events."""
