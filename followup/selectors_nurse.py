"""Reads of care plans and follow-up items for staff, scoped to the requesting user.

(To be merged into followup/selectors.py.)
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from followup.models import CarePlan, FollowUpVisit

DUE_SOON_DAYS = 30


def plan_get(*, user, pk) -> CarePlan:
    plans = CarePlan.objects.for_user(user).select_related(
        "patient", "diagnosis", "template", "owner"
    )
    return get_object_or_404(plans, pk=pk)


def visit_get(*, user, pk) -> FollowUpVisit:
    visits = FollowUpVisit.objects.for_user(user).select_related("plan", "patient")
    return get_object_or_404(visits, pk=pk)


def plan_visits(*, plan: CarePlan):
    return plan.visits.order_by("due_date", "pk")


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
    overdue = visits.overdue(today)
    due_soon = visits.open().filter(
        window_end__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS)
    )
    return {
        "overdue": list(overdue.select_related("patient").order_by("window_end", "pk")[:limit]),
        "overdue_count": overdue.count(),
        "due_soon": list(due_soon.select_related("patient").order_by("due_date", "pk")[:limit]),
        "due_soon_count": due_soon.count(),
        "today": today,
    }


def patient_plans(*, patient):
    return patient.care_plans.select_related("diagnosis", "template", "owner").order_by(
        "-start_date"
    )


def patient_schedule(*, patient, today=None, upcoming=5):
    """What the patient page shows: overdue items, the next few, and recent past ones."""
    today = today or timezone.localdate()
    visits = FollowUpVisit.objects.filter(patient=patient, plan__status="active")
    return {
        "overdue": list(visits.overdue(today).order_by("window_end")),
        "upcoming": list(
            visits.open().filter(window_end__gte=today).order_by("due_date")[:upcoming]
        ),
        "done": list(
            FollowUpVisit.objects.filter(patient=patient)
            .exclude(status__in=["planned", "scheduled"])
            .order_by("-due_date")
        ),
    }
