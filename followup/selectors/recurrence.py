"""Plans paused when the disease came back (issue 19): how many and how long, and the
time from a recorded return to the nurse's review of the plan."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from django.utils import timezone

from followup.models import CarePlan, PlanStatus
from patients.models import Patient


def _plans_in_scope(user):
    plans = CarePlan.objects.all()
    if user.has_perm("patients.view_all_patients"):
        return plans
    return plans.filter(patient__in=Patient.objects.for_user(user))


def paused_plans(user, today: date | None = None, limit: int = 10) -> dict:
    """Plans out of the overdue counts because they are paused: how many, the longest
    paused first, and how long. Two queries."""
    today = today or timezone.localdate()
    paused = _plans_in_scope(user).filter(status=PlanStatus.PAUSED)
    rows = list(
        paused.select_related("patient", "diagnosis")
        .defer("rules_snapshot", "warning_signs_snapshot")
        .order_by("paused_at", "pk")
    )
    days = [(today - timezone.localdate(p.paused_at)).days for p in rows if p.paused_at]
    return {
        "count": len(rows),
        "rows": rows[:limit],
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
