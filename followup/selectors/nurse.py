"""Reads of care plans, follow-up items and symptom reports for staff, scoped to the user."""

from datetime import timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from followup.models import (
    CarePlan,
    CheckIn,
    CheckInStatus,
    FollowUpVisit,
    KnownBaseline,
    PlanStatus,
    Reminder,
    ReportedSign,
    SharedCareLetter,
    SymptomReport,
    TriageLevel,
)
from patients.models import DiseaseStatusEvent, Patient
from survivorship import audit

DUE_SOON_DAYS = 30


def plan_get(*, user, pk) -> CarePlan:
    plans = CarePlan.objects.for_user(user).select_related(
        "patient", "diagnosis", "template", "owner"
    )
    return audit.get_in_scope(plans, CarePlan, pk)


def visit_get(*, user, pk) -> FollowUpVisit:
    visits = FollowUpVisit.objects.for_user(user).select_related("plan", "patient")
    return audit.get_in_scope(visits, FollowUpVisit, pk)


def plan_visits(*, plan: CarePlan):
    return plan.visits.order_by("due_date", "pk")


def plan_merged_items(*, plan: CarePlan):
    """Items this plan asked for that another plan's item covers (issue #19)."""
    return plan.merged_items.select_related("visit__plan__diagnosis").order_by("due_date", "pk")


def plan_counts(*, plan: CarePlan, today=None) -> dict:
    today = today or timezone.localdate()
    overdue = FollowUpVisit.objects.filter(plan=plan).overdue(today)
    return {
        **plan.visits.aggregate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status="completed")),
            scheduled=Count("pk", filter=Q(status="scheduled")),
        ),
        "overdue": overdue.count(),
    }


def due_and_overdue(*, user, today=None, limit=10) -> dict:
    """The nurse's 'due and overdue' panel: open items of every patient they may see."""
    today = today or timezone.localdate()
    visits = FollowUpVisit.objects.for_user(user).filter(plan__status="active")
    is_overdue = Q(window_end__lt=today)
    is_due_soon = Q(window_end__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))
    # Both counts in one pass over the open items (it was two).
    counts = visits.open().aggregate(
        overdue_count=Count("pk", filter=is_overdue),
        due_soon_count=Count("pk", filter=is_due_soon),
    )
    rows = visits.open().select_related("patient")
    return {
        "overdue": list(rows.filter(is_overdue).order_by("window_end", "pk")[:limit]),
        "due_soon": list(rows.filter(is_due_soon).order_by("due_date", "pk")[:limit]),
        **counts,
        "today": today,
    }


def patient_plans(*, patient):
    return patient.care_plans.select_related("diagnosis", "template", "owner").order_by(
        "-start_date"
    )


def patient_reminders(*, patient, limit=10):
    """The latest messages to this patient and what really became of each."""
    return list(
        Reminder.objects.filter(patient=patient, recipient_user__isnull=True)
        .select_related("visit")
        .order_by("-send_at", "-pk")[:limit]
    )


def patient_schedule(*, patient, today=None, upcoming=5):
    """What the patient page shows: overdue items, the next few, and recent past ones."""
    today = today or timezone.localdate()
    # The open items of a patient's active plans are a few dozen at most: one query,
    # split here into overdue (window ended) and the next few.
    open_items = list(
        FollowUpVisit.objects.filter(patient=patient, plan__status="active")
        .open()
        .order_by("due_date", "pk")
    )
    return {
        "overdue": sorted(
            (v for v in open_items if v.window_end < today), key=lambda v: (v.window_end, v.pk)
        ),
        "upcoming": [v for v in open_items if v.window_end >= today][:upcoming],
        "done": list(
            FollowUpVisit.objects.filter(patient=patient)
            .exclude(status__in=["planned", "scheduled"])
            .order_by("-due_date")
        ),
    }


def triage_queue(*, user):
    """Open reports of the caseload: urgent first, then needs review, then routine;
    within a level the longest-waiting first."""

    level_order = Case(
        When(triage_level=TriageLevel.URGENT, then=Value(0)),
        When(triage_level=TriageLevel.REVIEW, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        SymptomReport.objects.for_user(user)
        .open()
        .select_related("patient", "acknowledged_by")
        .prefetch_related(
            Prefetch("signs", queryset=ReportedSign.objects.order_by("pk")),
            Prefetch(
                "patient__known_baselines",
                queryset=KnownBaseline.objects.active().order_by("label"),
                to_attr="active_baselines",
            ),
        )
        .annotate(level_order=level_order)
        .order_by("level_order", "submitted_at", "pk")
    )


def report_get(*, user, pk):

    reports = SymptomReport.objects.for_user(user).select_related(
        "patient", "acknowledged_by", "resolved_by", "checkin"
    )
    return audit.get_in_scope(reports.prefetch_related("signs"), SymptomReport, pk)


def missed_checkins(*, user):

    patients = Patient.objects.for_user(user)
    ids = missed_checkins_in_a_row(patients=patients)
    return list(Patient.objects.filter(pk__in=ids).order_by("family_name")) if ids else []


def symptom_trends(*, patient, limit=52) -> dict:
    """The patient's reports over time, for the chart and its accessible table."""

    reports = list(
        SymptomReport.objects.filter(patient=patient)
        .prefetch_related(Prefetch("signs", queryset=ReportedSign.objects.order_by("pk")))
        .order_by("-submitted_at")[:limit]
    )
    reports.reverse()
    rank = {"mild": 1, "moderate": 2, "severe": 3}
    rows = []
    for report in reports:
        signs = list(report.signs.all())
        rows.append(
            {
                "date": timezone.localdate(report.submitted_at).isoformat(),
                "worry": report.worry,
                "distress": report.distress,
                "signs": len(signs),
                "worst": max((rank[s.severity] for s in signs), default=0),
                "labels": [f"{s.label} ({s.severity})" for s in signs],
                "level": report.triage_level,
            }
        )
    return {"rows": rows}


def missed_checkins_in_a_row(*, patients, count: int = 2) -> list:
    """Patients whose last ``count`` check-ins were all missed (for the nurse's queue)."""
    flagged = []
    recent: dict[int, list[str]] = {}
    rows = (
        CheckIn.objects.filter(patient__in=patients)
        .exclude(status=CheckInStatus.OPEN)
        .order_by("patient_id", "-due_on")
        .values_list("patient_id", "status")
    )
    for patient_id, status in rows:
        statuses = recent.setdefault(patient_id, [])
        if len(statuses) < count:
            statuses.append(status)
    for patient_id, statuses in recent.items():
        if len(statuses) == count and all(s == CheckInStatus.MISSED for s in statuses):
            flagged.append(patient_id)
    return flagged


def plan_letters(*, plan: CarePlan, limit: int = 10):
    """The plan's shared-care letters, newest first, with their delivery state (one query)."""
    return list(
        SharedCareLetter.objects.filter(plan=plan)
        .select_related("reminder", "sent_by")
        .defer("pdf")[:limit]
    )


def plan_restage(*, plan: CarePlan):
    """The diagnosis's latest restaging (the ``r`` stage of a return of disease), if any."""
    return (
        DiseaseStatusEvent.objects.filter(diagnosis_id=plan.diagnosis_id)
        .exclude(restage="")
        .order_by("-event_date", "-pk")
        .first()
    )


def plan_reviews(*, user, limit: int = 20) -> list[CarePlan]:
    """The nurse's task list: plans paused for a return of disease, review soonest first."""
    return list(
        CarePlan.objects.for_user(user)
        .filter(status=PlanStatus.PAUSED, review_due_on__isnull=False, reviewed_at=None)
        .select_related("patient", "diagnosis")
        .defer("rules_snapshot", "warning_signs_snapshot")
        .order_by("review_due_on", "pk")[:limit]
    )
