"""Planning reminders: when each message should go out, in the patient's own day.

Everything here is written to the outbox (Reminder rows) inside the caller's
transaction: the change and its reminders commit together or not at all. Nothing is
scheduled on the broker with a countdown; the dispatcher picks rows up when due.
"""

from __future__ import annotations

import csv
import io
import json
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from followup.delivery.channels import channel_for
from followup.models import (
    OPEN_PLAN_STATUSES,
    CarePlan,
    CheckIn,
    CheckInFrequency,
    FollowUpVisit,
    ItemKind,
    NurseAlertPreference,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderStatus,
)
from followup.rules import prompts
from followup.rules.local_time import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    decide,
    within_local_day,
    zone_named,
)
from followup.rules.local_time import send_times as _send_times
from followup.rules.scheduling import add_months
from followup.selectors.calls import paused_patient_ids
from followup.selectors.nurse import due_and_overdue
from followup.selectors.preferences import preference_of, quiet_hours, reminder_grants, zone_of
from survivorship.roles import Role, users_with_role

KIND_FOR_ITEM = {
    ItemKind.VISIT: ReminderKind.APPOINTMENT,
    ItemKind.PROCEDURE: ReminderKind.APPOINTMENT,
    ItemKind.IMAGING: ReminderKind.SCAN,
    ItemKind.LAB: ReminderKind.LAB,
}


def send_times(scheduled_at: datetime, zone, start: time, end: time) -> dict[int, datetime]:
    """Send moment (UTC) for each of ``REMINDER_OFFSETS_DAYS`` before the appointment."""
    return _send_times(scheduled_at, zone, start, end, settings.REMINDER_OFFSETS_DAYS)


def visit_send_times(visit: FollowUpVisit, patient) -> dict[int, datetime]:
    start, end = quiet_hours(patient)
    return send_times(visit.scheduled_at, zone_of(patient), start, end)


def _dedupe_key(visit_pk: int, scheduled_at: datetime, days: int) -> str:
    return f"visit:{visit_pk}:{days}d:{scheduled_at:%Y%m%dT%H%M}"


def visit_reminders_plan(visit: FollowUpVisit, *, now: datetime | None = None) -> list[Reminder]:
    """Create or move the reminders of a scheduled visit (call inside its transaction)."""
    now = now or timezone.now()
    patient = visit.patient
    kind = KIND_FOR_ITEM[visit.kind]
    channel = channel_for(patient)
    existing = {
        r.context.get("days_before"): r
        for r in Reminder.objects.select_for_update().filter(
            visit=visit,
            recipient_user__isnull=True,
            status__in=[ReminderStatus.PENDING, ReminderStatus.SKIPPED],
        )
    }
    zone = zone_of(patient)
    start, end = quiet_hours(patient)
    times = send_times(visit.scheduled_at, zone, start, end)
    planned = []
    for days, send_at, reason in decide(
        times, now=now, appointment=visit.scheduled_at, zone=zone, start=start, end=end
    ):
        fields = {
            "send_at": send_at,
            "status": ReminderStatus.SKIPPED if reason else ReminderStatus.PENDING,
            "skip_reason": reason,
            "dedupe_key": _dedupe_key(visit.pk, visit.scheduled_at, days),
            "channel": channel,
            "kind": kind,
        }
        reminder = existing.get(days)
        if reminder is not None:
            for name, value in fields.items():
                setattr(reminder, name, value)
            reminder.save()
        else:
            reminder, _ = Reminder.objects.get_or_create(
                dedupe_key=fields["dedupe_key"],
                defaults={
                    **fields,
                    "patient": patient,
                    "visit": visit,
                    "context": {"days_before": days},
                },
            )
        planned.append(reminder)
    planned += _copies_for_caregivers(planned, visit=visit)
    return planned


def _copies_for_caregivers(originals: list[Reminder], **link) -> list[Reminder]:
    """The patient's reminders, copied to each caregiver they chose (issue 21).

    When the patient chose "caregivers" or "both", every live grant that allows reminders
    gets an email copy of each row, addressed to the caregiver's own account, with a
    dedupe key of its own. The patient's own rows stay (a "caregivers only" choice skips
    them at send time), and the dispatcher checks the grant and the choice again when it
    sends: a grant revoked meanwhile cancels the copy. Copies of a re-booked visit move
    with the patient's rows.
    """
    patient = originals[0].patient if originals else None
    preference = preference_of(patient) if patient is not None else None
    if preference is None or not preference.to_caregivers:
        return []
    grants = list(reminder_grants(patient))
    if not grants:
        return []
    existing = {
        (r.recipient_user_id, r.context.get("days_before")): r
        for r in Reminder.objects.select_for_update().filter(
            **link,
            recipient_user__isnull=False,
            status__in=[ReminderStatus.PENDING, ReminderStatus.SKIPPED],
        )
    }
    copies = []
    for grant in grants:
        for original in originals:
            fields = {
                "dedupe_key": f"{original.dedupe_key}:caregiver:{grant.pk}",
                "send_at": original.send_at,
                "status": original.status,
                "skip_reason": original.skip_reason,
                "kind": original.kind,
                "channel": "email",  # to the caregiver's account email
            }
            context = {**original.context, "caregiver_grant": grant.pk}
            copy = existing.get((grant.caregiver_id, original.context.get("days_before")))
            if copy is not None and copy.context.get("caregiver_grant") == grant.pk:
                for name, value in {**fields, "context": context}.items():
                    setattr(copy, name, value)
                copy.save()
            else:
                copy, _ = Reminder.objects.get_or_create(
                    dedupe_key=fields["dedupe_key"],
                    defaults={
                        **fields,
                        **link,
                        "patient": patient,
                        "recipient_user": grant.caregiver,
                        "context": context,
                    },
                )
            copies.append(copy)
    return copies


def bookings_reminders_plan(
    visit_ids: list[int], *, now: datetime | None = None, chunk: int = 5000
) -> int:
    """``visit_reminders_plan`` for many freshly scheduled visits at once, in bulk.

    For new bookings only (bulk scheduling, imports, the benchmark): existing rows with
    the same dedupe key are left alone, where ``visit_reminders_plan`` would move a re-booked
    visit's pending rows. Returns how many rows were offered to the database.
    """
    now = now or timezone.now()
    offered = 0
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for first in range(0, len(visit_ids), chunk):
        visits = list(
            FollowUpVisit.objects.filter(
                pk__in=visit_ids[first : first + chunk], status="scheduled"
            )
            .order_by()
            .values_list(
                "pk",
                "kind",
                "scheduled_at",
                "patient_id",
                "patient__time_zone",
                "patient__preferred_channel",
            )  # fmt: skip
        )
        hours = {
            patient_id: (start, end)
            for patient_id, start, end in ReminderPreference.objects.filter(
                patient_id__in={visit[3] for visit in visits}
            ).values_list("patient_id", "quiet_start", "quiet_end")
        }
        rows = []
        for pk, item_kind, scheduled_at, patient_id, zone_name, preferred in visits:
            if zone_name not in zones:
                zones[zone_name] = zone_named(zone_name)
            zone = zones[zone_name]
            start, end = hours.get(patient_id, (DEFAULT_QUIET_START, DEFAULT_QUIET_END))
            times = send_times(scheduled_at, zone, start, end)
            for days, send_at, reason in decide(
                times, now=now, appointment=scheduled_at, zone=zone, start=start, end=end
            ):
                rows.append(
                    Reminder(
                        kind=KIND_FOR_ITEM[item_kind],
                        channel=channel_for(preferred),
                        patient_id=patient_id,
                        visit_id=pk,
                        dedupe_key=_dedupe_key(pk, scheduled_at, days),
                        send_at=send_at,
                        status=ReminderStatus.SKIPPED if reason else ReminderStatus.PENDING,
                        skip_reason=reason,
                        context={"days_before": days},
                    )
                )
        _insert_new(rows)
        offered += len(rows)
    return offered


def _insert_new(rows: list[Reminder]) -> None:
    """Insert reminder rows, leaving alone any whose dedupe key already exists.

    On PostgreSQL the rows are streamed with COPY into a temporary table and moved over
    with one INSERT ... ON CONFLICT DO NOTHING: several times faster than bulk_create,
    whose per-field preparation dominates at 100,000s of rows.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        Reminder.objects.bulk_create(rows, batch_size=2500, ignore_conflicts=True)
        return

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for r in rows:
        writer.writerow(
            [r.kind, r.channel, r.patient_id, r.visit_id, r.dedupe_key, r.send_at.isoformat(),
             r.status, r.skip_reason, json.dumps(r.context)]
        )  # fmt: skip
    buffer.seek(0)
    table = Reminder._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE reminder_load (kind text, channel text, patient_id bigint, "
            "visit_id bigint, dedupe_key text, send_at timestamptz, status text, "
            "skip_reason text, context jsonb) ON COMMIT DROP"
        )
        cursor.copy_expert("COPY reminder_load FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(
            f"INSERT INTO {table} (kind, channel, patient_id, visit_id, dedupe_key, "  # noqa: S608
            "send_at, status, skip_reason, context, attempts, last_error, "
            "provider_message_id, created_at) "
            "SELECT kind, channel, patient_id, visit_id, dedupe_key, send_at, status, "
            "coalesce(skip_reason, ''), context, 0, '', '', now() FROM reminder_load "
            "ON CONFLICT (dedupe_key) DO NOTHING"
        )


def visit_reminders_cancel(visit: FollowUpVisit, reason: str) -> int:
    return Reminder.objects.filter(
        visit=visit, status__in=[ReminderStatus.PENDING, ReminderStatus.SKIPPED]
    ).update(status=ReminderStatus.CANCELLED, skip_reason=reason)


# --- Symptom check-ins -------------------------------------------------------------------


def checkin_dates(plan: CarePlan, until: date) -> list[date]:
    """Every check-in date of a plan from its start through ``until``."""
    frequency = plan.checkin_frequency
    if frequency == CheckInFrequency.NONE:
        return []
    start = plan.start_date
    dates: list[date] = []
    weekly_kinds = (CheckInFrequency.DEFAULT, CheckInFrequency.WEEKLY, CheckInFrequency.FORTNIGHTLY)
    if frequency in weekly_kinds:
        step = 14 if frequency == CheckInFrequency.FORTNIGHTLY else 7
        weekly_until = add_months(start, 6) if frequency == CheckInFrequency.DEFAULT else until
        day = start + timedelta(days=step)
        while day <= min(until, weekly_until):
            dates.append(day)
            day += timedelta(days=step)
        if frequency != CheckInFrequency.DEFAULT:
            return dates
        monthly_from = 7  # first monthly check-in at month 7, after the weekly half-year
    else:
        monthly_from = 1
    n = monthly_from
    while (day := add_months(start, n)) <= until:
        dates.append(day)
        n += 1
    return dates


def latest_checkin_date(plan: CarePlan, today: date) -> date | None:
    """The most recent check-in date on or before today (cheap: looks at a short span)."""
    window_start = max(plan.start_date, today - timedelta(days=40))
    candidates = [d for d in checkin_dates(plan, today) if d >= window_start]
    return candidates[-1] if candidates else None


@transaction.atomic
def checkin_open(plan: CarePlan, due_on: date, *, now: datetime | None = None) -> CheckIn | None:
    """Open the check-in of ``due_on`` with its prompt; idempotent."""
    now = now or timezone.now()
    sequence = CheckIn.objects.filter(plan=plan, due_on__lt=due_on).count()
    watch = prompts.signs_to_watch(
        prompts.promptable(plan.template.code, plan.warning_signs_snapshot), sequence
    )
    checkin, created = CheckIn.objects.get_or_create(
        plan=plan, due_on=due_on, defaults={"patient_id": plan.patient_id, "watch_signs": watch}
    )
    if not created:
        return None
    # An earlier check-in left open is now missed (two in a row reach the nurse later).
    CheckIn.objects.filter(plan=plan, status="open", due_on__lt=due_on).update(status="missed")
    patient = plan.patient
    zone = zone_of(patient)
    start, end = quiet_hours(patient)
    moment = datetime.combine(due_on, start, tzinfo=zone)
    send_at = max(moment.astimezone(zoneinfo.ZoneInfo("UTC")), now)
    send_at = within_local_day(send_at, zone, start, end)
    if send_at < now:  # past today's allowed hours: tomorrow morning
        send_at = datetime.combine(due_on + timedelta(days=1), start, tzinfo=zone)
    reminder, _ = Reminder.objects.get_or_create(
        dedupe_key=f"checkin:{checkin.pk}",
        defaults={
            "kind": ReminderKind.CHECKIN,
            "channel": channel_for(patient),
            "patient": patient,
            "checkin": checkin,
            "send_at": send_at,
        },
    )
    _copies_for_caregivers([reminder], checkin=checkin)
    return checkin


def checkins_open_due(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    opened = 0
    plans = (
        # Paused for a return of disease too: symptom monitoring matters most in treatment.
        CarePlan.objects.filter(status__in=OPEN_PLAN_STATUSES, start_date__lte=today)
        .exclude(checkin_frequency=CheckInFrequency.NONE)
        # The patient asked on a call to pause check-ins until a later day.
        .exclude(patient_id__in=paused_patient_ids(today))
    )
    for plan in plans.select_related("patient", "template").iterator():
        due_on = latest_checkin_date(plan, today)
        if due_on is not None and checkin_open(plan, due_on) is not None:
            opened += 1
    return opened


# --- Nurses ------------------------------------------------------------------------------


def alert_preference_set(*, user, sms_phone: str):
    """A nurse chooses whether urgent alerts also come by SMS (empty: email only)."""
    preference, _ = NurseAlertPreference.objects.update_or_create(
        user=user, defaults={"sms_phone": sms_phone.strip()}
    )
    return preference


def nurse_digests_send(*, today: date | None = None) -> int:
    """One digest per nurse with overdue or soon-due items; nothing when nothing to say."""

    today = today or timezone.localdate()
    zone = zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)
    send_at = max(datetime.combine(today, settings.NURSE_DIGEST_TIME, tzinfo=zone), timezone.now())
    created = 0
    nurses = users_with_role(Role.NURSE)
    for nurse in nurses.exclude(email=""):
        panel = due_and_overdue(user=nurse, today=today, limit=0)
        if not panel["overdue_count"] and not panel["due_soon_count"]:
            continue
        _, made = Reminder.objects.get_or_create(
            dedupe_key=f"digest:{nurse.pk}:{today:%Y-%m-%d}",
            defaults={
                "kind": ReminderKind.NURSE_DIGEST,
                "channel": "email",
                "recipient_user": nurse,
                "send_at": send_at,
                "context": {
                    "overdue": panel["overdue_count"],
                    "due_soon": panel["due_soon_count"],
                    "day": today.isoformat(),
                },
            },
        )
        created += made
    return created
