"""Notifications: an outbox of e-mail, SMS and WhatsApp messages, written in the recipient's language in the
same transaction as the change they tell of, and delivered afterwards through delivery.py's backends (SMTP,
a DLT SMS gateway, the WhatsApp Cloud API; only logged while a channel has no settings), with retries,
backoff and a dead letter shown to admins."""
