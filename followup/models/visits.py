from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from followup.models.base import PatientScopedQuerySet
from followup.models.plans import CarePlan, ImagingModality, ItemKind
from followup.rules.late_effects import ONCOLOGY, RESPONSIBLE_CHOICES
from survivorship import text_limits


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


# Items that still need to happen. Overdue = one of these whose window has ended.
OPEN_STATUSES = (VisitStatus.PLANNED, VisitStatus.SCHEDULED, VisitStatus.MISSED)


class Outcome(models.TextChoices):
    NED = "ned", "No evidence of disease"
    MORE_TESTS = "more_tests", "Needs more tests"
    RECURRENCE_SUSPECTED = "recurrence_suspected", "Recurrence suspected"


class FollowUpVisitQuerySet(PatientScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        """Computed in the query, served by the partial index on open items."""
        today = today or timezone.localdate()
        return self.open().filter(window_end__lt=today)

    def due_soon(self, today=None, days=30):
        today = today or timezone.localdate()
        return self.open().filter(window_end__gte=today, due_date__lte=today + timedelta(days=days))


class FollowUpVisit(models.Model):
    """One item of a follow-up schedule: a clinic visit, scan, lab test or procedure."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="visits")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="followup_visits"
    )
    rule_key = models.CharField(max_length=60, blank=True, help_text="Empty when added by hand.")
    sequence = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    label = models.CharField(max_length=120)
    modality = models.CharField(max_length=20, choices=ImagingModality.choices, blank=True)
    lab_test = models.CharField(max_length=40, blank=True)
    procedure = models.CharField(max_length=60, blank=True)
    instructions = models.TextField(blank=True, max_length=text_limits.LONG_TEXT)
    # Why a late-effects item is there ("Because of chest radiation, 2019") and who does
    # it; empty reason for the cancer-type template's items.
    reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    responsible = models.CharField(
        "who does it",
        max_length=16,
        choices=RESPONSIBLE_CHOICES,
        default=ONCOLOGY,
        db_default=ONCOLOGY,
    )
    due_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    status = models.CharField(
        max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    scheduled_at = models.DateTimeField("appointment", null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True, max_length=text_limits.NOTE)
    contacted_at = models.DateTimeField("patient contacted", null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = FollowUpVisitQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            # Generated items are matched by (rule, sequence): regenerating is idempotent.
            models.UniqueConstraint(
                fields=["plan", "rule_key", "sequence"],
                condition=~Q(rule_key=""),
                name="visit_unique_generated_item",
            ),
            models.CheckConstraint(
                condition=Q(window_start__lte=models.F("due_date"))
                & Q(due_date__lte=models.F("window_end")),
                name="visit_due_inside_window",
            ),
        ]
        indexes = [
            # Overdue and due-soon lists only look at open items: a partial index keeps
            # them fast however many completed items accumulate.
            models.Index(
                fields=["window_end", "id"],
                include=["plan", "patient", "kind"],
                condition=Q(status__in=["planned", "scheduled", "missed"]),
                name="visit_open_window_end_idx",
            ),
            # A patient's (or a caseload's) open items: the nurse's due/overdue panel.
            models.Index(
                fields=["patient", "window_end"],
                condition=Q(status__in=["planned", "scheduled", "missed"]),
                name="visit_open_patient_idx",
            ),
            models.Index(fields=["patient", "due_date"], name="visit_patient_due_idx"),
        ]

    def __str__(self):
        return f"{self.label} due {self.due_date:%Y-%m-%d}"

    @property
    def manually_added(self) -> bool:
        return not self.rule_key

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.window_end < (today or timezone.localdate())

    def days_overdue(self, today=None) -> int:
        today = today or timezone.localdate()
        return (today - self.window_end).days if self.is_overdue(today) else 0


class MergedItem(models.Model):
    """An item a plan's schedule asked for that an open item of another plan covers.

    A second primary cancer has its own plan; where both plans want the same test in the
    same window (followup.rules.scheduling.match_shared_items) the patient gets one
    item. It stays on the first plan, with this plan's reason added to its own; this row
    is how the second plan remembers it, so regenerating it never makes a copy.
    """

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="merged_items")
    visit = models.ForeignKey(FollowUpVisit, on_delete=models.CASCADE, related_name="merged_from")
    rule_key = models.CharField(max_length=60)
    sequence = models.PositiveIntegerField()
    due_date = models.DateField(help_text="When this plan's schedule wanted it.")
    note = models.CharField(max_length=300, help_text="What was added to the item's reason.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "rule_key", "sequence"], name="merged_item_unique_rule_item"
            )
        ]

    def __str__(self):
        return f"{self.rule_key} #{self.sequence} of plan {self.plan_id}, on item {self.visit_id}"


# --- Reminders: the outbox -------------------------------------------------------------
