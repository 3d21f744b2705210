from django.apps import AppConfig


class SurvivorshipConfig(AppConfig):
    name = "survivorship"
    verbose_name = "Survivorship"

    def ready(self):
        from survivorship import checks, signals  # noqa: F401 (checks registers itself)

        signals.connect_access_log()
