from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from followup.models.base import PatientScopedQuerySet
from followup.models.visits import FollowUpVisit


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment reminder"
    SCAN = "scan", "Scan reminder"
    LAB = "lab", "Lab test reminder"
    CHECKIN = "checkin", "Symptom check-in prompt"
    OVERDUE = "overdue", "Overdue follow-up reminder"
    NURSE_DIGEST = "nurse_digest", "Nurse digest of overdue follow-ups"
    NURSE_ALERT = "nurse_alert", "Nurse alert"
    CARE_LETTER = "care_letter", "Shared-care letter to the primary-care doctor"


PATIENT_KINDS = (
    ReminderKind.APPOINTMENT,
    ReminderKind.SCAN,
    ReminderKind.LAB,
    ReminderKind.CHECKIN,
    ReminderKind.OVERDUE,
)


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Queued"
    # Claimed by a worker, nothing handed to a provider yet: released after the lease.
    CLAIMED = "claimed", "Claimed"
    # Being handed to the provider: if the worker dies now, nobody can tell.
    SENDING = "sending", "Handing over"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Sent, but no answer came back: never resent automatically, a person settles it.
    UNCERTAIN = "uncertain", "Uncertain"
    CANCELLED = "cancelled", "Cancelled"
    SKIPPED = "skipped", "Skipped"


class Settlement(models.TextChoices):
    RESENT = "resent", "Resent by a person"
    DELIVERED = "delivered", "Marked as delivered by a person"


class ReminderQuerySet(PatientScopedQuerySet):
    def due(self, now=None):
        return self.filter(status=ReminderStatus.PENDING, send_at__lte=now or timezone.now())


class Reminder(models.Model):
    """One message to send: a row in the outbox.

    Rows are written in the same transaction as the change that causes them and sent by
    the dispatcher, which claims each row with a conditional UPDATE (pending → sending)
    so two workers can never both send it. ``dedupe_key`` makes the same reminder
    impossible to create twice.
    """

    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        help_text="A nurse or administrator; empty for messages to patients.",
    )
    visit = models.ForeignKey(
        FollowUpVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders"
    )
    checkin = models.ForeignKey(
        "followup.CheckIn",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    send_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    skip_reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text="Extra data for the message.")
    # When the dispatcher last handed the row to a worker: a backlog is not enqueued
    # again every minute while it waits in the queue.
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    stuck_reported_at = models.DateTimeField(null=True, blank=True)
    # A person settled an uncertain or stuck row ("Needs a person"): what they decided.
    # (db_default: the bulk planner inserts rows with raw SQL that does not name them)
    settlement = models.CharField(
        max_length=10, choices=Settlement.choices, blank=True, db_default=""
    )
    settled_note = models.CharField(max_length=500, blank=True, db_default="")
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "pk"]
        indexes = [
            # The dispatcher's only question: which pending rows are due?
            models.Index(
                fields=["send_at"],
                condition=Q(status="pending"),
                name="reminder_pending_send_at_idx",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="reminder_sending_idx",
            ),
            models.Index(fields=["patient", "send_at"], name="reminder_patient_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.channel} at {self.send_at:%Y-%m-%d %H:%M} UTC"


class DeliveryAttempt(models.Model):
    """Every try at sending a reminder: what happened, for the delivery log."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()
    provider_message_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    permanent = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self):
        return f"{'ok' if self.succeeded else 'error'} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"


class ReminderRecipients(models.TextChoices):
    """Who gets a patient's reminders (issue 21): the patient's choice."""

    PATIENT = "patient", "Me"
    CAREGIVERS = "caregivers", "My caregivers instead of me"
    BOTH = "both", "Me and my caregivers"


class ReminderPreference(models.Model):
    """How a patient wants to be reminded; defaults come from the patient record."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="reminder_preference"
    )
    quiet_start = models.TimeField("no messages before", default="08:00")
    quiet_end = models.TimeField("no messages after", default="20:00")
    appointment_reminders = models.BooleanField(default=True)
    scan_reminders = models.BooleanField(default=True)
    lab_reminders = models.BooleanField(default=True)
    checkin_prompts = models.BooleanField(default=True)
    # Caregivers with a live grant that allows reminders get a copy by email (issue 21).
    recipients = models.CharField(
        "who gets the reminders",
        max_length=10,
        choices=ReminderRecipients.choices,
        default=ReminderRecipients.PATIENT,
        db_default=ReminderRecipients.PATIENT,
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Reminder preferences of patient {self.patient_id}"

    def wants(self, kind: str) -> bool:
        return {
            ReminderKind.APPOINTMENT: self.appointment_reminders,
            ReminderKind.SCAN: self.scan_reminders,
            ReminderKind.LAB: self.lab_reminders,
            ReminderKind.CHECKIN: self.checkin_prompts,
        }.get(kind, True)

    @property
    def to_patient(self) -> bool:
        return self.recipients != ReminderRecipients.CAREGIVERS

    @property
    def to_caregivers(self) -> bool:
        return self.recipients in (ReminderRecipients.CAREGIVERS, ReminderRecipients.BOTH)


# --- Symptom reports and triage --------------------------------------------------------------


class NurseAlertPreference(models.Model):
    """How a nurse wants urgent alerts: always by email; also by SMS when she gave a number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    sms_phone = models.CharField(
        "mobile number for SMS alerts",
        max_length=16,
        blank=True,
        validators=[
            RegexValidator(r"^\+[1-9][0-9]{6,14}$", "Use the international form: +14155550123.")
        ],
        help_text="International form: +14155550123. Leave empty for email only.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"alerts for {self.user}: {'email and SMS' if self.sms_phone else 'email'}"
