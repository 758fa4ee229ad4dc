"""Delivery backends: one interface, one backend per channel, chosen by environment variables.

    backend.send(message) -> provider's message id (or None); raises DeliveryError

- email: SMTP_URL -> SMTP (STARTTLS when offered, smtps:// for TLS).
- sms: SMS_API_URL + SMS_API_KEY + SMS_SENDER -> an Indian SMS gateway's HTTP API with DLT ids (Kaleyra-style:
  a form POST with to, sender, body, type, template_id, entity_id and an api-key header).
- whatsapp: WHATSAPP_TOKEN + WHATSAPP_PHONE_NUMBER_ID -> the WhatsApp Cloud API, approved message templates.

Without its settings a channel falls back to the log backend: the message is written to the log and shown on
the admin outbox page, and nobody receives it.

DLT (TRAI's rules for Indian SMS): every message must match a template registered with the operator, so each
message kind needs its DLT template id in SMS_DLT_TEMPLATES ("login_code=1107…,order_confirmed=1107…"); a kind
without one is never sent by SMS (dead at once, shown on the admin page). WhatsApp likewise sends only
approved templates: WHATSAPP_TEMPLATES maps kinds to template names and the message's values that fill its
{{1}}, {{2}}… ("new_order=haat_new_order:seller|number|total|link"); kinds not listed use
WHATSAPP_DEFAULT_TEMPLATE, a template whose body is one parameter, the message text.

DeliveryError.retry says whether trying again later can help (timeouts, 5xx, 429) or not (a refused
request: bad number, unknown template, wrong key — an admin must look).
"""

import json
import logging
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app

from marketplace.notifications.models import Channel, Message

log = logging.getLogger("marketplace.notifications.services")
TIMEOUT = 15  # seconds for one provider call


class DeliveryError(Exception):
    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class Backend(Protocol):
    name: str
    logs_only: bool

    def send(self, message: Message) -> str | None: ...


def _mapping(text: str | None) -> dict[str, str]:
    """"a=1, b=2" -> {"a": "1", "b": "2"}."""
    pairs = (item.split("=", 1) for item in (text or "").replace(";", ",").split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def _digits(mobile: str) -> str:
    return mobile.lstrip("+")  # E.164 without the plus: 919811000001


def _http(method: str, url: str, *, headers: dict, body: bytes) -> dict:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (configured https URL)
            raw = response.read()
    except urllib.error.HTTPError as exc:
        with exc:  # the error is also the open response: read it, then let go of the socket
            detail = exc.read()[:200].decode("utf-8", "replace")
        retry = exc.code == 429 or exc.code >= 500
        raise DeliveryError(f"HTTP {exc.code}: {detail}", retry=retry) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"unreachable: {getattr(exc, 'reason', exc)}") from exc
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


class LogBackend:
    name, logs_only = "log", True

    def send(self, message: Message) -> str | None:
        log.info("%s to %s [%s]: %s | %s", message.channel, message.to, message.locale, message.subject,
                 message.body)
        return None


class SmtpBackend:
    name, logs_only = "smtp", False

    def __init__(self, url: str):
        self.url = url

    def send(self, message: Message) -> str | None:
        parts = urlsplit(self.url)
        secure = parts.scheme == "smtps"
        smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
        try:
            with smtp_class(parts.hostname or "localhost", parts.port or (465 if secure else 25), timeout=20) as smtp:
                if not secure and smtp.has_extn("starttls"):
                    smtp.starttls()
                if parts.username:
                    smtp.login(unquote(parts.username), unquote(parts.password or ""))
                email = EmailMessage()
                email["Subject"] = message.subject
                email["From"] = current_app.config.get("MAIL_FROM") or "Haat <no-reply@haat.example>"
                email["To"] = message.to
                email.set_content(message.body)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(str(exc), retry=False) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(str(exc)) from exc
        return None


class DltSmsBackend:
    """An Indian SMS gateway: the full text plus the DLT template and entity ids, as a form POST with an
    api-key header (the shape of Kaleyra's /v1/<SID>/messages; other DLT gateways take the same fields)."""

    name, logs_only = "sms-dlt", False

    def __init__(self, cfg):
        self.url, self.key, self.sender = cfg["SMS_API_URL"], cfg["SMS_API_KEY"], cfg["SMS_SENDER"]
        self.entity_id = cfg.get("SMS_DLT_ENTITY_ID") or ""
        self.templates = _mapping(cfg.get("SMS_DLT_TEMPLATES"))

    def send(self, message: Message) -> str | None:
        template_id = self.templates.get(message.kind)
        if not template_id:
            raise DeliveryError(f"no DLT template id for {message.kind!r} (SMS_DLT_TEMPLATES)", retry=False)
        fields = {"to": _digits(message.to), "sender": self.sender, "body": message.body,
                  "type": "OTP" if message.kind == "login_code" else "TXN", "template_id": template_id,
                  "entity_id": self.entity_id, "unicode": "1" if not message.body.isascii() else "0",
                  "ref": f"haat-{message.id}"}
        answer = _http("POST", self.url, headers={"api-key": self.key, "Accept": "application/json",
                                                  "Content-Type": "application/x-www-form-urlencoded"},
                       body=urllib.parse.urlencode(fields).encode())
        data = answer.get("data")
        first = data[0] if isinstance(data, list) and data else {}
        return str(answer.get("id") or first.get("message_id") or "") or None


class WhatsAppCloudBackend:
    """Meta's WhatsApp Cloud API: POST {base}/{phone-number-id}/messages with a bearer token and a template
    message in the recipient's language."""

    name, logs_only = "whatsapp-cloud", False

    def __init__(self, cfg):
        base = (cfg.get("WHATSAPP_API_URL") or "https://graph.facebook.com/v21.0").rstrip("/")
        self.url = f"{base}/{cfg['WHATSAPP_PHONE_NUMBER_ID']}/messages"
        self.token = cfg["WHATSAPP_TOKEN"]
        self.templates = _mapping(cfg.get("WHATSAPP_TEMPLATES"))
        self.default_template = cfg.get("WHATSAPP_DEFAULT_TEMPLATE") or "haat_update"

    def payload(self, message: Message) -> dict:
        if message.kind in self.templates:
            name, _, order = self.templates[message.kind].partition(":")
            params = json.loads(message.params or "{}")
            values = [params.get(key, "") for key in order.split("|")] if order else list(params.values())
        else:  # the default template: {{1}} is the whole text, already in the recipient's language
            name, values = self.default_template, [message.body]
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": _digits(message.to),
                "type": "template",
                "template": {"name": name, "language": {"code": message.locale or "hi"},
                             "components": [{"type": "body", "parameters": [
                                 {"type": "text", "text": str(v)[:1000]} for v in values]}]}}

    def send(self, message: Message) -> str | None:
        answer = _http("POST", self.url, headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"},
                       body=json.dumps(self.payload(message), ensure_ascii=False).encode())
        ids = [m.get("id") for m in answer.get("messages") or [] if isinstance(m, dict)]
        return ids[0] if ids else None


def backend_for(channel: str) -> Backend:
    cfg = current_app.config
    if channel == Channel.EMAIL and cfg.get("SMTP_URL"):
        return SmtpBackend(cfg["SMTP_URL"])
    if channel == Channel.SMS and cfg.get("SMS_API_URL") and cfg.get("SMS_API_KEY") and cfg.get("SMS_SENDER"):
        return DltSmsBackend(cfg)
    if channel == Channel.WHATSAPP and cfg.get("WHATSAPP_TOKEN") and cfg.get("WHATSAPP_PHONE_NUMBER_ID"):
        return WhatsAppCloudBackend(cfg)
    return LogBackend()


def configured_channels() -> dict[str, str]:
    """channel -> backend name, for the admin page."""
    return {channel: backend_for(channel).name for channel in Channel}
