"""Reminder delivery against real services: a Celery worker (and beat), Redis, an SMTP server.

Mail goes to an aiosmtpd server in this process (tests/support/reminders.py); the worker
is a child process told where it is with EMAIL_HOST/EMAIL_PORT. Every patient has their
own address, so counting messages per recipient shows whether anything went out twice.

"Moving time forward": a reminder's moment is days before the appointment. Instead of
waiting, a test sets the due rows' ``send_at`` to now, which is what the clock would do.
"""

import signal
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import DeliveryAttempt, Reminder, ReminderStatus, VisitStatus
from patients.models import Patient
from survivorship.celery import app as celery_app
from tests.support.celery_worker import wait_for
from tests.support.reminders import (
    BeatProcess,
    RedisServer,
    ReminderWorker,
    SmtpSink,
    allow_reminders,
    close_broker_pools,
    first_open_visit,
    forget_unacked,
    make_reminder_patient,
    reset_celery_pools,
    schedule_visit,
)

DIAGNOSIS_WORDS = ("breast", "cancer", "tumour", "tumor", "oncolog", "IIA", "recurrence")
BROKER_KEYS = ("broker_url", "broker_write_url", "broker_read_url")


@pytest.fixture
def processes():
    """Everything a test starts (workers, beat, Redis), stopped at the end whatever happens."""
    started = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def enqueued():
    """Batches a test hands to workers; a killed worker's unacked copy is dropped after."""
    batches: list[list[int]] = []
    yield batches
    forget_unacked(celery_app, batches)


def start_worker(processes, tmp_path, name: str, env: dict) -> ReminderWorker:
    worker = ReminderWorker(tmp_path / f"{name}.log", extra_env=env).start()
    processes.append(worker)
    return worker


def due_reminders(nurse, count: int, first: int = 0) -> list[int]:
    """``count`` patients, each booked in 3 days: one pending reminder each, now due.

    The 7-days-before reminder of a visit booked 3 days ahead is skipped when planned;
    the 1-day-before one is pending, and the test's clock move makes it due now.
    """
    at = timezone.now() + timedelta(days=3)
    visits = [
        schedule_visit(make_reminder_patient(nurse, n)[1], at) for n in range(first, first + count)
    ]
    pending = Reminder.objects.filter(visit__in=visits, status=ReminderStatus.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    assert len(ids) == count
    Reminder.objects.filter(pk__in=ids).update(send_at=timezone.now())  # the clock move
    return ids


def statuses(ids) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Reminder.objects.filter(pk__in=ids).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def all_settled(ids) -> bool:
    return not Reminder.objects.filter(
        pk__in=ids, status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
    ).exists()


def assert_no_diagnosis_in(sink: SmtpSink) -> None:
    for message in sink.messages:
        text = f"{message.subject}\n{message.body}".lower()
        assert not [word for word in DIAGNOSIS_WORDS if word.lower() in text], text


@pytest.mark.celery_worker
@pytest.mark.redis
def test_it_delivers_each_due_reminder_exactly_once_through_beat_and_a_worker(
    transactional_db, nurse, tmp_path, processes
):
    celery_app.control.purge()
    with SmtpSink() as sink:
        at = timezone.now() + timedelta(days=10)
        visits = [schedule_visit(make_reminder_patient(nurse, n)[1], at) for n in range(3)]
        due = Reminder.objects.filter(visit__in=visits)
        assert due.filter(status=ReminderStatus.PENDING).count() == 6  # 7 days and 1 day before
        ids = list(due.values_list("pk", flat=True))

        start_worker(processes, tmp_path, "worker", sink.env())
        beat = BeatProcess(
            tmp_path / "beat.log",
            tmp_path / "beat-schedule",
            extra_env={"DISPATCH_SECONDS": "5"},
        ).start()
        processes.append(beat)
        Reminder.objects.filter(pk__in=ids).update(send_at=timezone.now())  # the clock move

        wait_for(lambda: statuses(ids) == {"sent": len(ids)}, timeout=45)
        wait_for(lambda: sink.count() >= len(ids), timeout=10)
        time.sleep(6)  # a further beat tick or more: nothing else may arrive
        assert sink.count() == len(ids)
        assert "followup.tasks.dispatch_reminders" in beat.output()

        rows = list(Reminder.objects.filter(pk__in=ids))
        assert all(row.provider_message_id and row.sent_at for row in rows)
        assert {m.message_id for m in sink.messages} == {r.provider_message_id for r in rows}
        assert sink.per_recipient() == {f"patient{n}@example.org": 2 for n in range(3)}
        assert DeliveryAttempt.objects.filter(reminder__in=ids, succeeded=True).count() == 6
        assert_no_diagnosis_in(sink)


@pytest.mark.celery_worker
def test_it_never_sends_twice_when_the_worker_is_killed_mid_batch(
    transactional_db, nurse, administrator, tmp_path, processes, settings, enqueued
):
    """SIGKILL in the middle of a batch: exactly once for every reminder but one.

    A batch's rows are claimed together (pending → claimed); each is marked "sending" just
    before its message goes out. The worker is killed while the SMTP server is taking a
    message: that row's fate is unknown to the app, so it stays "sending" and is reported
    to an administrator, never resent (at-most-once for the in-flight row). Every other
    row either went out before the kill or was claimed or pending and goes out after it
    (exactly once for the rest).
    """
    settings.REMINDER_BATCH_SIZE = 10
    celery_app.control.purge()
    with SmtpSink(delay=0.3) as sink:
        ids = due_reminders(nurse, 30)
        env = {**sink.env(), "REMINDER_BATCH_SIZE": "10"}
        first = start_worker(processes, tmp_path, "first", env)
        enqueued.extend(ids[start : start + 10] for start in range(0, len(ids), 10))
        assert dispatch.enqueue(ids) == 3

        # Kill while a message is on the wire (the server is in its 0.3 s DATA pause).
        wait_for(lambda: sink.count() >= 4 and sink.handler.in_flight, timeout=30, interval=0.02)
        first.stop(signal.SIGKILL)
        assert first.process.returncode == -signal.SIGKILL
        in_doubt = list(
            Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENDING).values_list(
                "pk", flat=True
            )
        )
        assert len(in_doubt) == 1  # one pool process, one message in flight

        # The killed batch's other rows were claimed with it, nothing handed over yet:
        # the first beat run after the claim lease releases them and hands them out again
        # with the batches still waiting in the queue.
        assert Reminder.objects.filter(pk__in=ids, status=ReminderStatus.CLAIMED).exists()
        start_worker(processes, tmp_path, "second", env)
        dispatch.dispatch_due(now=timezone.now() + settings.REMINDER_CLAIM_LEASE)
        wait_for(
            lambda: (
                not Reminder.objects.filter(
                    pk__in=ids, status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]
                ).exists()
            ),
            timeout=60,
        )
        sent = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT)
        wait_for(lambda: sink.count() >= sent.count(), timeout=20)
        time.sleep(1)

        assert statuses(ids) == {"sent": len(ids) - 1, "sending": 1}
        received = sink.per_recipient()
        assert set(received.values()) == {1}, "someone got the same reminder twice"
        for row in Reminder.objects.filter(pk__in=ids).select_related("patient"):
            if row.status == ReminderStatus.SENT:
                assert received.get(row.patient.email) == 1
                assert row.provider_message_id in {m.message_id for m in sink.messages}
            else:  # the in-flight one: the server got it, the app cannot know
                assert received.get(row.patient.email, 0) <= 1
                assert not row.provider_message_id

        # After REMINDER_STUCK_AFTER it is reported to administrators, not resent.
        stuck = Reminder.objects.get(pk=in_doubt[0])
        stuck_address = stuck.patient.email
        before = received.get(stuck_address, 0)
        Reminder.objects.filter(pk=stuck.pk).update(
            claimed_at=timezone.now() - settings.REMINDER_STUCK_AFTER - timedelta(minutes=1)
        )
        assert dispatch.report_stuck() == 1
        stuck.refresh_from_db()
        assert stuck.status == ReminderStatus.SENDING and stuck.stuck_reported_at is not None
        assert dispatch.report_stuck() == 0  # reported once
        dispatch.enqueue([stuck.pk])  # as if the killed task were delivered again
        assert stuck.pk not in dispatch.due_ids()
        dispatch.dispatch_due()  # the next beat run: only the administrator's alert is due
        wait_for(lambda: sink.per_recipient().get(administrator.email), timeout=20)
        time.sleep(1)
        assert sink.per_recipient().get(stuck_address, 0) == before
        stuck.refresh_from_db()
        assert stuck.status == ReminderStatus.SENDING and stuck.attempts == 1


@pytest.mark.celery_worker
@pytest.mark.redis
def test_it_books_the_visit_while_redis_is_down_and_delivers_once_it_is_back(
    transactional_db, client, nurse, helen, diagnosis, tmp_path, processes, settings
):
    redis = RedisServer().start()
    processes.append(redis)
    saved = {key: celery_app.conf.get(key) for key in BROKER_KEYS}
    celery_app.conf.update({key: redis.url for key in BROKER_KEYS})
    reset_celery_pools(celery_app)
    try:
        with SmtpSink() as sink:
            allow_reminders(helen)
            visit = first_open_visit(diagnosis)
            redis.stop()
            assert not redis.ping()

            settings.CLINIC_TIME_ZONE = "America/Chicago"
            clinic = ZoneInfo("America/Chicago")
            local = (timezone.now() + timedelta(days=3)).astimezone(clinic)
            local = local.replace(second=0, microsecond=0)
            client.force_login(nurse)
            started = time.monotonic()
            response = client.post(
                f"/nurse/items/{visit.pk}/schedule/",
                {"scheduled_at": local.strftime("%Y-%m-%dT%H:%M"), "location": "Clinic B"},
            )
            assert response.status_code in (200, 302), response.content[:500]
            assert time.monotonic() - started < 10  # did not hang on the broker
            visit.refresh_from_db()
            assert visit.status == VisitStatus.SCHEDULED and visit.scheduled_at == local
            pending = Reminder.objects.filter(visit=visit, status=ReminderStatus.PENDING)
            assert pending.count() == 1  # 1 day before; 7 days before had already passed
            reminder = pending.get()

            redis.start()
            start_worker(processes, tmp_path, "worker", {**sink.env(), "REDIS_URL": redis.url})
            Reminder.objects.filter(pk=reminder.pk).update(send_at=timezone.now())  # clock
            assert dispatch.dispatch_due() == 1
            wait_for(lambda: sink.count() >= 1, timeout=30)
            time.sleep(2)
            assert sink.per_recipient() == {helen.email: 1}
            reminder.refresh_from_db()
            assert reminder.status == ReminderStatus.SENT and reminder.provider_message_id
    finally:
        close_broker_pools(celery_app)
        celery_app.conf.update(saved)
        reset_celery_pools(celery_app)


@pytest.mark.celery_worker
def test_it_delivers_once_when_two_dispatchers_hand_out_the_same_rows(
    transactional_db, nurse, tmp_path, processes, settings
):
    settings.REMINDER_BATCH_SIZE = 5
    celery_app.control.purge()
    with SmtpSink(delay=0.05) as sink:
        ids = due_reminders(nurse, 20)
        one = start_worker(processes, tmp_path, "one", sink.env())
        two = start_worker(processes, tmp_path, "two", sink.env())
        # Two beats at once (or a redelivered dispatch): the same ids handed out twice.
        assert dispatch.enqueue(ids) == 4
        assert dispatch.enqueue(ids) == 4

        wait_for(lambda: all_settled(ids), timeout=60)
        wait_for(lambda: sink.count() >= len(ids), timeout=20)
        time.sleep(1.5)
        assert sink.count() == len(ids)
        assert set(sink.per_recipient().values()) == {1}
        assert statuses(ids) == {"sent": len(ids)}
        # Both workers took part: the race was real.
        for worker in (one, two):
            assert "followup.tasks.send_reminder_batch" in worker.output()


def test_it_skips_a_patient_without_an_email_address(db, nurse, settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        ids = due_reminders(nurse, 1)
        Patient.objects.filter(reminders__pk=ids[0]).update(email="")
        assert dispatch.send_batch(ids) == {"skipped": 1}
        row = Reminder.objects.get(pk=ids[0])
        assert row.status == ReminderStatus.SKIPPED
        assert row.skip_reason == "no email address on file"
        assert sink.count() == 0


def test_it_fails_visibly_when_the_mail_server_refuses_the_address(db, nurse, settings):
    with SmtpSink(refuse=("patient0@example.org",)) as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        ids = due_reminders(nurse, 2)
        assert dispatch.send_batch(ids) == {"failed": 1, "sent": 1}
        refused = Reminder.objects.get(pk__in=ids, patient__email="patient0@example.org")
        assert refused.status == ReminderStatus.FAILED
        assert "refused" in refused.last_error
        attempt = refused.deliveries.get()
        assert not attempt.succeeded and attempt.permanent
        assert refused.patient.contact_problem.startswith("email: address refused")
        assert sink.per_recipient() == {"patient1@example.org": 1}
        other = Reminder.objects.get(pk__in=ids, patient__email="patient1@example.org")
        assert other.patient.contact_problem == ""
