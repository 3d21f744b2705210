from django.apps import AppConfig


class SurvivorshipConfig(AppConfig):
    name = "survivorship"
    verbose_name = "Survivorship"

    def ready(self):
        # Django's documented place to connect signals and checks: ready() runs once the
        # app registry is loaded, which module scope of apps.py does not wait for.
        from survivorship import checks  # noqa: F401, PLC0415  (registers deploy checks)
        from survivorship.audit import signals  # noqa: F401, PLC0415  (admin change log)
        from survivorship.web import auth  # noqa: F401, PLC0415  (forgets cached permissions)
        from survivorship.web import signals as web_signals  # noqa: F401, PLC0415
