"""Delivery channels: e-mail over SMTP and group-robot webhooks.

Both are plain classes with one ``send`` method that raises
:class:`DeliveryError` on any failure, so the sender can retry later; neither
knows about the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

SMTP_SECURITY = ("none", "starttls", "ssl")


class DeliveryError(Exception):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    sender: str = ""
    sender_name: str = "行政中心门户"
    security: str = "none"
    timeout: float = 10.0

    def problems(self) -> list[str]:
        """What is wrong with these settings (English; shown to administrators)."""
        found = []
        if not self.host:
            found.append("PORTAL_SMTP_HOST is not set: no e-mail is sent.")
        if not 0 < self.port < 65536:
            found.append(f"PORTAL_SMTP_PORT {self.port} is not a port number.")
        if self.security not in SMTP_SECURITY:
            found.append(f"PORTAL_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}.")
        if self.host and ("@" not in self.sender or " " in self.sender.strip()):
            found.append("PORTAL_SMTP_FROM must be an e-mail address.")
        return found


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = formataddr((s.sender_name, s.sender))
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        message.set_content(body)
        try:
            if s.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP: {error}"[:250]) from error


def signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """DingTalk's 加签: ``timestamp`` and ``sign`` = base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def validate_webhook_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValueError("not an http(s) URL")
    return url.strip()


class WebhookPoster:
    """POSTs ``{"msgtype": "text", "text": {"content": …}}``, which DingTalk's and
    WeCom's group robots both accept; their JSON ``errcode`` must be 0 when present."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def send(self, url: str, secret: str, text: str) -> None:
        target = signed_url(url, secret) if secret else url
        payload = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
        request = urllib.request.Request(target, data=payload, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) only, validated
                body = response.read(65536)
        except (OSError, urllib.error.URLError) as error:
            raise DeliveryError(f"webhook: {error}"[:250]) from error
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return  # a receiver that answers 2xx without JSON took the message
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
            raise DeliveryError(f"webhook answered errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:250])
