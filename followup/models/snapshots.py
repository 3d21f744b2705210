from django.db import models


class OverdueSnapshot(models.Model):
    """Overdue follow-up counts taken nightly, so the dashboard can show the trend."""

    taken_on = models.DateField(unique=True)
    total = models.PositiveIntegerField()
    days_1_30 = models.PositiveIntegerField()
    days_31_90 = models.PositiveIntegerField()
    days_over_90 = models.PositiveIntegerField()
    by_kind = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_on"]

    def __str__(self):
        return f"{self.total} overdue on {self.taken_on:%Y-%m-%d}"
