from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic task ran: proof that beat, broker and worker all work."""

    name = models.CharField(max_length=50, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.last_run_at:%Y-%m-%d %H:%M:%S}"
