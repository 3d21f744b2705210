from django.db import models

from followup.models.plans import CarePlan


class CheckInStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    MISSED = "missed", "Missed"


class CheckIn(models.Model):
    """A symptom check-in the patient is invited to answer in the portal."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="checkins")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="checkins"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=CheckInStatus.choices, default="open")
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The warning-sign codes this check-in's prompt asks the patient to watch
    # (followup.rules.prompts), listed first on the form its link opens.
    watch_signs = models.JSONField(default=list, blank=True, db_default=[])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="checkin_one_per_plan_and_day")
        ]

    def __str__(self):
        return f"Check-in due {self.due_on:%Y-%m-%d}"
