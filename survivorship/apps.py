from django.apps import AppConfig


class SurvivorshipConfig(AppConfig):
    name = "survivorship"
    verbose_name = "Survivorship"

    def ready(self):
        from survivorship import signals

        signals.connect_access_log()
