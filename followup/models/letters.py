"""Shared-care letters: the plan as PDF, sent to the primary-care doctor on the record.

The PDF is kept exactly as it was sent: what the doctor received can be shown later,
whatever changed in the plan since. The message itself is an outbox row (``Reminder``
of kind ``care_letter``), so it is delivered, retried and settled like any other.
"""

from django.conf import settings
from django.db import models

from followup.models.base import PatientScopedQuerySet


class SharedCareLetter(models.Model):
    plan = models.ForeignKey(
        "followup.CarePlan", on_delete=models.CASCADE, related_name="shared_care_letters"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="shared_care_letters"
    )
    recipient_name = models.CharField(max_length=200)
    recipient_practice = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField()
    pdf = models.BinaryField(editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reminder = models.OneToOneField(
        "followup.Reminder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shared_care_letter",
    )

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Shared-care letter {self.pk} to {self.recipient_name}"
