"""API clients of the FHIR read API: an OAuth2 application plus the care teams it may read."""

from django.conf import settings
from django.db import models


class FhirClient(models.Model):
    """A machine client (an EHR, a registry) created by an administrator.

    It authenticates with OAuth2 client credentials (django-oauth-toolkit's Application)
    and sees only the patients of the nurses whose care teams it is granted.
    """

    name = models.CharField(max_length=100, unique=True, help_text="Shown in the access log.")
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="fhir_client",
    )
    care_teams = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Nurses whose patients (care team or primary nurse) this client may read.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "patients"
        verbose_name = "FHIR API client"

    def __str__(self):
        return self.name

    def patients(self):
        from patients.models import Patient

        nurse_ids = self.care_teams.values("pk")
        return Patient.objects.filter(
            models.Q(primary_nurse__in=nurse_ids) | models.Q(care_team__in=nurse_ids)
        ).distinct()
