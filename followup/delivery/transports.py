"""One Transport per channel. Each ``send()`` returns the provider's message id or raises.

TransientError: worth trying again later (timeouts, 5xx, a busy server).
PermanentError: trying again cannot help (a rejected address, an invalid number); the
row fails visibly and the patient's contact is flagged for a nurse to fix.
"""

from __future__ import annotations

import base64
import json
import re
import smtplib
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib import error as urlerror
from urllib import parse, request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.utils import timezone

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str = ""


class EmailTransport:
    """Django's email backend: SMTP when EMAIL_HOST is set, console and var/mail/ otherwise."""

    def __init__(self):
        self.connection = None

    def send(self, message: Message) -> str:
        if not message.to or "@" not in message.to:
            raise PermanentError("no valid email address on file")
        if self.connection is None:
            # Opened here and kept for the whole batch: Django would otherwise open and
            # close an SMTP connection per message.
            self.connection = get_connection(fail_silently=False)
            try:
                self.connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                self.connection = None
                raise TransientError(f"mail server unreachable: {type(exc).__name__}") from exc
        message_id = make_msgid(domain="survivorship")
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            to=[message.to],
            headers={"Message-ID": message_id},
            connection=self.connection,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"address refused by the mail server: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (554,):
                raise PermanentError(f"mail server said {exc.smtp_code}") from exc
            self.close()
            raise TransientError(f"mail server said {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientError(f"mail server unreachable: {type(exc).__name__}") from exc
        return message_id

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: S110 - closing a broken connection can fail too
                pass
            self.connection = None


class ConsoleSmsTransport:
    """Development SMS: print it and keep a copy under var/sms/."""

    def send(self, message: Message) -> str:
        if not E164.match(message.to or ""):
            raise PermanentError("no valid mobile number on file")
        message_id = f"console-{uuid.uuid4().hex}"
        folder = Path(settings.VAR_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}-{message_id}.txt").write_text(
            f"To: {message.to}\n\n{message.text}\n", encoding="utf-8"
        )
        print(f"SMS to {message.to}: {message.text}")  # noqa: T201 - the console backend
        return message_id

    def close(self):
        pass


class HttpSmsTransport:
    """An SMS gateway with a Twilio-style HTTP API.

    POST form fields To, From, Body to SMS_HTTP_URL with HTTP basic auth
    (SMS_HTTP_USER / SMS_HTTP_TOKEN); a 2xx JSON answer carries the message id in
    "sid", "id" or "message_id". 4xx (other than 408 and 429) means the provider will
    never accept this message: permanent. 5xx, 408, 429 and network errors: transient.
    """

    def __init__(self, url: str | None = None, timeout: float = 10):
        self.url = url or settings.SMS_HTTP_URL
        self.timeout = timeout

    def send(self, message: Message) -> str:
        if not E164.match(message.to or ""):
            raise PermanentError("no valid mobile number on file")
        body = parse.urlencode(
            {"To": message.to, "From": settings.SMS_FROM, "Body": message.text}
        ).encode()
        req = request.Request(self.url, data=body, method="POST")  # noqa: S310 - configured URL
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        credentials = f"{settings.SMS_HTTP_USER}:{settings.SMS_HTTP_TOKEN}".encode()
        req.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
        try:
            with request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urlerror.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise PermanentError(f"SMS provider refused ({exc.code}): {detail}") from exc
            raise TransientError(f"SMS provider error {exc.code}") from exc
        except (urlerror.URLError, TimeoutError, OSError) as exc:
            raise TransientError(f"SMS provider unreachable: {exc}") from exc
        try:
            data = json.loads(payload or b"{}")
        except ValueError:
            data = {}
        return str(data.get("sid") or data.get("id") or data.get("message_id") or "")

    def close(self):
        pass


def sms_transport():
    if settings.SMS_BACKEND == "http":
        return HttpSmsTransport()
    return ConsoleSmsTransport()


class Transports:
    """The transports of one dispatch batch: opened lazily, closed together."""

    def __init__(self):
        self._email = None
        self._sms = None

    def for_channel(self, channel: str):
        if channel == "sms":
            self._sms = self._sms or sms_transport()
            return self._sms
        self._email = self._email or EmailTransport()
        return self._email

    def close(self):
        for transport in (self._email, self._sms):
            if transport is not None:
                transport.close()
