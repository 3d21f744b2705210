"""SMS: the console in development, a Twilio-style HTTP gateway in production."""

from __future__ import annotations

import base64
import http.client
import json
import re
import uuid
from pathlib import Path
from urllib import error as urlerror
from urllib import parse, request

from django.conf import settings
from django.utils import timezone

from followup.delivery.transports.base import (
    Message,
    PermanentError,
    TransientError,
    UncertainError,
)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def address_of(patient) -> str:
    return patient.mobile_phone or ""


def reachable(patient) -> str | None:
    return None if address_of(patient) else "no mobile number on file"


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

    def __init__(self, url: str | None = None, timeout: float | None = None):
        self.url = url or settings.SMS_HTTP_URL
        self.timeout = timeout or settings.SMS_HTTP_TIMEOUT

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


def open_transport():
    if settings.SMS_BACKEND == "http":
        return HttpSmsTransport()
    return ConsoleSmsTransport()
