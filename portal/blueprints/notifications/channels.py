"""Delivery channels: e-mail over SMTP and group-robot webhooks.

Both are plain classes with one ``send`` method that raises
:class:`DeliveryError` on any failure, so the sender can retry later; neither
knows about the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formataddr, formatdate, make_msgid

SMTP_SECURITY = ("none", "starttls", "ssl")


class DeliveryError(Exception):
    """A message was not delivered. ``unreachable``: the server itself could not
    be reached (or hung up), so the other messages for it would fail the same way."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


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
        """What is wrong with these settings, in the current language (shown to
        administrators on the group-robot page, and by ``flask notify send``)."""
        from flask_babel import gettext as _

        found = []
        if not self.host:
            found.append(_("PORTAL_SMTP_HOST is not set: no e-mail is sent."))
        if not 0 < self.port < 65536:
            found.append(_("PORTAL_SMTP_PORT %(port)s is not a port number (1–65535).", port=self.port))
        if self.security not in SMTP_SECURITY:
            found.append(_("PORTAL_SMTP_SECURITY must be one of %(choices)s.", choices=", ".join(SMTP_SECURITY)))
        if self.host and ("@" not in self.sender or any(c.isspace() for c in self.sender.strip())):
            found.append(_("PORTAL_SMTP_FROM must be an e-mail address, such as portal@example.gov.cn."))
        if self.username and not self.password:
            found.append(_("PORTAL_SMTP_USERNAME is set but PORTAL_SMTP_PASSWORD is empty."))
        if self.timeout <= 0:
            found.append(_("PORTAL_SMTP_TIMEOUT must be a number of seconds above 0."))
        return found

    @property
    def usable(self) -> bool:
        return bool(self.host) and not self.problems()


class SmtpMailer:
    """Sends e-mail. Inside ``with mailer.connection():`` every message goes over
    one SMTP connection (the sender opens one per batch); outside it, each
    message opens and closes its own."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._held = False
        self._from: str | None = None
        self._domain = "localhost"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password)
            except BaseException:
                client.close()
                raise
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP: {error}"[:250], unreachable=True) from error
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    @contextmanager
    def connection(self) -> Iterator[SmtpMailer]:
        self._held = True
        try:
            yield self
        finally:
            self._held = False
            self._drop()

    def message(self, to: str, subject: str, body: str) -> bytes:
        """A plain-text UTF-8 message, as bytes ready for DATA (RFC 5322, RFC 2047
        encoded words, base64 body). Written directly: the email package's
        generator and header folding took longer than sending the message."""
        s = self.settings
        if self._from is None:
            self._from = formataddr((s.sender_name, s.sender), charset="utf-8")
            self._domain = s.sender.rpartition("@")[2] or "localhost"
        headers = [
            f"From: {self._from}",
            f"To: {''.join(to.split())}",
            f"Subject: {encoded_words(subject)}",
            f"Date: {formatdate(usegmt=True)}",
            f"Message-ID: {make_msgid(domain=self._domain)}",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
        ]
        encoded = base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n")
        return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + encoded

    def send(self, to: str, subject: str, body: str) -> None:
        message = self.message(to, subject, body)
        reused = self._client is not None
        if self._client is None:
            self._client = self._connect()
        try:
            self._client.sendmail(self.settings.sender, [to], message)
        except smtplib.SMTPServerDisconnected as error:
            self._client = None
            if not reused:
                raise DeliveryError(f"SMTP: {error}"[:250], unreachable=True) from error
            # A connection kept from an earlier message timed out: once more on a new one.
            self._client = self._connect()
            try:
                self._client.sendmail(self.settings.sender, [to], message)
            except (OSError, smtplib.SMTPException) as again:
                self._drop()
                raise DeliveryError(f"SMTP: {again}"[:250], unreachable=isinstance(again, OSError)) from again
        except smtplib.SMTPResponseException as error:
            # The server refused this message (an address, the size): the connection is still good.
            raise DeliveryError(f"SMTP: {error}"[:250]) from error
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise DeliveryError(f"SMTP: {error}"[:250], unreachable=isinstance(error, OSError)) from error
        finally:
            if not self._held:
                self._drop()


def encoded_words(text: str) -> str:
    """``text`` as RFC 2047 base64 encoded words (plain when ASCII), folded so no line passes 76 characters."""
    text = " ".join(text.split())  # a line break in a subject would start a header of its own
    if text.isascii() and len(text) < 60 and "=?" not in text:
        return text
    words, chunk = [], b""
    for character in text:
        piece = character.encode("utf-8")
        if len(chunk) + len(piece) > 45:  # 45 bytes → 60 base64 characters + 12 of =?utf-8?b??=
            words.append(chunk)
            chunk = b""
        chunk += piece
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words)


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
    WeCom's group robots both accept; their JSON ``errcode`` must be 0 when present.

    Inside ``with poster.connection():`` connections are kept alive, one per
    robot server, for the whole batch; outside it, each post has its own."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._connections: dict[tuple[str, str], http.client.HTTPConnection] = {}
        self._held = False

    @contextmanager
    def connection(self) -> Iterator[WebhookPoster]:
        self._held = True
        try:
            yield self
        finally:
            self._held = False
            self.close()

    def close(self) -> None:
        connections, self._connections = self._connections, {}
        for connection in connections.values():
            connection.close()

    def _open(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "https":
            return http.client.HTTPSConnection(netloc, timeout=self.timeout, context=ssl.create_default_context())
        return http.client.HTTPConnection(netloc, timeout=self.timeout)

    def _post(self, connection: http.client.HTTPConnection, path: str, payload: bytes) -> tuple[int, bytes]:
        connection.request("POST", path, body=payload, headers={"Content-Type": "application/json; charset=utf-8"})
        response = connection.getresponse()
        body = response.read(65536)
        if response.will_close or not response.isclosed():
            connection.close()  # the server hangs up, or sent more than we read: no reuse
        return response.status, body

    def send(self, url: str, secret: str, text: str) -> None:
        target = urllib.parse.urlsplit(signed_url(url, secret) if secret else url)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        payload = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
        key = (target.scheme, target.netloc)
        connection = self._connections.pop(key, None)
        try:
            if connection is not None:
                try:
                    status, body = self._post(connection, path, payload)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    connection.close()  # kept alive too long: the server closed it; once more, anew
                    connection = None
            if connection is None:
                connection = self._open(target.scheme, target.netloc)
                status, body = self._post(connection, path, payload)
        except (OSError, http.client.HTTPException) as error:
            if connection is not None:
                connection.close()
            raise DeliveryError(f"webhook: {error}"[:250], unreachable=True) from error
        if self._held:
            self._connections[key] = connection
        else:
            connection.close()
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook: HTTP {status}")
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return  # a receiver that answers 2xx without JSON took the message
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
            raise DeliveryError(f"webhook answered errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:250])
