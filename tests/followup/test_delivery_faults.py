"""Delivery faults on real services: an aiosmtpd relay, a real HTTP SMS provider, PostgreSQL.

Each test counts every reminder at the end: delivered once, duplicated, lost, uncertain
or failed. Expected: nothing duplicated, nothing lost, a server fault flags no patient.
"""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup import tasks
from followup.delivery import dispatch, transports
from followup.models import Reminder, ReminderStatus
from patients.models import Patient
from tests.followup.test_reminder_delivery import due_reminders, statuses
from tests.support.reminders import SinkHandler, SmtpSink, allow_reminders


class DataRefusingHandler(SinkHandler):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "500 5.3.0 Internal relay error"


def use_sink(settings, sink, timeout: float = 20) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_TIMEOUT = timeout


def flagged(ids) -> int:
    return Patient.objects.filter(reminders__pk__in=ids).exclude(contact_problem="").count()


def test_a_relay_that_stores_the_mail_and_answers_late_gets_exactly_one_copy(
    db, nurse, settings, administrator
):
    with SmtpSink(delay=2.5) as sink:
        use_sink(settings, sink, timeout=1)
        ids = due_reminders(nurse, 2)
        result = dispatch.send_batch(ids)
        assert result == {"uncertain": 2}, list(Reminder.objects.values_list("last_error"))
        # Later runs, even well after the re-enqueue delay, never resend them.
        later = timezone.now() + timedelta(hours=2)
        dispatch.dispatch_due(now=later)
        assert dispatch.send_batch(ids, now=later) == {"not-claimed": 2}
        # Each message's data reached the relay exactly once (aiosmtpd drops its late
        # reply once we hang up, so count what arrived rather than what was answered).
        assert sink.count() + sink.handler.in_flight == 2
    assert statuses(ids) == {"uncertain": 2}
    assert flagged(ids) == 0
    row = Reminder.objects.get(pk=ids[0])
    assert "may have arrived" in row.last_error
    # Administrators get one count, no names.
    assert dispatch.report_stuck() == 2
    alert = Reminder.objects.get(kind="nurse_alert", recipient_user=administrator)
    assert "2 reminder(s)" in alert.context["text"]
    for reminder in Reminder.objects.filter(pk__in=ids).select_related("patient"):
        assert str(reminder.patient) not in alert.context["text"]
    assert dispatch.report_stuck() == 0


def test_a_relay_refusing_data_with_500_is_retried_and_blames_no_patient(db, nurse, settings):
    with SmtpSink() as sink:
        sink.handler.__class__ = DataRefusingHandler
        use_sink(settings, sink)
        ids = due_reminders(nurse, 3)
        assert dispatch.send_batch(ids) == {"retry": 3}
        assert sink.count() == 0
    assert statuses(ids) == {"pending": 3}
    assert flagged(ids) == 0
    rows = Reminder.objects.filter(pk__in=ids)
    assert all("500 at DATA" in row.last_error for row in rows)
    assert all(row.send_at > timezone.now() for row in rows)  # backoff, not a tight loop


def test_a_550_at_rcpt_flags_only_that_patient_and_the_others_are_sent_once(db, nurse, settings):
    with SmtpSink(refuse=("patient1@example.org",)) as sink:
        use_sink(settings, sink)
        ids = due_reminders(nurse, 3)
        assert dispatch.send_batch(ids) == {"sent": 2, "failed": 1}
        assert sink.per_recipient() == {"patient0@example.org": 1, "patient2@example.org": 1}
    assert flagged(ids) == 1
    refused = Patient.objects.get(email="patient1@example.org")
    assert refused.contact_problem.startswith("email: address refused")


def test_a_claim_left_by_a_dead_worker_is_released_after_the_lease_and_sent_once(
    db, nurse, settings
):
    with SmtpSink() as sink:
        use_sink(settings, sink)
        ids = due_reminders(nurse, 2)
        claimed_at = timezone.now() - timedelta(seconds=5)
        Reminder.objects.filter(pk__in=ids).update(
            status=ReminderStatus.CLAIMED, claimed_at=claimed_at, attempts=1
        )
        # Within the lease: left alone.
        assert dispatch.release_expired_claims() == 0
        later = timezone.now() + settings.REMINDER_CLAIM_LEASE
        assert dispatch.release_expired_claims(now=later) == 2
        assert dispatch.send_batch(ids) == {"sent": 2}
        assert sorted(sink.per_recipient().values()) == [1, 1]
    # The dead worker's stale claim cannot move the rows any more.
    stale = Reminder.objects.get(pk=ids[0])
    stale.claimed_at = claimed_at
    dispatch._finish(stale, status=ReminderStatus.FAILED)
    assert statuses(ids) == {"sent": 2}


def test_the_re_enqueue_delay_is_a_setting_of_about_a_minute(db, nurse, settings, monkeypatch):

    assert settings.REMINDER_REQUEUE_AFTER == timedelta(minutes=1)
    sent = []
    monkeypatch.setattr(tasks.send_reminder_batch, "delay", lambda ids: sent.append(ids))
    ids = due_reminders(nurse, 1)
    now = timezone.now()
    assert dispatch.dispatch_due(now=now) == 1
    assert dispatch.dispatch_due(now=now + timedelta(seconds=30)) == 0
    assert dispatch.dispatch_due(now=now + timedelta(seconds=61)) == 1  # the lost batch
    assert sent == [ids, ids]


# --- SMS ----------------------------------------------------------------------------------


class SlowProvider:
    """Records each POST, waits ``delay`` seconds, then answers ``status``."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                provider.requests.append(
                    {"headers": dict(self.headers), "form": parse_qs(self.rfile.read(length))}
                )
                time.sleep(delay)
                payload = json.dumps({"sid": "SM1"} if status < 300 else {"code": 21211}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/Messages.json"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def sms_rows(nurse, settings, provider, count=2) -> list[int]:
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = provider.url
    settings.SMS_HTTP_USER, settings.SMS_HTTP_TOKEN = "AC-test", "token"
    ids = due_reminders(nurse, count)
    for n, patient in enumerate(Patient.objects.filter(reminders__pk__in=ids)):
        allow_reminders(patient, preferred_channel="sms", mobile_phone=f"+1415555{n:04d}")
    return ids


@pytest.mark.parametrize(
    ("status", "delay", "result", "requests", "flags"),
    [
        (200, 1.5, {"uncertain": 2}, 2, 0),  # answered after the timeout
        (500, 0.0, {"retry": 2}, 2, 0),  # provider fault: retried later, nobody flagged
        (400, 0.0, {"failed": 2}, 2, 2),  # invalid number: the patient's contact
    ],
)
def test_sms_provider_faults(
    db, nurse, settings, monkeypatch, status, delay, result, requests, flags
):

    monkeypatch.setattr(
        transports.sms, "open_transport", lambda: transports.sms.HttpSmsTransport(timeout=0.5)
    )
    with SlowProvider(status=status, delay=delay) as provider:
        ids = sms_rows(nurse, settings, provider)
        assert dispatch.send_batch(ids) == result
        assert dispatch.send_batch(ids) == {"not-claimed": 2}  # nothing resent at once
        time.sleep(delay)
        assert len(provider.requests) == requests
        keys = {r["headers"].get("Idempotency-Key") for r in provider.requests}
        dedupe = set(Reminder.objects.filter(pk__in=ids).values_list("dedupe_key", flat=True))
        assert keys == dedupe
        assert {r["headers"].get("I-Twilio-Idempotency-Token") for r in provider.requests} == keys
    assert flagged(ids) == flags


# --- Round trips ----------------------------------------------------------------------------


def test_a_batch_is_claimed_in_one_statement_and_each_message_costs_two(db, nurse, settings):
    """One statement claims the whole batch; each message then costs two: the hand-over
    (committed before the provider is called) and its outcome with the attempt."""

    def queries_for(count: int, first: int) -> int:
        ids = due_reminders(nurse, count, first=first)
        with CaptureQueriesContext(connection) as captured:
            assert dispatch.send_batch(ids) == {"sent": count}
        return len(captured.captured_queries)

    with SmtpSink() as sink:
        use_sink(settings, sink)
        few, more = queries_for(3, 0), queries_for(9, 3)
        assert sink.count() == 12
    assert more - few == 2 * 6, (few, more)
    assert few <= 3 * 2 + 6  # claim, read, channel health: a constant beside the per-message


def test_claiming_twice_claims_nothing_and_skips_rows_not_due(db, nurse):
    ids = due_reminders(nurse, 3)
    Reminder.objects.filter(pk=ids[2]).update(send_at=timezone.now() + timedelta(hours=1))
    now = timezone.now()
    assert sorted(dispatch.claim_batch(ids, now=now)) == sorted(ids[:2])
    assert dispatch.claim_batch(ids, now=now) == []
    assert statuses(ids) == {"claimed": 2, "pending": 1}
