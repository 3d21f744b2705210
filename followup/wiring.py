"""What the follow-up app tells the rest at start-up: audited tables, channel health, tasks.

Importing ``signals`` connects the treatment receiver; importing ``tasks`` registers the
Celery tasks in every process, web included, since the outbox hands batches to
``followup.tasks.send_reminder_batch`` by name.
"""

from followup import signals, tasks
from followup.delivery import channel_health
from followup.models import CalendarFeed, CarePlan, FollowUpVisit, ReminderPreference, SymptomReport
from survivorship import audit
from survivorship.web import health

__all__ = ["connect", "signals", "tasks"]


def connect() -> None:
    for model in (CarePlan, FollowUpVisit, SymptomReport, ReminderPreference, CalendarFeed):
        audit.register(model)
    health.register_channel_states(channel_health.channel_states)
