"""What the follow-up app tells the rest at start-up: audited tables, channel health, tasks.

Importing ``signals`` connects the treatment receiver; importing ``tasks`` registers the
Celery tasks in every process, web included, since the outbox hands batches to
``followup.tasks.send_reminder_batch`` by name.
"""

from followup import signals, tasks
from followup.delivery import channel_health
from followup.forms import OtherPlansForm, PlanAfterReturnForm
from followup.models import (
    CalendarFeed,
    CarePlan,
    FollowUpVisit,
    PlanStatus,
    ReminderPreference,
    SymptomReport,
)
from followup.selectors import recurrence as recurrence_selectors
from followup.selectors.calls import on_care_team
from followup.services import recurrence
from patients import extensions
from survivorship import audit
from survivorship.web import health

__all__ = ["connect", "signals", "tasks"]


class PlanAfterReturnStep:
    """Recording a return of disease asks, in the same step, what the plan does next."""

    def form(self, *, record, data):
        if record.pk:  # editing an event already recorded: the plan was decided then
            return None
        plan = CarePlan.objects.filter(diagnosis=record.diagnosis, status=PlanStatus.ACTIVE).first()
        if plan is None:
            return None
        return PlanAfterReturnForm(
            data, plan=plan, booked=recurrence_selectors.booked_visits(plan), prefix="plan"
        )

    def apply(self, *, form, record, by) -> str:
        return recurrence.status_event_plan_apply(
            event=record,
            by=by,
            action=form.cleaned_data["plan_action"] or recurrence.PAUSE,
            cancel_visits=form.cancel_visits(),
            checkin_frequency=form.cleaned_data["checkin_frequency"],
        )


class OtherPlansStep:
    """Adding a second primary cancer asks whether the other plans carry on (default)."""

    def form(self, *, record, data):
        plans = CarePlan.objects.filter(
            patient=record.patient, status=PlanStatus.ACTIVE
        ).select_related("diagnosis")
        if not plans:
            return None
        return OtherPlansForm(data, plans=plans, prefix="others")

    def apply(self, *, form, record, by) -> str:
        if not record.second_primary:
            return ""
        paused = form.to_pause()
        if paused and not on_care_team(by, record.patient):
            return recurrence.NOT_ON_TEAM
        for plan in paused:
            recurrence.plan_pause(
                plan=plan, by=by, reason=f"Second primary: {record.cancer_name}, diagnosed "
                f"{record.diagnosed_on:%Y-%m-%d}"
            )  # fmt: skip
        return "Start a care plan for the new cancer from the patient's page." + (
            f" {len(paused)} other plan{'s' if len(paused) != 1 else ''} paused." if paused else ""
        )


def connect() -> None:
    extensions.register_step(extensions.STATUS_EVENT, PlanAfterReturnStep())
    extensions.register_step(extensions.DIAGNOSIS, OtherPlansStep())
    for model in (CarePlan, FollowUpVisit, SymptomReport, ReminderPreference, CalendarFeed):
        audit.register(model)
    health.register_channel_states(channel_health.channel_states)
