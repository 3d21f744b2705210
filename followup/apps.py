from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Care plans and follow-up"

    def ready(self):
        # Models cannot be imported before the app registry is ready: ready() is Django's
        # documented place for this wiring.
        from followup import wiring  # noqa: PLC0415

        wiring.connect()
