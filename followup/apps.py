from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Care plans and follow-up"

    def ready(self):
        # Models cannot be imported before the app registry is ready: ready() is Django's
        # documented place for this wiring.
        from followup import signals  # noqa: F401, PLC0415  (the treatment receiver)
        from followup.delivery import channel_health  # noqa: PLC0415
        from followup.models import (  # noqa: PLC0415
            CalendarFeed,
            CarePlan,
            FollowUpVisit,
            ReminderPreference,
            SymptomReport,
        )
        from survivorship import audit  # noqa: PLC0415
        from survivorship.web import health  # noqa: PLC0415

        for model in (CarePlan, FollowUpVisit, SymptomReport, ReminderPreference, CalendarFeed):
            audit.register(model)
        health.register_channel_states(channel_health.channel_states)
