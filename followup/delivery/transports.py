"""One Transport per channel. Each ``send()`` returns the provider's message id or raises.

The three errors say what is known about the message:

PermanentError: the recipient itself was refused (SMTP 550/551/553 or 5.1.x at RCPT, an
    invalid number from the SMS provider). Nothing was delivered; trying again cannot
    help; the row fails and the patient's contact is flagged for a nurse to fix.
TransientError: the server or channel failed (connect, TLS, auth, any 4xx, a 5xx at MAIL
    or DATA, a provider 5xx). Nothing was accepted and it is not the patient's fault:
    retried with capped backoff, the patient is never flagged.
UncertainError: the message went out but no answer came back (a timeout or a dropped
    connection after DATA, an HTTP request sent with no response). It may have arrived:
    never resent automatically; a person settles it on "Needs a person".
"""

from __future__ import annotations

import base64
import http.client
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


class UncertainError(Exception):
    pass


def recipient_refused(code: int, reply: bytes | str) -> bool:
    """Whether an SMTP reply at RCPT blames the address rather than the server (RFC 3463)."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return code in (550, 551, 553) or text.strip().startswith("5.1.")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str = ""
    # Sent to providers that deduplicate on it, so a retried request is delivered once.
    idempotency_key: str = ""


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
        self._converse(email, message.to)
        return message_id

    def _converse(self, email: EmailMultiAlternatives, to: str) -> None:
        """MAIL, RCPT, DATA one at a time, so a failure says which step it came from."""
        smtp = getattr(self.connection, "connection", None)
        if not isinstance(smtp, smtplib.SMTP):  # console or file backend in development
            email.send()
            return
        phase = "MAIL"
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(email.from_email)
            if code != 250:
                self._reset(smtp)
                raise TransientError(f"mail server said {code} at MAIL")
            phase = "RCPT"
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                self._reset(smtp)
                if recipient_refused(code, reply):
                    raise PermanentError(f"address refused by the mail server ({code})")
                raise TransientError(f"mail server said {code} at RCPT")
            phase = "DATA"
            code, reply = smtp.data(email.message().as_bytes(linesep="\r\n"))
            if code != 250:
                self._reset(smtp)
                raise TransientError(f"mail server said {code} at DATA")
        except smtplib.SMTPDataError as exc:  # refused DATA itself: nothing was sent
            self._reset(smtp)
            raise TransientError(f"mail server said {exc.smtp_code} at DATA") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            if phase == "DATA":
                raise UncertainError(
                    f"no answer from the mail server after the message was sent "
                    f"({type(exc).__name__}): it may have arrived"
                ) from exc
            raise TransientError(
                f"mail server unreachable at {phase}: {type(exc).__name__}"
            ) from exc

    def _reset(self, smtp) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

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
    "sid", "id" or "message_id".

    The reminder's dedupe key goes out as ``I-Twilio-Idempotency-Token`` (Twilio) and
    ``Idempotency-Key`` (the common convention; Vonage, MessageBird-style gateways and
    our fake provider honour it), so a retried request is delivered once by providers
    that support either header. Answers: 401/403 (our credentials) and 5xx, 408, 429 or
    a refused connection are channel faults: transient, the patient is never flagged.
    Other 4xx mean the provider will never take this number: permanent. A request that
    went out with no answer (a read timeout, a reset connection) is uncertain.
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
        if message.idempotency_key:
            req.add_header("I-Twilio-Idempotency-Token", message.idempotency_key)
            req.add_header("Idempotency-Key", message.idempotency_key)
        try:
            with request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urlerror.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            if 400 <= exc.code < 500 and exc.code not in (401, 403, 408, 429):
                raise PermanentError(f"SMS provider refused ({exc.code}): {detail}") from exc
            raise TransientError(f"SMS provider error {exc.code}") from exc
        except urlerror.URLError as exc:  # could not connect: nothing was sent
            raise TransientError(f"SMS provider unreachable: {exc.reason}") from exc
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise UncertainError(
                f"no answer from the SMS provider after the request was sent "
                f"({type(exc).__name__}): it may have arrived"
            ) from exc
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
