"""Planning and sending reminders, in-process (the real-worker tests are in
test_reminder_delivery.py)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from followup import tasks
from followup.delivery import dispatch, outbox
from followup.delivery.transports import Transports
from followup.models import (
    CarePlan,
    CarePlanTemplate,
    CheckIn,
    Reminder,
    ReminderPreference,
    VisitStatus,
)
from followup.rules.content import SCAN_WORRY_NOTE
from followup.selectors.preferences import zone_of
from followup.services import plans as services
from followup.services import reminders
from tests.support.catalogs import spanish_catalog  # noqa: F401 (fixture)

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def plan(diagnosis, nurse):
    diagnosis.patient.reminder_consent_at = timezone.now()
    diagnosis.patient.save()
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=400),
        owner=nurse,
    )


@pytest.fixture
def visit(plan):
    return plan.visits.filter(kind="visit", status="planned").order_by("-due_date").first()


def book(visit, at):
    """Book without going through the clock-dependent service checks."""
    visit.status = VisitStatus.SCHEDULED
    visit.scheduled_at = at
    visit.save()
    return {
        r.context["days_before"]: r
        for r in reminders.visit_reminders_plan(visit, now=utc(2026, 1, 1))
    }


@pytest.mark.parametrize(
    ("appointment", "seven_days", "one_day"),
    [
        # Spring forward on 2026-03-08: the week before is EST (UTC-5), after is EDT (UTC-4).
        (
            datetime(2026, 3, 10, 9, 0, tzinfo=NEW_YORK),
            utc(2026, 3, 3, 14, 0),
            utc(2026, 3, 9, 13, 0),
        ),
        # Fall back on 2026-11-01: the week before is EDT, the day before is EDT, after EST.
        (
            datetime(2026, 11, 3, 10, 0, tzinfo=NEW_YORK),
            utc(2026, 10, 27, 14, 0),
            utc(2026, 11, 2, 15, 0),
        ),
        (
            datetime(2026, 11, 1, 9, 0, tzinfo=NEW_YORK),
            utc(2026, 10, 25, 13, 0),
            utc(2026, 10, 31, 13, 0),
        ),
    ],
)
def test_it_sends_at_the_same_local_time_across_daylight_saving(
    visit, appointment, seven_days, one_day
):
    planned = book(visit, appointment)
    assert planned[7].send_at == seven_days
    assert planned[1].send_at == one_day
    for reminder in planned.values():
        assert reminder.send_at.astimezone(NEW_YORK).time() == appointment.time()
    assert Reminder.objects.filter(visit=visit).count() == 2  # once each


@pytest.mark.parametrize(
    ("local_time", "expected"), [(time(7, 0), time(8, 0)), (time(21, 30), time(20, 0))]
)
def test_it_keeps_messages_inside_the_patients_waking_hours(visit, local_time, expected):
    appointment = datetime.combine(date(2026, 6, 15), local_time, tzinfo=NEW_YORK)
    for reminder in book(visit, appointment).values():
        assert reminder.send_at.astimezone(NEW_YORK).time() == expected


def test_it_respects_the_patients_own_quiet_hours(visit):
    ReminderPreference.objects.create(
        patient=visit.patient, quiet_start=time(10, 0), quiet_end=time(18, 0)
    )
    planned = book(visit, datetime(2026, 6, 15, 9, 0, tzinfo=NEW_YORK))
    assert planned[1].send_at.astimezone(NEW_YORK).time() == time(10, 0)


def test_it_moves_pending_reminders_when_the_visit_is_rescheduled(visit):
    first = book(visit, datetime(2026, 6, 15, 9, 0, tzinfo=NEW_YORK))
    moved = book(visit, datetime(2026, 6, 22, 11, 0, tzinfo=NEW_YORK))
    assert {r.pk for r in first.values()} == {r.pk for r in moved.values()}
    assert moved[1].send_at == utc(2026, 6, 21, 15, 0)
    assert Reminder.objects.filter(visit=visit).count() == 2


def test_it_cancels_unsent_reminders_when_the_visit_is_cancelled_or_completed(visit):
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    assert Reminder.objects.filter(visit=visit, status="pending").count() == 2
    services.visit_cancel(visit=visit)
    assert set(Reminder.objects.filter(visit=visit).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_it_plans_reminders_in_the_same_transaction_as_the_booking(visit):
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    assert Reminder.objects.filter(visit=visit, kind="appointment").count() == 2


def test_it_skips_with_a_reason_a_reminder_whose_moment_passed_before_booking(visit):
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=2))
    week = Reminder.objects.get(visit=visit, context__days_before=7)
    assert week.status == "skipped"
    assert "booked after this reminder's time" in week.skip_reason


def test_it_calls_a_scan_a_scan_reminder(plan):
    scan = plan.visits.filter(kind="imaging").first()
    services.visit_schedule(visit=scan, at=timezone.now() + timedelta(days=10))
    assert set(Reminder.objects.filter(visit=scan).values_list("kind", flat=True)) == {"scan"}


# --- Sending -------------------------------------------------------------------------------


def due_reminder(visit, *, kind_days=1, minutes_ago=1):
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    reminder = Reminder.objects.get(visit=visit, context__days_before=kind_days)
    reminder.send_at = timezone.now() - timedelta(minutes=minutes_ago)
    reminder.save()
    ReminderPreference.objects.get_or_create(
        patient=visit.patient, defaults={"quiet_start": time(0, 0), "quiet_end": time(23, 59)}
    )
    return reminder


def test_it_sends_a_due_reminder_once_with_no_diagnosis_and_a_manage_link(visit):
    reminder = due_reminder(visit)
    assert dispatch.send_batch([reminder.pk, reminder.pk])["sent"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    body = message.body + message.alternatives[0][0]
    assert message.to == ["helen@example.org"]
    assert "Hello Helen" in body and "follow-up visit" in body
    assert "/portal/preferences/" in body and "/portal/" in body
    for word in ("breast", "cancer", "Marsh", "MRN"):
        assert word.lower() not in (message.subject + body).lower()
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.provider_message_id
    assert reminder.deliveries.get().succeeded


def test_it_points_to_preparation_in_the_portal_and_adds_a_kind_note_to_scans(plan):
    scan = plan.visits.filter(kind="imaging").first()
    reminder = due_reminder(scan)
    dispatch.send_batch([reminder.pk])
    body = mail.outbox[0].body
    assert "deodorant" not in body  # the mammogram's preparation stays behind login
    assert "notes on getting ready in your portal" in body
    assert SCAN_WORRY_NOTE.split(".")[0] in " ".join(body.split())


def test_it_writes_to_the_patient_in_their_language(visit, spanish_catalog):  # noqa: F811
    patient = visit.patient
    patient.preferred_language = "es"
    patient.save()
    dispatch.send_batch([due_reminder(visit).pk])
    assert mail.outbox[0].subject.startswith("Recordatorio")
    assert "Hola, Helen" in mail.outbox[0].body
    ((html, _),) = mail.outbox[0].alternatives  # the HTML part in Spanish too, never English
    assert "Hola, Helen" in html and "Hello" not in html


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"reminder_consent_at": None}, "no consent to reminders on file"),
        ({"preferred_channel": "portal"}, "the patient chose the portal only"),
        ({"active": False}, "the patient record is inactive"),
    ],
)
def test_it_sends_nothing_and_says_why_when_the_patient_cannot_be_reminded(visit, change, reason):
    reminder = due_reminder(visit)
    type(visit.patient).objects.filter(pk=visit.patient_id).update(**change)
    assert dispatch.send_batch([reminder.pk])["skipped"] == 1
    reminder.refresh_from_db()
    assert reminder.status == "skipped" and reason in reminder.skip_reason
    assert not mail.outbox


def test_it_honours_a_kind_the_patient_turned_off(visit):
    reminder = due_reminder(visit)
    ReminderPreference.objects.filter(patient=visit.patient).update(appointment_reminders=False)
    dispatch.send_batch([reminder.pk])
    reminder.refresh_from_db()
    assert "turned off appointment reminders" in reminder.skip_reason


def test_it_skips_rather_than_sends_late(visit, settings):
    reminder = due_reminder(visit, minutes_ago=60 * 7)
    dispatch.send_batch([reminder.pk])
    reminder.refresh_from_db()
    assert reminder.status == "skipped" and reminder.skip_reason.startswith("too late")
    assert not mail.outbox


def test_it_waits_for_the_morning_outside_the_patients_hours(visit):
    reminder = due_reminder(visit)
    ReminderPreference.objects.filter(patient=visit.patient).update(
        quiet_start=time(8, 0), quiet_end=time(20, 0)
    )
    night = datetime(2026, 6, 15, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
    Reminder.objects.filter(pk=reminder.pk).update(send_at=night - timedelta(minutes=1))
    assert dispatch.send_one(reminder.pk, Transports(), now=night) == "deferred"
    reminder.refresh_from_db()
    assert reminder.status == "pending" and reminder.attempts == 0
    assert reminder.send_at == datetime(2026, 6, 16, 8, 0, tzinfo=NEW_YORK)


def test_it_lets_only_one_claimant_send(visit):
    reminder = due_reminder(visit)
    assert dispatch._claim(reminder.pk, timezone.now())
    assert not dispatch._claim(reminder.pk, timezone.now())
    assert dispatch.send_one(reminder.pk, Transports()) == "not-claimed"


def test_it_reports_rows_stuck_in_sending_once_and_never_resends_them(visit, administrator):
    reminder = due_reminder(visit)
    Reminder.objects.filter(pk=reminder.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert dispatch.report_stuck() == 1
    assert dispatch.report_stuck() == 0
    alert = Reminder.objects.get(kind="nurse_alert", recipient_user=administrator)
    assert "may not have been delivered" in alert.context["subject"]
    assert dispatch.dispatch_due() >= 0
    reminder.refresh_from_db()
    assert reminder.status == "sending"  # left for a person, not resent


# --- Check-ins, digests and alerts ---------------------------------------------------------


def test_it_prompts_weekly_for_six_months_then_monthly(plan):
    start = date(2025, 1, 31)
    plan.start_date = start
    dates = reminders.checkin_dates(plan, date(2025, 10, 1))
    weekly = [d for d in dates if d <= date(2025, 7, 31)]
    assert weekly[0] == date(2025, 2, 7) and all(
        (b - a).days == 7 for a, b in zip(weekly, weekly[1:], strict=False)
    )
    assert [d for d in dates if d > date(2025, 7, 31)] == [date(2025, 8, 31), date(2025, 9, 30)]


def test_it_opens_each_check_in_once_with_its_prompt(plan):
    today = timezone.localdate()
    assert reminders.checkins_open_due(today=today) == 1
    assert reminders.checkins_open_due(today=today) == 0
    checkin = CheckIn.objects.get()
    prompt = Reminder.objects.get(checkin=checkin)
    assert prompt.kind == "checkin" and prompt.patient == plan.patient


def test_it_marks_an_unanswered_check_in_missed_when_the_next_opens(plan):
    first = reminders.checkin_open(plan, date(2025, 1, 7))
    reminders.checkin_open(plan, date(2025, 1, 14))
    first.refresh_from_db()
    assert first.status == "missed"


def test_it_sends_a_check_in_prompt_that_links_to_the_portal_only(plan):
    ReminderPreference.objects.create(
        patient=plan.patient, quiet_start=time(0, 0), quiet_end=time(23, 59)
    )
    # The patient's own today: in the hours after midnight UTC it is still yesterday in
    # New York, and a prompt for the clinic's date would not be due yet.
    today = timezone.localdate(timezone=zone_of(plan.patient))
    checkin = reminders.checkin_open(plan, today)
    prompt = Reminder.objects.get(checkin=checkin)
    dispatch.send_batch([prompt.pk])
    body = mail.outbox[0].body
    assert "check-in" in body and "/portal/" in body
    assert "breast" not in body.lower()


def test_it_sends_a_nurse_digest_only_when_there_is_something_to_say(nurse, nurse2, plan):
    assert reminders.nurse_digests_send() == 1  # nurse has overdue items; nurse2 has none
    digest = Reminder.objects.get(kind="nurse_digest")
    assert digest.recipient_user == nurse and digest.context["overdue"] > 0
    assert reminders.nurse_digests_send() == 0  # one a day


def test_it_alerts_a_nurse_at_once_through_the_outbox(
    nurse, helen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert = outbox.nurse_alert(
            user=nurse,
            dedupe_key="triage:1",
            subject="Urgent report",
            text="Please call.",
            patient=helen,
        )
    assert alert.send_at <= timezone.now() and alert.status == "pending"
    assert len(callbacks) == 1  # asks a worker to send it right after commit
    dispatch.send_batch([alert.pk])
    assert mail.outbox[0].to == [nurse.email] and mail.outbox[0].subject == "Urgent report"


def test_it_never_plans_the_same_reminder_twice(visit):
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    reminders.visit_reminders_plan(visit)
    assert Reminder.objects.filter(visit=visit).count() == 2
    assert CarePlan.objects.count() == 1


def test_it_reminds_at_once_when_a_visit_is_booked_for_tomorrow(visit):
    ReminderPreference.objects.create(
        patient=visit.patient, quiet_start=time(0, 0), quiet_end=time(23, 59)
    )
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(hours=20))
    day_before = Reminder.objects.get(visit=visit, context__days_before=1)
    week_before = Reminder.objects.get(visit=visit, context__days_before=7)
    assert day_before.status == "pending"
    assert abs((day_before.send_at - timezone.now()).total_seconds()) < 60
    assert week_before.status == "skipped"  # not two messages at once
    assert dispatch.send_batch(dispatch.due_ids())["sent"] == 1


def test_it_waits_for_the_morning_when_booked_late_at_night(visit):
    night = datetime(2026, 6, 15, 22, 0, tzinfo=NEW_YORK)
    visit.status = VisitStatus.SCHEDULED
    visit.scheduled_at = night + timedelta(hours=14)  # 12:00 the next day
    visit.save()
    planned = {
        r.context["days_before"]: r for r in reminders.visit_reminders_plan(visit, now=night)
    }
    assert planned[1].send_at == datetime(2026, 6, 16, 8, 0, tzinfo=NEW_YORK)
    assert planned[1].status == "pending"


def test_it_does_not_enqueue_a_waiting_backlog_again_every_minute(visit, monkeypatch):

    sent = []
    monkeypatch.setattr(tasks.send_reminder_batch, "delay", lambda ids: sent.append(ids))
    reminder = due_reminder(visit)
    assert dispatch.dispatch_due() == 1
    assert dispatch.dispatch_due() == 0  # still waiting in the queue: not again
    later = timezone.now() + settings.REMINDER_REQUEUE_AFTER + timedelta(seconds=30)
    assert dispatch.dispatch_due(now=later) == 1  # lost from the queue? enqueue again
    assert sent == [[reminder.pk], [reminder.pk]]


def test_it_plans_many_new_bookings_in_bulk_exactly_as_one_by_one(plan):
    visits = list(plan.visits.filter(status="planned").order_by("due_date")[:6])
    for i, visit in enumerate(visits):
        visit.status, visit.scheduled_at = VisitStatus.SCHEDULED, utc(2026, 6, 10 + i, 14, 30)
        visit.save()
    now = utc(2026, 6, 9, 12, 0)
    one_by_one = {
        (r.dedupe_key, r.send_at, r.status, r.skip_reason)
        for v in visits[:3]
        for r in reminders.visit_reminders_plan(v, now=now)
    }
    assert reminders.bookings_reminders_plan([v.pk for v in visits], now=now) == 12
    rows = Reminder.objects.filter(visit__in=visits[:3])
    assert {(r.dedupe_key, r.send_at, r.status, r.skip_reason) for r in rows} == one_by_one
    assert Reminder.objects.filter(visit__in=visits).count() == 12
