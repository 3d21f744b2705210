from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patient records"

    def ready(self):
        # Models cannot be imported before the app registry is ready: ready() is Django's
        # documented place for this wiring.
        from patients import wiring  # noqa: PLC0415

        wiring.connect()
