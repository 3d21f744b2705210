"""The HTTP SMS adapter against a fake provider: a real HTTP server on 127.0.0.1.

The fake answers from a script (status, JSON body) per request and records what it got,
so the tests see the exact request the app makes and what it does with each answer.
"""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from followup.delivery import dispatch
from followup.delivery.transports import Transports
from followup.models import DeliveryAttempt, Reminder, ReminderStatus
from tests.support.reminders import allow_reminders, schedule_visit

PHONE = "+14155550123"
DIAGNOSIS_WORDS = ("breast", "cancer", "tumour", "tumor", "oncolog", "iia", "recurrence")


class FakeProvider:
    """Answers each POST with the next (status, body) of ``script`` (the last one repeats)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                provider.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": parse_qs(self.rfile.read(length).decode()),
                    }
                )
                index = min(len(provider.requests), len(provider.script)) - 1
                status, body = provider.script[index]
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01/Messages.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    """A fake provider, with the app configured to use it; set ``.script`` per test."""
    fake = FakeProvider([(200, {"sid": "SM123"})])
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_HTTP_USER = "AC-test"
    settings.SMS_HTTP_TOKEN = "secret-token"
    settings.SMS_FROM = "+15005550006"
    with fake:
        yield fake


@pytest.fixture
def sms_reminder(helen, diagnosis):
    """Helen prefers SMS; her scan is booked in 3 days, and its reminder is due now."""
    allow_reminders(helen, preferred_channel="sms", mobile_phone=PHONE)
    visit = schedule_visit(diagnosis, timezone.now() + timedelta(days=3))
    reminder = Reminder.objects.get(visit=visit, status=ReminderStatus.PENDING)
    assert reminder.channel == "sms"
    Reminder.objects.filter(pk=reminder.pk).update(send_at=timezone.now())  # the clock move
    return reminder


def send(reminder, now=None) -> str:
    transports = Transports()
    try:
        return dispatch.send_one(reminder.pk, transports, now=now)
    finally:
        transports.close()


def test_it_retries_a_server_error_with_backoff_then_sends(provider, sms_reminder, settings):
    provider.script = [(500, {"message": "busy"}), (200, {"sid": "SM123"})]
    now = timezone.now()
    assert send(sms_reminder, now=now) == "retry"
    sms_reminder.refresh_from_db()
    assert sms_reminder.status == ReminderStatus.PENDING
    assert sms_reminder.send_at == now + settings.REMINDER_RETRY_BASE  # first backoff step
    assert "500" in sms_reminder.last_error
    failed = DeliveryAttempt.objects.get(reminder=sms_reminder)
    assert not failed.succeeded and not failed.permanent
    assert send(sms_reminder) == "not-claimed"  # not due again before the backoff ends
    assert len(provider.requests) == 1

    Reminder.objects.filter(pk=sms_reminder.pk).update(send_at=timezone.now())  # the clock
    assert send(sms_reminder) == "sent"
    sms_reminder.refresh_from_db()
    assert sms_reminder.status == ReminderStatus.SENT
    assert sms_reminder.provider_message_id == "SM123"
    assert sms_reminder.attempts == 2
    assert DeliveryAttempt.objects.filter(reminder=sms_reminder, succeeded=True).get(
        provider_message_id="SM123"
    )
    assert len(provider.requests) == 2


def test_it_fails_visibly_when_the_provider_refuses_the_number(provider, sms_reminder, helen):
    provider.script = [(400, {"message": "invalid number"})]
    assert send(sms_reminder) == "failed"
    sms_reminder.refresh_from_db()
    assert sms_reminder.status == ReminderStatus.FAILED
    assert "invalid number" in sms_reminder.last_error
    assert DeliveryAttempt.objects.get(reminder=sms_reminder).permanent
    helen.refresh_from_db()
    assert helen.contact_problem.startswith("sms:")
    assert "invalid number" in helen.contact_problem
    assert len(provider.requests) == 1
    assert send(sms_reminder) == "not-claimed"  # a permanent failure is not retried


def test_it_never_calls_the_provider_with_an_invalid_stored_number(provider, sms_reminder, helen):
    # Stored without validation (an import, an old record): not in international form.
    type(helen).objects.filter(pk=helen.pk).update(mobile_phone="0415 555 012")
    assert send(sms_reminder) == "failed"
    assert provider.requests == []
    sms_reminder.refresh_from_db()
    assert sms_reminder.status == ReminderStatus.FAILED
    helen.refresh_from_db()
    assert helen.contact_problem == "sms: no valid mobile number on file"


def test_it_posts_to_from_and_body_with_basic_auth_and_no_diagnosis(
    provider, sms_reminder, diagnosis
):
    assert send(sms_reminder) == "sent"
    (request,) = provider.requests
    assert request["path"] == "/2010-04-01/Messages.json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(b"AC-test:secret-token").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"
    form = request["form"]
    assert form["To"] == [PHONE]
    assert form["From"] == ["+15005550006"]
    (body,) = form["Body"]
    assert "reminder of your" in body and "/portal/preferences/" in body
    lowered = body.lower()
    assert not [word for word in DIAGNOSIS_WORDS if word in lowered], body
    assert diagnosis.cancer_name.lower() not in lowered
