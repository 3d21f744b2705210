"""Plans paused when the disease came back (issue 19): how many and how long, the time
from a recorded return to the nurse's review, a plan's booked appointments, and where a
new plan would be counted from."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from django.utils import timezone

from followup.models import CarePlan, FollowUpVisit, PlanStatus, VisitStatus
from patients.choices import DiseaseStatus
from patients.models import Patient


def _plans_in_scope(user):
    plans = CarePlan.objects.all()
    if user.has_perm("patients.view_all_patients"):
        return plans
    return plans.filter(patient__in=Patient.objects.for_user(user))


def paused_plans(user, today: date | None = None, limit: int = 10) -> dict:
    """Plans out of the overdue counts because they are paused: how many, how long, and
    the ``limit`` paused longest. One query for the figures, one for the rows shown."""
    today = today or timezone.localdate()
    paused = _plans_in_scope(user).filter(status=PlanStatus.PAUSED)
    since = list(paused.values_list("paused_at", flat=True))
    days = [(today - timezone.localdate(at)).days for at in since if at]
    rows = []
    if since and limit:
        rows = list(
            paused.select_related("patient", "diagnosis")
            .defer("rules_snapshot", "warning_signs_snapshot")
            .order_by("paused_at", "pk")[:limit]
        )
    return {
        "count": len(since),
        "rows": rows,
        "median_days": statistics.median(days) if days else None,
        "longest_days": max(days) if days else None,
    }


def plan_review_times(user, today: date | None = None, days: int = 365) -> dict:
    """From a recorded return of disease to the nurse's review of the plan: the median
    in days, and the breaches (reviewed after the due day, or still open past it).
    One query."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=days)
    rows = list(
        _plans_in_scope(user)
        .filter(paused_for_event__isnull=False, paused_at__gte=since, review_due_on__isnull=False)
        .values_list("paused_at", "reviewed_at", "review_due_on")
    )
    waits, breaches, open_reviews = [], 0, 0
    for paused_at, reviewed_at, due in rows:
        if reviewed_at is None:
            open_reviews += 1
            breaches += due < today
            continue
        waits.append((reviewed_at - paused_at).total_seconds() / 86400)
        breaches += timezone.localdate(reviewed_at) > due
    return {
        "reviews": len(rows),
        "reviewed": len(waits),
        "open": open_reviews,
        "median_days": round(statistics.median(waits), 1) if waits else None,
        "breaches": breaches,
        "days": days,
    }


def booked_visits(plan: CarePlan) -> list[FollowUpVisit]:
    return list(plan.visits.filter(status=VisitStatus.SCHEDULED).order_by("scheduled_at"))


def new_start_date(plan: CarePlan) -> date | None:
    """Where a new plan is counted from: the latest end of treatment after the return,
    else the date no evidence of disease was recorded again. None if not NED again."""
    diagnosis = plan.diagnosis
    latest = diagnosis.status_events.order_by("-event_date", "-pk").first()
    if latest is None or latest.status != DiseaseStatus.NED:
        return None
    since = plan.paused_for_event.event_date if plan.paused_for_event_id else plan.start_date
    ends = [t.ended_on for t in diagnosis.treatments.all() if t.ended_on and t.ended_on >= since]
    return max(ends) if ends else latest.event_date
