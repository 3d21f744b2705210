"""The call list: patients who went quiet, for their nurses to phone (issue 18).

PRO-TECT reached 91% completion of weekly surveys partly because staff called
non-responders within days. A patient is on the list when, since they were last reached
by phone, they missed two or more check-ins in a row or a check-in prompt bounced; they
leave it when reached or when they asked to pause check-ins (until that day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from followup.models import (
    CallAttempt,
    CallOutcome,
    CheckIn,
    CheckInStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from patients.models import Patient

MISSED_IN_A_ROW = 2
LOOK_BACK_DAYS = 180


@dataclass(frozen=True)
class CallEntry:
    patient: Patient
    missed_in_a_row: int
    bounced: bool
    last_report_at: datetime | None
    last_attempt: CallAttempt | None


def caseload_ids(user):
    """The nurse's own patients (primary nurse or on the care team), as a subquery."""
    primary = Patient.objects.filter(primary_nurse=user, active=True).order_by().values("pk")
    team = Patient.care_team.through.objects.filter(user_id=user.pk, patient__active=True).values(
        "patient_id"
    )
    return primary.union(team)


def on_care_team(user, patient) -> bool:
    return patient.primary_nurse_id == user.pk or patient.care_team.filter(pk=user.pk).exists()


def paused_patient_ids(today: date):
    """Patients who asked (on a call) to pause check-ins until a day still to come."""
    return CallAttempt.objects.filter(outcome=CallOutcome.PAUSE, pause_until__gt=today).values(
        "patient_id"
    )


def call_list(*, user, today: date | None = None, scope=None) -> list[CallEntry]:
    """Who to call, most missed first. Five queries, however long the caseload.

    ``scope``: patient ids to look at (a subquery); the nurse's own caseload by default.
    """
    today = today or timezone.localdate()
    since = today - timedelta(days=LOOK_BACK_DAYS)
    scope = caseload_ids(user) if scope is None else scope
    calls = {
        row["patient_id"]: row
        for row in CallAttempt.objects.filter(patient_id__in=scope)
        .values("patient_id")
        .annotate(
            reached=Max("at", filter=Q(outcome=CallOutcome.REACHED)),
            paused=Max("pause_until", filter=Q(outcome=CallOutcome.PAUSE)),
            last=Max("at"),
        )
    }

    def reached_on(patient_id) -> datetime | None:
        row = calls.get(patient_id)
        return row["reached"] if row else None

    streaks: dict[int, int] = {}
    done: set[int] = set()
    closed = (
        CheckIn.objects.filter(
            patient_id__in=scope,
            due_on__gte=since,
            status__in=[CheckInStatus.MISSED, CheckInStatus.ANSWERED],
        )
        .order_by("patient_id", "-due_on")
        .values_list("patient_id", "status", "due_on")
    )
    for patient_id, status, due_on in closed:
        if patient_id in done:
            continue
        reached = reached_on(patient_id)
        if status != CheckInStatus.MISSED or (reached and due_on <= timezone.localdate(reached)):
            done.add(patient_id)
            continue
        streaks[patient_id] = streaks.get(patient_id, 0) + 1

    bounced = {
        patient_id: at
        for patient_id, at in Reminder.objects.filter(
            patient_id__in=scope,
            kind=ReminderKind.CHECKIN,
            status=ReminderStatus.FAILED,
            created_at__date__gte=since,
        )
        .values("patient_id")
        .annotate(at=Max("created_at"))
        .values_list("patient_id", "at")
        if not reached_on(patient_id) or at > reached_on(patient_id)
    }
    wanted = {pid for pid, count in streaks.items() if count >= MISSED_IN_A_ROW} | set(bounced)
    wanted = {
        pid
        for pid in wanted
        if not (calls.get(pid) and calls[pid]["paused"] and calls[pid]["paused"] > today)
    }
    if not wanted:
        return []
    patients = (
        Patient.objects.filter(pk__in=wanted)
        .annotate(last_report_at=Max("symptom_reports__submitted_at"))
        .order_by("family_name", "given_name", "pk")
    )
    last_ids = [calls[pid]["last"] for pid in wanted if pid in calls]
    attempts = {}
    if last_ids:
        for attempt in CallAttempt.objects.filter(patient_id__in=wanted, at__in=last_ids):
            attempts.setdefault(attempt.patient_id, attempt)
    entries = [
        CallEntry(
            patient=patient,
            missed_in_a_row=streaks.get(patient.pk, 0),
            bounced=patient.pk in bounced,
            last_report_at=patient.last_report_at,
            last_attempt=attempts.get(patient.pk),
        )
        for patient in patients
    ]
    return sorted(entries, key=lambda entry: -entry.missed_in_a_row)


def call_list_count(*, user, today: date | None = None, scope=None) -> int:
    return len(call_list(user=user, today=today, scope=scope))


def patient_calls(*, patient, limit: int = 20) -> list[CallAttempt]:
    return list(CallAttempt.objects.filter(patient=patient).select_related("by", "report")[:limit])
