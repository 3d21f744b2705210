from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from followup.models.base import PatientScopedQuerySet
from followup.models.checkins import CheckIn
from followup.models.plans import CarePlan
from survivorship import text_limits


class TriageLevel(models.TextChoices):
    URGENT = "urgent", "Urgent"
    REVIEW = "review", "Needs review"
    ROUTINE = "routine", "Routine"


TRIAGE_ORDER = {TriageLevel.URGENT: 0, TriageLevel.REVIEW: 1, TriageLevel.ROUTINE: 2}


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Resolution(models.TextChoices):
    CALLED = "called", "Called the patient"
    BOOKED_VISIT = "booked_visit", "Booked a visit"
    ORDERED_TEST = "ordered_test", "Ordered a test or scan"
    REFERRED = "referred", "Referred for support"
    NO_ACTION = "no_action", "No action needed"


class Severity(models.TextChoices):
    MILD = "mild", _("Mild: I notice it but it doesn't stop me")
    MODERATE = "moderate", _("Moderate: it gets in the way of things")
    SEVERE = "severe", _("Severe: it stops me doing things")


class Trend(models.TextChoices):
    NEW = "new", _("New")
    SAME = "same", _("About the same as last time")
    WORSE = "worse", _("Worse than last time")


class SymptomReportQuerySet(PatientScopedQuerySet):
    def open(self):
        return self.exclude(status=ReportStatus.RESOLVED)


class SymptomReport(models.Model):
    """What a patient told us through the portal, with the triage decision."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="symptom_reports"
    )
    plan = models.ForeignKey(
        CarePlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    checkin = models.OneToOneField(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="report"
    )
    # One per form display: a double submit finds the first report instead of a second.
    submission_key = models.CharField(max_length=64, unique=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    nothing_new = models.BooleanField(default=False)
    other_text = models.TextField("anything else", blank=True, max_length=text_limits.NOTE)
    worry = models.PositiveSmallIntegerField(null=True, blank=True)
    distress = models.PositiveSmallIntegerField(null=True, blank=True)
    triage_level = models.CharField(max_length=8, choices=TriageLevel.choices)
    triage_rule = models.CharField(max_length=40)
    triage_reason = models.CharField(max_length=500)
    triage_fired = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=14, choices=ReportStatus.choices, default="open")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=14, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(blank=True, max_length=text_limits.NOTE)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The patient answered yes to the question about thoughts of harming themselves.
    self_harm = models.BooleanField(default=False)
    # A caregiver who filed the report for the patient (patients.CaregiverGrant); empty
    # when the patient filed it. Shown wherever the report is, and triaged the same way.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports_for_others",
    )
    # The caregiver's name and relationship as the grant had them ("Sam Marsh, son").
    reported_by_name = models.CharField(max_length=220, blank=True)
    # Taken by a nurse on the phone (the call list) and entered on the patient's behalf.
    by_phone = models.BooleanField(default=False, db_default=False)

    objects = SymptomReportQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(
                fields=["triage_level", "submitted_at"],
                condition=~Q(status="resolved"),
                name="report_open_queue_idx",
            ),
            models.Index(fields=["patient", "submitted_at"], name="report_patient_idx"),
        ]

    def __str__(self):
        return f"{self.get_triage_level_display()} report of {self.submitted_at:%Y-%m-%d %H:%M}"


class ReportedSign(models.Model):
    report = models.ForeignKey(SymptomReport, on_delete=models.CASCADE, related_name="signs")
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    trend = models.CharField(max_length=6, choices=Trend.choices)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.label} ({self.severity})"


class KnownBaselineQuerySet(PatientScopedQuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class KnownBaseline(models.Model):
    """A sign a nurse has marked as known for this patient, at a usual severity.

    Reported unchanged or better, it does not alert; worse than this, it goes to review.
    A red-flag sign always alerts (see followup/triage.py). History is kept.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="known_baselines"
    )
    code = models.CharField("sign", max_length=60)
    label = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    note = models.TextField(blank=True, max_length=text_limits.NOTE)
    review_on = models.DateField("review by", null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = KnownBaselineQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=Q(ended_at__isnull=True),
                name="one_active_baseline_per_sign",
            )
        ]

    def __str__(self):
        return f"{self.label}: usually {self.severity}"


class CallOutcome(models.TextChoices):
    REACHED = "reached", "Reached: report taken by phone"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_MESSAGE = "left_message", "Left a message"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    PAUSE = "pause", "Patient asks to pause check-ins"


class CallAttempt(models.Model):
    """A nurse's call to a patient on the call list (missed check-ins, a bounced prompt).

    A patient leaves the list when reached or paused; other outcomes keep them on it.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="call_attempts"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices)
    note = models.CharField(max_length=500, blank=True)
    # Check-ins are not opened until this day (outcome "pause").
    pause_until = models.DateField(null=True, blank=True)
    report = models.OneToOneField(
        SymptomReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_attempt",
    )

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="callattempt_patient_idx")]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"
