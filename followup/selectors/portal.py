"""Reads of care plans, follow-up items and calendar feeds.

Callers pass a patient they fetched through ``Patient.objects.for_user`` (or, for the
public calendar feed, the patient the secret token belongs to): nothing here widens
what a request may see.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from followup.models import (
    CalendarFeed,
    CarePlan,
    CheckIn,
    FollowUpVisit,
    PlanStatus,
    Reminder,
    ReminderStatus,
    VisitStatus,
)
from survivorship import audit


def upcoming_visits(
    *, patient, limit: int | None = 3, today: date | None = None
) -> list[FollowUpVisit]:
    """The patient's next follow-up items, soonest first.

    Upcoming means still to happen: a booked appointment from today on, or an item not
    yet booked whose due window has not closed. Items of a paused or completed plan are
    left out unless they are already booked; missed, done and cancelled items never
    appear.
    """
    today = today or timezone.localdate()
    start_of_today = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    visits = (
        FollowUpVisit.objects.filter(patient=patient)
        .filter(
            Q(status=VisitStatus.PLANNED, window_end__gte=today, plan__status=PlanStatus.ACTIVE)
            | Q(status=VisitStatus.SCHEDULED, scheduled_at__gte=start_of_today)
        )
        .annotate(when=Coalesce(TruncDate("scheduled_at"), F("due_date")))
        .order_by("when", "scheduled_at", "pk")
    )
    if limit is not None:
        visits = visits[:limit]
    return list(visits)


def portal_plans(*, patient) -> QuerySet[CarePlan]:
    """The plans a patient sees in the portal: the open ones (active or paused)."""
    return (
        CarePlan.objects.filter(patient=patient, status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED])
        .select_related("patient__primary_nurse", "diagnosis", "owner")
        .order_by("-start_date", "-pk")
    )


def checkin_get(*, patient, pk) -> CheckIn:
    """One of the patient's own check-ins; someone else's is a 404 with a "denied" entry."""
    return audit.get_in_scope(CheckIn.objects.filter(patient=patient), CheckIn, pk)


def calendar_feed_get(*, patient) -> CalendarFeed | None:
    """The patient's feed if they have made one; reading never creates it."""
    return CalendarFeed.objects.filter(patient=patient).first()


def calendar_feed_by_token(*, token: str) -> CalendarFeed:
    """The feed a secret URL belongs to, or 404 (unknown, revoked or account disabled).

    The token is the only credential of the public feed URL, so a patient whose record
    or portal account is switched off loses the feed too.
    """
    feeds = CalendarFeed.objects.select_related("patient").filter(
        patient__active=True, patient__user__is_active=True
    )
    return get_object_or_404(feeds, token=token)


def needs_person(*, user, now: datetime | None = None) -> QuerySet:
    """Messages nobody can vouch for, in the user's scope (the patient's nurses, admins).

    "uncertain" (handed to the provider, no answer came back) and "sending" rows older
    than REMINDER_STUCK_AFTER (a worker died while handing one over). Neither is ever
    resent automatically: a person settles each one.
    """
    now = now or timezone.now()
    return (
        Reminder.objects.for_user(user)
        .filter(
            Q(status=ReminderStatus.UNCERTAIN)
            | Q(status=ReminderStatus.SENDING, claimed_at__lt=now - settings.REMINDER_STUCK_AFTER)
        )
        .select_related("patient")
        .order_by("claimed_at", "pk")
    )


def needs_person_get(*, user, pk, now: datetime | None = None):
    return audit.get_in_scope(needs_person(user=user, now=now), Reminder, pk)
