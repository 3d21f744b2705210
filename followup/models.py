import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from followup.rules import scheduling
from followup.rules.late_effects import ONCOLOGY, RESPONSIBLE_CHOICES


class ItemKind(models.TextChoices):
    VISIT = scheduling.KIND_VISIT, "Clinic visit"
    IMAGING = scheduling.KIND_IMAGING, "Imaging scan"
    LAB = scheduling.KIND_LAB, "Lab test"
    PROCEDURE = scheduling.KIND_PROCEDURE, "Procedure"


class ImagingModality(models.TextChoices):
    MAMMOGRAM = "mammogram", "Mammogram"
    CT = "ct", "CT"
    LOW_DOSE_CT = "low_dose_ct", "Low-dose CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    ULTRASOUND = "ultrasound", "Ultrasound"
    XRAY = "xray", "X-ray"
    # As the seeded guideline templates name them (followup/guidelines.py).
    CT_CHEST = "ct_chest", "Chest CT"
    CT_CHEST_ABDOMEN = "ct_chest_abdomen", "CT of chest and abdomen"
    LOW_DOSE_CT_CHEST = "low_dose_ct_chest", "Low-dose chest CT"
    CT_OR_PET_CT = "ct_or_pet_ct", "CT or PET-CT"
    HEAD_NECK_BASELINE = "head_neck_baseline", "Baseline imaging of head and neck"
    # Late-effects screening (followup/rules/late_effects.py).
    ECHOCARDIOGRAM = "echocardiogram", "Echocardiogram"
    DEXA = "dexa", "Bone density (DEXA)"


class CarePlanTemplate(models.Model):
    """A guideline follow-up schedule for a cancer type, edited by administrators.

    Every saved change bumps ``version``. A plan copies the rules and warning signs it
    was built from, so editing a template never rewrites an existing plan.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    cancer_types = models.JSONField(
        default=list, blank=True, help_text="Cancer type codes this template fits, e.g. breast."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    source = models.CharField(max_length=300, help_text="The guideline this schedule follows.")
    needs_clinical_review = models.BooleanField(
        default=False, help_text="Some figures are not yet confirmed against the guideline."
    )
    warning_signs = models.JSONField(
        default=list,
        blank=True,
        help_text="Type-specific warning signs, added to the general list.",
    )
    notes = models.TextField(blank=True, help_text="For nurses: how to apply this template.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        review = " (needs clinical review)" if self.needs_clinical_review else ""
        return f"{self.name}, version {self.version}{review}"

    def rule_specs(self) -> list[scheduling.RuleSpec]:
        return [rule.as_spec() for rule in self.rules.all()]


class ScheduleRule(models.Model):
    template = models.ForeignKey(CarePlanTemplate, on_delete=models.CASCADE, related_name="rules")
    key = models.SlugField(max_length=60, help_text="Stable name; items are matched by it.")
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    label = models.CharField(max_length=120, help_text="What the patient sees, e.g. Mammogram.")
    modality = models.CharField(max_length=20, choices=ImagingModality.choices, blank=True)
    lab_test = models.CharField(max_length=40, blank=True, help_text="CBC, CEA, PSA, TSH…")
    procedure = models.CharField(max_length=60, blank=True, help_text="e.g. colonoscopy")
    interval_min_months = models.PositiveSmallIntegerField(
        "every (shortest, months)", validators=[MinValueValidator(1)]
    )
    interval_max_months = models.PositiveSmallIntegerField(
        "up to (longest, months)", validators=[MinValueValidator(1)]
    )
    from_month = models.PositiveSmallIntegerField("active after month", default=0)
    until_month = models.PositiveSmallIntegerField(
        "until month", null=True, blank=True, help_text="Empty: continues yearly for life."
    )
    window_days = models.PositiveSmallIntegerField("due window (days either side)", default=14)
    instructions = models.TextField("instructions for the patient", blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="schedule_rule_unique_key")
        ]

    def __str__(self):
        return self.label

    def as_spec(self) -> scheduling.RuleSpec:
        return scheduling.RuleSpec(
            key=self.key,
            kind=self.kind,
            label=self.label,
            interval_min_months=self.interval_min_months,
            interval_max_months=self.interval_max_months,
            from_month=self.from_month,
            until_month=self.until_month,
            window_days=self.window_days,
            instructions=self.instructions,
            modality=self.modality,
            lab_test=self.lab_test,
            procedure=self.procedure,
        )


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"


class CheckInFrequency(models.TextChoices):
    DEFAULT = "default", "Weekly for the first 6 months, then monthly"
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    NONE = "none", "No check-ins"


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CarePlanQuerySet(models.QuerySet):
    def for_user(self, user):
        from patients.models import Patient

        return self.filter(patient__in=Patient.objects.for_user(user))


class CarePlan(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="care_plans"
    )
    diagnosis = models.ForeignKey(
        "patients.CancerDiagnosis", on_delete=models.CASCADE, related_name="care_plans"
    )
    template = models.ForeignKey(CarePlanTemplate, on_delete=models.PROTECT, related_name="plans")
    template_version = models.PositiveIntegerField()
    # What the plan was built from, copied so later template edits leave it alone.
    rules_snapshot = models.JSONField(default=list)
    warning_signs_snapshot = models.JSONField(default=list)
    start_date = models.DateField(help_text="Follow-up is counted from this date.")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_care_plans",
        verbose_name="owner nurse",
    )
    checkin_frequency = models.CharField(
        "symptom check-ins",
        max_length=12,
        choices=CheckInFrequency.choices,
        default=CheckInFrequency.DEFAULT,
    )
    generated_through = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "rules_snapshot"])
    objects = CarePlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["diagnosis"],
                condition=Q(status__in=["active", "paused"]),
                name="careplan_one_open_plan_per_diagnosis",
            )
        ]
        indexes = [
            # "Which plans are active" without reading the wide plan rows (rule snapshots).
            models.Index(
                fields=["id"],
                include=["diagnosis"],
                condition=Q(status="active"),
                name="careplan_active_idx",
            )
        ]

    def __str__(self):
        return f"Care plan for {self.diagnosis.cancer_name} from {self.start_date:%Y-%m-%d}"

    def rule_specs(self) -> list[scheduling.RuleSpec]:
        return [scheduling.RuleSpec(**rule) for rule in self.rules_snapshot]


class CalendarFeed(models.Model):
    """A patient's private calendar subscription: a secret URL, revocable."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed of patient {self.patient_id}"

    def rotate(self) -> None:
        self.token = _new_calendar_token()
        self.created_at = timezone.now()


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


class FollowUpVisitQuerySet(models.QuerySet):
    def for_user(self, user):
        from patients.models import Patient

        return self.filter(patient__in=Patient.objects.for_user(user))

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
    instructions = models.TextField(blank=True)
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
    note = models.TextField(blank=True)
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


# --- Reminders: the outbox -------------------------------------------------------------


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment reminder"
    SCAN = "scan", "Scan reminder"
    LAB = "lab", "Lab test reminder"
    CHECKIN = "checkin", "Symptom check-in prompt"
    OVERDUE = "overdue", "Overdue follow-up reminder"
    NURSE_DIGEST = "nurse_digest", "Nurse digest of overdue follow-ups"
    NURSE_ALERT = "nurse_alert", "Nurse alert"


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


class ReminderQuerySet(models.QuerySet):
    def for_user(self, user):
        from patients.models import Patient

        return self.filter(patient__in=Patient.objects.for_user(user))

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="checkin_one_per_plan_and_day")
        ]

    def __str__(self):
        return f"Check-in due {self.due_on:%Y-%m-%d}"


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


# --- Symptom reports and triage --------------------------------------------------------------


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
    MILD = "mild", "Mild: I notice it but it doesn't stop me"
    MODERATE = "moderate", "Moderate: it gets in the way of things"
    SEVERE = "severe", "Severe: it stops me doing things"


class Trend(models.TextChoices):
    NEW = "new", "New"
    SAME = "same", "About the same as last time"
    WORSE = "worse", "Worse than last time"


class SymptomReportQuerySet(models.QuerySet):
    def for_user(self, user):
        from patients.models import Patient

        return self.filter(patient__in=Patient.objects.for_user(user))

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
    other_text = models.TextField("anything else", blank=True, max_length=2000)
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
    resolution_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The patient answered yes to the question about thoughts of harming themselves.
    self_harm = models.BooleanField(default=False)

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


class KnownBaselineQuerySet(models.QuerySet):
    def for_user(self, user):
        from patients.models import Patient

        return self.filter(patient__in=Patient.objects.for_user(user))

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
    note = models.TextField(blank=True, max_length=2000)
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


from followup.models_channel import ChannelHealth  # noqa: E402, F401  (one app, two files)
