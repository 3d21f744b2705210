"""Who may read a patient's record besides the care team: the FHIR read API's machine
clients, and the caregivers a patient lets help them (issue 21)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models.records import Patient

# --- API clients of the FHIR read API: an OAuth2 application plus the care teams it may read.


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

        nurse_ids = self.care_teams.values("pk")
        return Patient.objects.filter(
            models.Q(primary_nurse__in=nurse_ids) | models.Q(care_team__in=nurse_ids)
        ).distinct()


class CaregiverGrantQuerySet(models.QuerySet):
    def live(self):
        """Grants in force: not revoked, and the caregiver's account is active."""
        return self.filter(revoked_at__isnull=True, caregiver__is_active=True)


class CaregiverGrant(models.Model):
    """A patient lets a caregiver (a partner, a grown child) use the portal for them.

    The caregiver has an account of their own, so everything they see or do is logged
    under their name "for" the patient, and their reports say who made them. A grant is
    given by the patient in the portal, or by a nurse with the patient's recorded consent
    (who, when, how). Revoking takes effect on the caregiver's next request.
    """

    class GrantedVia(models.TextChoices):
        PORTAL = "portal", _("by the patient in the portal")
        NURSE = "nurse", _("by a nurse, with the patient's consent")

    class ConsentMethod(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        PHONE = "phone", _("on the phone")
        WRITTEN = "written", _("in writing")

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="caregiver_grants"
    )
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caregiver_grants"
    )
    name = models.CharField("caregiver's name", max_length=150)
    relationship = models.CharField(
        max_length=60, blank=True, help_text="For example: wife, son, friend."
    )
    email = models.EmailField("caregiver's email", max_length=254)
    can_see_plan = models.BooleanField(_("see the care plan and visits"), default=True)
    can_report = models.BooleanField(_("report symptoms for the patient"), default=False)
    can_see_reports = models.BooleanField(_("see past symptom reports"), default=False)
    can_get_reminders = models.BooleanField(
        _("get reminders of visits and check-ins"), default=False
    )
    granted_via = models.CharField(max_length=10, choices=GrantedVia.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consent_on = models.DateField("consent given on", null=True, blank=True)
    consent_method = models.CharField(
        "consent given", max_length=12, choices=ConsentMethod.choices, blank=True
    )
    consent_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaregiverGrantQuerySet.as_manager()

    class Meta:
        app_label = "patients"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "caregiver"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_grant_per_caregiver_and_patient",
            )
        ]

    def __str__(self):
        return f"{self.name} for patient {self.patient_id}"

    @property
    def live(self) -> bool:
        return self.revoked_at is None and self.caregiver.is_active

    def permissions_in_words(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in ("can_see_plan", "can_report", "can_see_reports", "can_get_reminders")
            if getattr(self, name)
        ]
