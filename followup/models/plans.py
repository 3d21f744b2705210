import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from followup.models.base import PatientScopedQuerySet
from followup.rules import scheduling
from survivorship import text_limits


class ItemKind(models.TextChoices):
    VISIT = scheduling.KIND_VISIT, _("Clinic visit")
    IMAGING = scheduling.KIND_IMAGING, _("Imaging scan")
    LAB = scheduling.KIND_LAB, _("Lab test")
    PROCEDURE = scheduling.KIND_PROCEDURE, _("Procedure")


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
    notes = models.TextField(
        blank=True,
        max_length=text_limits.LONG_TEXT,
        help_text="For nurses: how to apply this template.",
    )
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
    instructions = models.TextField(
        "instructions for the patient", blank=True, max_length=text_limits.LONG_TEXT
    )
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


# Plans that still follow the patient: paused ones keep their check-ins (issue 19).
OPEN_PLAN_STATUSES = (PlanStatus.ACTIVE, PlanStatus.PAUSED)


class CheckInFrequency(models.TextChoices):
    DEFAULT = "default", "Weekly for the first 6 months, then monthly"
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    NONE = "none", "No check-ins"


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CarePlanQuerySet(PatientScopedQuerySet):
    """Care plans, scoped with ``for_user`` like every patient-bound table."""


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
    # Paused when the disease came back (issue 19): why, for which status event, and the
    # nurse's task to review the plan by a date. The review is done when the plan is
    # resumed, replaced by a new plan or ended.
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    pause_reason = models.CharField(max_length=200, blank=True, editable=False)
    paused_for_event = models.ForeignKey(
        "patients.DiseaseStatusEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    review_due_on = models.DateField(null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_reason = models.CharField(max_length=200, blank=True, editable=False)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="replaces",
    )
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

    @property
    def is_paused(self) -> bool:
        return self.status == PlanStatus.PAUSED

    @property
    def is_ended(self) -> bool:
        return self.status == PlanStatus.COMPLETED

    @property
    def review_open(self) -> bool:
        """The nurse still has to review this plan (paused for a return of disease)."""
        return self.is_paused and self.review_due_on is not None and self.reviewed_at is None

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
