"""What every patient-bound table shares: one way to scope it to a user's patients."""

from django.db import models

from patients.models import Patient


class PatientScopedQuerySet(models.QuerySet):
    """Rows of the patients ``user`` may see (``Patient.objects.for_user``), nothing else."""

    def for_user(self, user):
        return self.filter(patient__in=Patient.objects.for_user(user))
