from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Care plans and follow-up"

    def ready(self):
        from followup import signals  # noqa: F401  (connects the treatment receiver)
