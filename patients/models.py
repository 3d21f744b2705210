from django.conf import settings
from django.db import models


class Patient(models.Model):
    medical_record_number = models.CharField("record number", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        help_text="The portal account of this patient, once invited.",
    )

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self):
        return f"{self.given_name} {self.family_name} ({self.medical_record_number})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
