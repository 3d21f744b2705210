"""Delivery under faults on real services: PostgreSQL, Redis, a real Celery worker, aiosmtpd
and a fake SMS provider (only the provider's HTTP API is stood in for).

Every test ends by counting each reminder (``tally``): delivered once, duplicated, lost,
uncertain, failed (or waiting to retry). Expected everywhere: nothing duplicated,
nothing lost, every uncertain row listed on "Needs a person", and no patient flagged by a
fault of the mail server or the SMS provider.

"Moving time forward" is done as in test_reminder_delivery: rows' ``send_at`` is set to
now, and a dispatch run is given a later ``now`` to stand for a later beat tick.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import ChannelHealth, Reminder, ReminderStatus
from followup.selectors.portal import needs_person
from patients.models import Patient
from survivorship.celery import app as celery_app
from tests.followup.test_reminder_delivery import due_reminders
from tests.support.celery_worker import wait_for
from tests.support.reminders import (
    RedisServer,
    ReminderWorker,
    SinkHandler,
    SmtpSink,
    allow_reminders,
    close_broker_pools,
    forget_unacked,
    reset_celery_pools,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis]

BROKER_KEYS = ("broker_url", "broker_write_url", "broker_read_url")
UNSETTLED = [ReminderStatus.PENDING, ReminderStatus.CLAIMED]


# --- Counting -------------------------------------------------------------------------------


def tally(ids, received: dict[str, int], *, viewer) -> Counter:
    """What became of each reminder, by what its recipient really received."""
    later = timezone.now() + settings.REMINDER_STUCK_AFTER + timedelta(minutes=1)
    listed = set(needs_person(user=viewer, now=later).values_list("pk", flat=True))
    counts: Counter = Counter()
    for row in Reminder.objects.filter(pk__in=ids).select_related("patient"):
        address = row.patient.mobile_phone if row.channel == "sms" else row.patient.email
        got = received.get(address, 0)
        if got > 1:
            counts["duplicated"] += 1
        elif row.status == ReminderStatus.SENT:
            counts["delivered once" if got == 1 else "lost"] += 1
        elif row.status in (ReminderStatus.UNCERTAIN, ReminderStatus.SENDING):
            counts["uncertain" if row.pk in listed else "uncertain, not listed"] += 1
        elif row.status == ReminderStatus.FAILED:
            counts["failed" if got == 0 else "failed, but it arrived"] += 1
        elif row.status == ReminderStatus.PENDING and row.attempts and row.last_error:
            counts["waiting to retry" if got == 0 else "retrying, but it arrived"] += 1
        else:
            counts["lost"] += 1  # queued or claimed at the end, never arrived
    return counts


def flagged(ids) -> int:
    return Patient.objects.filter(reminders__pk__in=ids).exclude(contact_problem="").count()


def settled(ids) -> bool:
    return not Reminder.objects.filter(pk__in=ids, status__in=UNSETTLED).exists()


def finished(ids) -> bool:
    """Every row has its outcome: sent, failed, uncertain, or waiting out a retry."""
    return (
        not Reminder.objects.filter(pk__in=ids)
        .filter(
            Q(status__in=[ReminderStatus.CLAIMED, ReminderStatus.SENDING])
            | Q(status=ReminderStatus.PENDING, last_error="")
        )
        .exists()
    )


def beat_tick_after_the_lease() -> int:
    """A dispatch run a claim lease later: released claims go back out."""
    return dispatch.dispatch_due(now=timezone.now() + settings.REMINDER_CLAIM_LEASE)


@pytest.fixture
def processes():
    started = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def enqueued():
    """Batches handed to workers; a killed worker's unacknowledged copy is dropped after."""
    batches: list[list[int]] = []
    yield batches
    forget_unacked(celery_app, batches)


def start_worker(processes, tmp_path, name: str, env: dict) -> ReminderWorker:
    worker = ReminderWorker(tmp_path / f"{name}.log", extra_env=env).start()
    processes.append(worker)
    return worker


def hand_out(ids, enqueued, size: int) -> None:
    Reminder.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    enqueued.extend(ids[start : start + size] for start in range(0, len(ids), size))
    dispatch.enqueue(ids)


# --- Mail -------------------------------------------------------------------------------------


class LateAnswerHandler(SinkHandler):
    """A relay that stores the mail at once and answers only after ``late`` seconds."""

    late = 2.5

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.late)
        return answer


class DataRefusingHandler(SinkHandler):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "500 5.3.0 Internal relay error"


def test_a_relay_that_answers_after_the_timeout_delivers_each_once_and_leaves_them_uncertain(
    transactional_db, nurse, administrator, tmp_path, processes, enqueued
):
    with SmtpSink() as sink:
        sink.handler.__class__ = LateAnswerHandler
        ids = due_reminders(nurse, 4)
        start_worker(processes, tmp_path, "worker", {**sink.env(), "EMAIL_TIMEOUT": "1"})
        hand_out(ids, enqueued, settings.REMINDER_BATCH_SIZE)
        wait_for(lambda: finished(ids), timeout=60)
        # Later beat runs, well past the re-enqueue delay and the lease, send nothing.
        later = timezone.now() + timedelta(hours=2)
        assert not set(dispatch.due_ids(now=later)) & set(ids)
        dispatch.dispatch_due(now=later)
        time.sleep(1)
        received = sink.per_recipient()
    assert tally(ids, received, viewer=administrator) == {"uncertain": 4}
    assert Reminder.objects.filter(pk__in=ids, status=ReminderStatus.UNCERTAIN).count() == 4
    assert flagged(ids) == 0


def test_a_relay_refusing_data_is_retried_blames_nobody_and_recovers(
    transactional_db, nurse, administrator, tmp_path, processes, enqueued
):
    with SmtpSink() as sink:
        sink.handler.__class__ = DataRefusingHandler
        ids = due_reminders(nurse, 10)
        start_worker(processes, tmp_path, "worker", sink.env())
        hand_out(ids, enqueued, settings.REMINDER_BATCH_SIZE)
        wait_for(lambda: finished(ids), timeout=60)
        assert tally(ids, sink.per_recipient(), viewer=administrator) == {"waiting to retry": 10}
        assert flagged(ids) == 0
        assert ChannelHealth.objects.get(channel="email").degraded_since is not None
        outage = Reminder.objects.filter(dedupe_key__startswith="alert:outage:email")
        assert outage.filter(recipient_user=administrator).count() == 1

        # The relay works again; the backoff has passed (clock move).
        sink.handler.__class__ = SinkHandler
        Reminder.objects.filter(status=ReminderStatus.PENDING).update(send_at=timezone.now())
        dispatch.dispatch_due(now=timezone.now() + settings.REMINDER_REQUEUE_AFTER)
        wait_for(lambda: settled(ids), timeout=60)
        recovered = Reminder.objects.filter(
            dedupe_key__startswith="alert:recovered:email", recipient_user=administrator
        )
        wait_for(lambda: recovered.exists(), timeout=30)
        time.sleep(1)
        received = sink.per_recipient()
    assert tally(ids, received, viewer=administrator) == {"delivered once": 10}
    assert flagged(ids) == 0
    assert ChannelHealth.objects.get(channel="email").degraded_since is None
    assert recovered.count() == 1


def test_a_550_at_rcpt_for_one_address_flags_that_patient_only(
    transactional_db, nurse, administrator, tmp_path, processes, enqueued
):
    with SmtpSink(refuse=("patient2@example.org",)) as sink:
        ids = due_reminders(nurse, 5)
        start_worker(processes, tmp_path, "worker", sink.env())
        hand_out(ids, enqueued, settings.REMINDER_BATCH_SIZE)
        wait_for(lambda: settled(ids), timeout=60)
        wait_for(lambda: sink.count() >= 4, timeout=20)
        time.sleep(0.5)
        received = sink.per_recipient()
    assert tally(ids, received, viewer=administrator) == {"delivered once": 4, "failed": 1}
    assert list(Patient.objects.exclude(contact_problem="").values_list("email", flat=True)) == [
        "patient2@example.org"
    ]
    assert not ChannelHealth.objects.filter(channel="email", degraded_since__isnull=False)


def test_sigkill_mid_batch_sends_nothing_twice_and_lists_the_one_in_flight(
    transactional_db, nurse, administrator, tmp_path, processes, settings, enqueued
):
    settings.REMINDER_BATCH_SIZE = 10
    with SmtpSink(delay=0.3) as sink:
        ids = due_reminders(nurse, 20)
        env = {**sink.env(), "REMINDER_BATCH_SIZE": "10"}
        first = start_worker(processes, tmp_path, "first", env)
        hand_out(ids, enqueued, 10)
        wait_for(lambda: sink.count() >= 3 and sink.handler.in_flight, timeout=30, interval=0.02)
        first.stop(signal.SIGKILL)
        start_worker(processes, tmp_path, "second", env)
        beat_tick_after_the_lease()
        wait_for(lambda: settled(ids), timeout=60)
        wait_for(lambda: sink.count() >= len(ids) - 1, timeout=30)
        time.sleep(1)
        received = sink.per_recipient()
    counts = tally(ids, received, viewer=administrator)
    assert counts == {"delivered once": 19, "uncertain": 1}, counts
    assert flagged(ids) == 0


def terminate_other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_database_connections_terminated_mid_batch_lose_and_double_nothing(
    transactional_db, nurse, administrator, tmp_path, processes, settings, enqueued
):
    settings.REMINDER_BATCH_SIZE = 10
    with SmtpSink(delay=0.2) as sink:
        ids = due_reminders(nurse, 20)
        start_worker(processes, tmp_path, "worker", {**sink.env(), "REMINDER_BATCH_SIZE": "10"})
        hand_out(ids, enqueued, 10)
        terminated = 0
        for at in (3, 8, 13):
            wait_for(lambda at=at: sink.count() >= at, timeout=60, interval=0.02)
            terminated += terminate_other_connections()
        assert terminated >= 3  # the worker's connection, each time
        deadline = time.monotonic() + 90
        while not settled(ids) and time.monotonic() < deadline:
            beat_tick_after_the_lease()
            time.sleep(2)
        wait_for(lambda: settled(ids), timeout=5)
        time.sleep(1)
        received = sink.per_recipient()
    counts = tally(ids, received, viewer=administrator)
    assert set(counts) <= {"delivered once", "uncertain"}, counts
    assert sum(counts.values()) == 20
    # A dropped connection right after the relay's answer is reopened and the answer
    # recorded: a database blip does not leave delivered rows for a person to settle.
    assert counts["uncertain"] <= 1, counts
    assert flagged(ids) == 0


def test_redis_restarted_without_persistence_is_recovered_on_the_next_beat_tick(
    transactional_db, nurse, administrator, tmp_path, processes, settings
):
    settings.REMINDER_BATCH_SIZE = 10
    redis = RedisServer().start()
    processes.append(redis)
    saved = {key: celery_app.conf.get(key) for key in BROKER_KEYS}
    celery_app.conf.update({key: redis.url for key in BROKER_KEYS})
    reset_celery_pools(celery_app)
    try:
        with SmtpSink(delay=0.3) as sink:
            ids = due_reminders(nurse, 30)
            env = {**sink.env(), "REDIS_URL": redis.url, "REMINDER_BATCH_SIZE": "10"}
            start_worker(processes, tmp_path, "worker", env)
            assert dispatch.dispatch_due() == 30  # three batches in the queue
            wait_for(lambda: sink.count() >= 2, timeout=30, interval=0.05)
            redis.stop()  # the two batches still queued go with it
            redis.start()
            close_broker_pools(celery_app)
            first = set(Reminder.objects.filter(pk__in=ids).exclude(status="pending").values_list(
                "pk", flat=True))  # fmt: skip
            wait_for(lambda: sink.count() >= len(first), timeout=30)
            assert Reminder.objects.filter(pk__in=ids, status="pending").count() == 20
            # The very next beat run, well inside REMINDER_REQUEUE_AFTER, sees the broker
            # forgot its queue and hands the 20 waiting rows out again.
            assert dispatch.dispatch_due() == 20
            wait_for(lambda: settled(ids), timeout=60)
            wait_for(lambda: sink.count() >= len(ids), timeout=30)
            time.sleep(1)
            received = sink.per_recipient()
            assert dispatch.dispatch_due() == 0  # the mark is back: nothing re-enqueued
    finally:
        close_broker_pools(celery_app)
        celery_app.conf.update(saved)
        reset_celery_pools(celery_app)
    assert tally(ids, received, viewer=administrator) == {"delivered once": 30}


# --- SMS ------------------------------------------------------------------------------------


class FakeSmsProvider:
    """The provider's HTTP API only: records each POST, waits ``delay``, answers ``status``."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status, self.delay = status, delay
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                provider.requests.append({"headers": dict(self.headers), "form": form})
                time.sleep(provider.delay)
                ok = provider.status < 300
                payload = json.dumps({"sid": f"SM{len(provider.requests)}"} if ok else {}).encode()
                try:
                    self.send_response(provider.status)
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

    def per_recipient(self, *, accepted_only: bool = True) -> dict[str, int]:
        # A refused request (4xx/5xx) delivered nothing; a slow 200 did deliver.
        counts: dict[str, int] = {}
        if accepted_only and self.status >= 300:
            return counts
        for request in self.requests:
            to = request["form"]["To"][0]
            counts[to] = counts.get(to, 0) + 1
        return counts


@pytest.mark.parametrize(
    ("status", "delay", "expected", "flags"),
    [
        (200, 2.0, {"uncertain": 3}, 0),  # accepted, answered after the 1 s timeout
        (500, 0.0, {"waiting to retry": 3}, 0),  # the provider's fault: nobody flagged
        (400, 0.0, {"failed": 3}, 3),  # invalid number: the patient's contact
    ],
)
def test_sms_provider_faults_through_a_real_worker(
    transactional_db, nurse, administrator, tmp_path, processes, enqueued,
    status, delay, expected, flags,
):  # fmt: skip
    with FakeSmsProvider(status=status, delay=delay) as provider:
        ids = due_reminders(nurse, 3)
        for n, patient in enumerate(Patient.objects.filter(reminders__pk__in=ids)):
            allow_reminders(patient, preferred_channel="sms", mobile_phone=f"+1415555{n:04d}")
        env = {
            "SMS_BACKEND": "http", "SMS_HTTP_URL": provider.url, "SMS_HTTP_TIMEOUT": "1",
            "SMS_HTTP_USER": "AC-test", "SMS_HTTP_TOKEN": "token",
        }  # fmt: skip
        start_worker(processes, tmp_path, "worker", env)
        hand_out(ids, enqueued, settings.REMINDER_BATCH_SIZE)
        wait_for(lambda: finished(ids), timeout=60)
        # A later beat run inside the backoff sends nothing more.
        assert not set(dispatch.due_ids()) & set(ids)
        dispatch.dispatch_due()
        time.sleep(delay + 0.5)
        assert len(provider.requests) == 3  # one request per reminder, none repeated
        keys = {r["headers"].get("Idempotency-Key") for r in provider.requests}
        assert keys == set(Reminder.objects.filter(pk__in=ids).values_list("dedupe_key", flat=True))
        received = provider.per_recipient()
    assert tally(ids, received, viewer=administrator) == expected
    assert flagged(ids) == flags
