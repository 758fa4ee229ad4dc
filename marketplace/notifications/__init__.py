"""Notifications: an outbox of e-mail, SMS and WhatsApp messages, written in the recipient's language in the
same transaction as the change they tell of, and delivered afterwards (logged in development, SMTP for
e-mail when SMTP_URL is set)."""
