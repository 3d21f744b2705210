"""When the cancer comes back: pause, keep or end the surveillance plan (issue 19).

A plan paused for a return of disease stops its routine prompts (the "overdue, please
book" reminders of unbooked items), leaves the overdue counts (they count active plans
only) and gives its nurse a task: review the plan within ``PLAN_REVIEW_DAYS``. Booked
appointments are the nurse's call, one by one: kept (their reminders still go) or
cancelled. Symptom check-ins go on: monitoring symptoms during treatment is where the
evidence is strongest (shared/clinical/surveillance.md, PRO-TECT and Basch et al.).

The review ends when the plan is resumed, replaced by a new plan after the patient is
again free of disease, or ended.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from followup.models import (
    CarePlan,
    CheckInFrequency,
    PlanStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    VisitStatus,
)
from followup.selectors.calls import on_care_team
from followup.selectors.recurrence import new_start_date
from followup.services import plans as plan_services
from patients.choices import RETURN_OF_DISEASE

PAUSE, KEEP, END = "pause", "keep", "end"
NOT_ON_TEAM = (
    "The care plan was not changed: only a nurse on the patient's care team can pause or "
    "end it. Their review of the plan is still needed."
)


def _require_care_team(plan: CarePlan, by) -> None:
    if by is not None and not on_care_team(by, plan.patient):
        raise PermissionDenied("Only a nurse on the patient's care team can change the plan.")


def _stop_routine_prompts(plan: CarePlan, reason: str) -> int:
    """Cancel the plan's pending "please book" reminders of items not booked."""
    return Reminder.objects.filter(
        visit__plan=plan,
        kind=ReminderKind.OVERDUE,
        status__in=[ReminderStatus.PENDING, ReminderStatus.SKIPPED],
    ).update(status=ReminderStatus.CANCELLED, skip_reason=reason[:200])


def pause_reason_for(event) -> str:
    """For example "Distant recurrence of breast cancer, recorded on 2026-08-04"."""
    return f"{event.title}, recorded on {event.event_date:%Y-%m-%d}"


@transaction.atomic
def plan_pause(
    *,
    plan: CarePlan,
    by,
    reason: str,
    event=None,
    cancel_visits=(),
    checkin_frequency: str = "",
    today: date | None = None,
) -> CarePlan:
    """Pause the surveillance plan; the nurse reviews it within PLAN_REVIEW_DAYS days."""
    plan = CarePlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    _require_care_team(plan, by)
    if plan.status == PlanStatus.PAUSED:
        raise ValidationError(
            f"This plan is already paused, since {timezone.localdate(plan.paused_at):%Y-%m-%d}"
            f"{': ' + plan.pause_reason if plan.pause_reason else ''}. Resume or end it instead."
        )
    if plan.status == PlanStatus.COMPLETED:
        raise ValidationError("This plan has ended and cannot be paused; start a new plan.")
    today = today or timezone.localdate()
    booked = {v.pk: v for v in plan.visits.filter(status=VisitStatus.SCHEDULED)}
    unknown = {int(pk) for pk in cancel_visits} - set(booked)
    if unknown:
        raise ValidationError("Only this plan's booked appointments can be cancelled here.")
    plan.status = PlanStatus.PAUSED
    plan.paused_at = timezone.now()
    plan.pause_reason = reason[:200]
    plan.paused_for_event = event
    plan.review_due_on = today + timedelta(days=settings.PLAN_REVIEW_DAYS)
    plan.reviewed_at = None
    if checkin_frequency:
        plan.checkin_frequency = CheckInFrequency(checkin_frequency)
    plan.save()
    _stop_routine_prompts(plan, "the care plan is paused")
    for pk in sorted({int(pk) for pk in cancel_visits}):
        plan_services.visit_cancel(
            visit=booked[pk], note=f"Cancelled when the plan was paused: {reason}"[:500]
        )
    return plan


@transaction.atomic
def plan_resume(*, plan: CarePlan, by) -> CarePlan:
    """Back to routine surveillance: the review is done."""
    plan = CarePlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    _require_care_team(plan, by)
    if plan.status == PlanStatus.COMPLETED:
        raise ValidationError(
            "This plan has ended and cannot be resumed. Start a new plan for the patient "
            "instead; the ended one stays in their history."
        )
    if plan.status == PlanStatus.ACTIVE:
        raise ValidationError("This plan is not paused: it is already running.")
    plan.status = PlanStatus.ACTIVE
    plan.reviewed_at = timezone.now()
    plan.save()
    return plan


@transaction.atomic
def plan_end(*, plan: CarePlan, by, reason: str = "") -> CarePlan:
    """End the plan: it stays in the patient's history, read-only."""
    plan = CarePlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    _require_care_team(plan, by)
    if plan.status == PlanStatus.COMPLETED:
        raise ValidationError("This plan has already ended.")
    now = timezone.now()
    if plan.status == PlanStatus.PAUSED and plan.reviewed_at is None:
        plan.reviewed_at = now
    plan.status = PlanStatus.COMPLETED
    plan.ended_at = now
    plan.end_reason = reason.strip()[:200]
    plan.save()
    _stop_routine_prompts(plan, "the care plan has ended")
    return plan


@transaction.atomic
def plan_replace(*, plan: CarePlan, by, start_date: date) -> CarePlan:
    """No evidence of disease again: a new survivorship plan from the new end of
    treatment. The old plan ends, kept in history, and points to its successor."""
    old = (
        CarePlan.objects.select_for_update().select_related("patient", "diagnosis").get(pk=plan.pk)
    )
    _require_care_team(old, by)
    if old.status == PlanStatus.COMPLETED:
        raise ValidationError("This plan has already ended; open the newer plan instead.")
    if new_start_date(old) is None:
        raise ValidationError(
            "Record no evidence of disease for this diagnosis first: a new survivorship "
            "plan starts once the disease is gone again."
        )
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": "The new plan cannot start in the future."})
    plan_end(plan=old, by=by, reason="Replaced by a new plan after treatment for the return")
    new = plan_services.careplan_create(
        diagnosis=old.diagnosis,
        template=old.template,
        start_date=start_date,
        owner=old.owner or by,
        checkin_frequency=old.checkin_frequency,
    )
    CarePlan.objects.filter(pk=old.pk).update(replaced_by=new)
    return new


@transaction.atomic
def status_event_plan_apply(
    *,
    event,
    by,
    action: str,
    cancel_visits=(),
    checkin_frequency: str = "",
) -> str:
    """The nurse's choice, made while recording a return of disease: what the
    diagnosis's open plan does next. Returns a sentence for the nurse ('' if nothing)."""
    if event.status not in RETURN_OF_DISEASE:
        return ""
    plan = (
        CarePlan.objects.filter(diagnosis=event.diagnosis, status=PlanStatus.ACTIVE)
        .select_related("patient")
        .first()
    )
    if plan is None:
        return ""
    if by is not None and not on_care_team(by, plan.patient):
        # The status is recorded; the plan stays the care team's decision.
        return NOT_ON_TEAM
    if action == PAUSE:
        plan_pause(
            plan=plan,
            by=by,
            reason=pause_reason_for(event),
            event=event,
            cancel_visits=cancel_visits,
            checkin_frequency=checkin_frequency,
        )
        due = timezone.localdate() + timedelta(days=settings.PLAN_REVIEW_DAYS)
        return (
            "The care plan is paused: its routine reminders stopped and it left the overdue "
            f"counts. Review it by {due:%Y-%m-%d}."
        )
    if action == END:
        plan_end(plan=plan, by=by, reason=pause_reason_for(event))
        return "The care plan has ended; it stays in the patient's history."
    if checkin_frequency and checkin_frequency != plan.checkin_frequency:
        plan.checkin_frequency = CheckInFrequency(checkin_frequency)
        plan.save(update_fields=["checkin_frequency", "updated_at"])
    return "The care plan carries on unchanged."
