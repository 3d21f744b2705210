"""What the follow-up app tells the rest at start-up: audited tables, channel health, tasks.

Importing ``signals`` connects the treatment receiver; importing ``tasks`` registers the
Celery tasks in every process, web included, since the outbox hands batches to
``followup.tasks.send_reminder_batch`` by name.
"""

from followup import signals, tasks
from followup.delivery import channel_health
from followup.forms import PlanAfterReturnForm
from followup.models import CalendarFeed, CarePlan, FollowUpVisit, ReminderPreference, SymptomReport
from followup.services import recurrence
from patients import extensions
from survivorship import audit
from survivorship.web import health

__all__ = ["connect", "signals", "tasks"]


class PlanAfterReturnStep:
    """Recording a return of disease asks, in the same step, what the plan does next."""

    def form(self, *, diagnosis, event, data):
        if event.pk:  # editing an event already recorded: the plan was decided then
            return None
        plan = CarePlan.objects.filter(diagnosis=diagnosis, status="active").first()
        if plan is None:
            return None
        return PlanAfterReturnForm(
            data, plan=plan, booked=recurrence.booked_visits(plan), prefix="plan"
        )

    def apply(self, *, form, event, by) -> str:
        return recurrence.after_status_event(
            event=event,
            by=by,
            action=form.cleaned_data["plan_action"] or recurrence.PAUSE,
            cancel_visits=form.cancel_visits(),
            checkin_frequency=form.cleaned_data["checkin_frequency"],
        )


def connect() -> None:
    extensions.register_status_event_step(PlanAfterReturnStep())
    for model in (CarePlan, FollowUpVisit, SymptomReport, ReminderPreference, CalendarFeed):
        audit.register(model)
    health.register_channel_states(channel_health.channel_states)
