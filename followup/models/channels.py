"""How each delivery channel is doing: one row per channel (email, SMS)."""

from django.db import models


class ChannelHealth(models.Model):
    """Set when a server or channel fault is seen, cleared on the next success.

    ``degraded_since`` is the outage's identity: the one alert to administrators per
    outage, and the one on recovery, are keyed on it.
    """

    channel = models.CharField(max_length=8, primary_key=True)
    degraded_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "followup"
        verbose_name_plural = "channel health"

    def __str__(self):
        return f"{self.channel}: {'degraded' if self.degraded_since else 'ok'}"
