import functools
import zoneinfo
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import OuterRef
from django.utils import timezone
from simple_history.models import HistoricalRecords

from patients.choices import (
    AGENT_MODALITIES,
    ANTHRACYCLINES,
    LANGUAGES,
    LATERAL_CANCER_TYPES,
    RETURN_OF_DISEASE,
    Agent,
    CancerType,
    ConsentMethod,
    DiseaseStatus,
    Intent,
    Laterality,
    Modality,
    RadiationSite,
    RecurrenceType,
    ReminderChannel,
    Sex,
    Side,
)
from survivorship import text_limits
from survivorship.roles import Role, roles_of

E164 = RegexValidator(
    r"^\+[1-9]\d{7,14}$",
    "Enter the mobile number in international form, for example +14155550123.",
)
MRN = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,31}$",
    "Use letters, digits, dashes, dots, slashes or underscores (up to 32).",
)
STAGE = RegexValidator(
    r"^(0|0is|I{1,3}V?|IV)[A-C]?\d?$",
    "Write the stage group as 0, I, II, III or IV, optionally followed by A, B or C (e.g. IIA).",
)
RESTAGE = RegexValidator(
    r"^r(0|I{1,3}V?|IV)[A-C]?\d?$",
    "A restage starts with a lower-case r, for example rIIIB; the original stage is kept.",
)


CANCER_NAMES = {
    CancerType.BREAST: "breast cancer",
    CancerType.COLORECTAL: "colorectal cancer",
    CancerType.LUNG: "lung cancer",
    CancerType.PROSTATE: "prostate cancer",
    CancerType.MELANOMA: "melanoma",
    CancerType.HEAD_NECK: "head and neck cancer",
    CancerType.CERVICAL: "cervical cancer",
    CancerType.ENDOMETRIAL: "endometrial cancer",
    CancerType.OVARIAN: "ovarian cancer",
    CancerType.BLADDER: "bladder cancer",
    CancerType.KIDNEY: "kidney cancer",
    CancerType.THYROID: "thyroid cancer",
    CancerType.HODGKIN_LYMPHOMA: "Hodgkin lymphoma",
    CancerType.NON_HODGKIN_LYMPHOMA: "non-Hodgkin lymphoma",
    CancerType.LEUKEMIA: "leukemia",
    CancerType.OTHER: "cancer (other type)",
}


@functools.cache
def time_zone_names() -> frozenset[str]:
    # available_timezones() scans the tz database on every call (milliseconds each):
    # read it once per process.
    return frozenset(zoneinfo.available_timezones())


def timezone_choices():
    return [(name, name) for name in sorted(time_zone_names())]


class PatientQuerySet(models.QuerySet):
    def for_user(self, user):
        """The only way to fetch patients for a request: scoped to what ``user`` may see.

        Nurses see the patients whose care team they are on (or whose primary nurse they
        are); users with the ``view_all_patients`` permission see everyone; a patient
        sees only their own record; anyone else sees nothing.
        """

        if user is None or not user.is_authenticated:
            return self.none()
        roles = roles_of(user)
        if Role.NURSE in roles or Role.ADMINISTRATOR in roles:
            if user.has_perm("patients.view_all_patients"):
                return self.all()
        # The ids in scope, as a UNION of index lookups: an OR across the patient table
        # (primary nurse OR on the team) defeats every index and makes PostgreSQL expect
        # half of all patients, so joins from large tables start from the wrong side.
        parts = []
        if Role.NURSE in roles:
            parts.append(Patient.objects.filter(primary_nurse=user).order_by().values("pk"))
            parts.append(
                Patient.care_team.through.objects.filter(user_id=user.pk).values("patient_id")
            )
        if Role.PATIENT in roles:
            parts.append(Patient.objects.filter(user=user).order_by().values("pk"))
        if not parts:
            return self.none()
        ids = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        return self.filter(pk__in=ids)

    def with_current_status(self):
        """Annotate the status of the latest disease event across all diagnoses."""
        latest = DiseaseStatusEvent.objects.filter(diagnosis__patient_id=OuterRef("pk")).order_by(
            "-event_date", "-pk"
        )
        return self.annotate(
            current_status=models.Subquery(latest.values("status")[:1]),
            current_status_date=models.Subquery(latest.values("event_date")[:1]),
        )


class Patient(models.Model):
    medical_record_number = models.CharField(
        "record number", max_length=32, unique=True, validators=[MRN]
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(blank=True)
    mobile_phone = models.CharField(
        max_length=16, blank=True, validators=[E164], help_text="International form: +14155550123"
    )
    preferred_channel = models.CharField(
        "preferred reminder channel",
        max_length=10,
        choices=ReminderChannel.choices,
        default=ReminderChannel.EMAIL,
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    preferred_language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    primary_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_patients",
    )
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="care_team_patients",
        help_text="Nurses who may see this record.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        help_text="The portal account of this patient, once invited.",
    )
    reminder_consent_at = models.DateTimeField("consent to reminders given", null=True, blank=True)
    reminder_consent_channel = models.CharField(
        "channel consented to",
        max_length=10,
        choices=ReminderChannel.choices,
        blank=True,
        default="",
        db_default="",  # bulk COPY writers (bench, import) need not name it
    )
    reminder_consent_method = models.CharField(
        "how consent was given",
        max_length=12,
        choices=ConsentMethod.choices,
        blank=True,
        default="",
        db_default="",
    )
    active = models.BooleanField(default=True)
    contact_problem = models.CharField(
        max_length=300,
        blank=True,
        help_text="Set when a message could not be delivered; a nurse should fix the contact.",
    )
    # The primary-care doctor, who receives the shared-care letter (ASCO's template says
    # who does what). The letter goes only to this email, never to anyone else.
    pcp_name = models.CharField(
        "primary-care doctor", max_length=200, blank=True, default="", db_default=""
    )
    pcp_practice = models.CharField(
        "practice", max_length=200, blank=True, default="", db_default=""
    )
    pcp_phone = models.CharField(
        "practice phone", max_length=32, blank=True, default="", db_default=""
    )
    pcp_email = models.EmailField("primary-care email", blank=True, default="", db_default="")
    pcp_secure_address = models.CharField(
        "secure fax or direct address",
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text="As text, for example a Direct address or a secure fax number.",
    )
    care_transferred_on = models.DateField(
        "transfer of care",
        null=True,
        blank=True,
        help_text="From this date primary care leads the follow-up.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[care_team])
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        permissions = [("view_all_patients", "Can see every patient, not only a care team's")]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="patient_name_idx"),
            models.Index(fields=["primary_nurse", "family_name"], name="patient_nurse_idx"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.medical_record_number})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.date_of_birth:
            if self.date_of_birth > today:
                errors["date_of_birth"] = "The date of birth cannot be in the future."
            elif self.date_of_birth.year < 1900:
                errors["date_of_birth"] = "Please check the year of birth."
        if self.time_zone not in time_zone_names():
            errors["time_zone"] = "Choose a time zone from the list, for example Europe/London."
        if self.preferred_channel == ReminderChannel.EMAIL and not self.email:
            errors["email"] = (
                "Reminders by email need an email address (or choose another channel)."
            )
        if self.preferred_channel == ReminderChannel.SMS and not self.mobile_phone:
            errors["mobile_phone"] = (
                "Text reminders need a mobile number (or choose another channel)."
            )
        if errors:
            raise ValidationError(errors)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class CancerDiagnosis(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    cancer_type = models.CharField(max_length=32, choices=CancerType.choices)
    histology = models.CharField(max_length=200, blank=True)
    laterality = models.CharField(
        max_length=10, choices=Laterality.choices, blank=True, default=Laterality.NOT_APPLICABLE
    )
    diagnosed_on = models.DateField("date of diagnosis")
    stage_group = models.CharField(
        "stage at diagnosis", max_length=8, blank=True, validators=[STAGE]
    )
    stage_t = models.CharField("T", max_length=8, blank=True)
    stage_n = models.CharField("N", max_length=8, blank=True)
    stage_m = models.CharField("M", max_length=8, blank=True)
    second_primary = models.BooleanField(
        "second primary cancer",
        default=False,
        help_text="A new, different cancer diagnosed after an earlier one: not a recurrence.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-diagnosed_on", "-pk"]
        verbose_name_plural = "cancer diagnoses"

    def __str__(self):
        return f"{self.get_cancer_type_display()} cancer, diagnosed {self.diagnosed_on:%Y-%m-%d}"

    @property
    def cancer_name(self) -> str:
        """How the cancer is named in a sentence, also when it comes back elsewhere.

        A distant recurrence of breast cancer in the bone is still breast cancer.
        """
        return CANCER_NAMES.get(self.cancer_type, f"{self.get_cancer_type_display()} cancer")

    def clean(self):
        errors = {}
        today = timezone.localdate()
        # The patient may be attached but not saved yet (the CSV importer validates first).
        patient = self.patient if self.patient_id else self._state.fields_cache.get("patient")
        if self.diagnosed_on:
            if self.diagnosed_on > today:
                errors["diagnosed_on"] = "The date of diagnosis cannot be in the future."
            elif patient is not None and patient.date_of_birth:
                if self.diagnosed_on < patient.date_of_birth:
                    errors["diagnosed_on"] = "The diagnosis cannot be before the date of birth."
        if self.laterality and self.cancer_type not in LATERAL_CANCER_TYPES:
            errors["laterality"] = (
                f"Left or right does not apply to {self.get_cancer_type_display().lower()} "
                "cancer: choose 'Not applicable'."
            )
        # A second primary needs an earlier cancer, of any type: a cancer in the other
        # breast is a common second primary. For a paired organ, a new cancer of the same
        # type on the same side as an earlier one (or where either was on both sides) is
        # usually a recurrence. When the side is not recorded on one of them, allow it.
        if self.second_primary and self.patient_id and self.diagnosed_on:
            earlier = list(
                CancerDiagnosis.objects.filter(
                    patient_id=self.patient_id, diagnosed_on__lt=self.diagnosed_on
                )
                .exclude(pk=self.pk)
                .values_list("cancer_type", "laterality")
            )
            same_side = [
                side
                for cancer_type, side in earlier
                if cancer_type == self.cancer_type
                and self.cancer_type in LATERAL_CANCER_TYPES
                and side
                and self.laterality
                and (side == self.laterality or Laterality.BILATERAL in (side, self.laterality))
            ]
            if not earlier:
                errors["second_primary"] = (
                    "A second primary is a new cancer after an earlier one: this patient has "
                    "no cancer diagnosed before this date."
                )
            elif same_side:
                errors["second_primary"] = (
                    f"The earlier {self.get_cancer_type_display().lower()} cancer was on the "
                    "same side. A new cancer on the same side is usually recorded as a "
                    "recurrence (a status event on the earlier diagnosis), not a second "
                    "primary."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def stage_display(self) -> str:
        tnm = " ".join(
            f"{prefix}{value}"
            for prefix, value in (("T", self.stage_t), ("N", self.stage_n), ("M", self.stage_m))
            if value
        )
        parts = [f"Stage {self.stage_group}" if self.stage_group else "", tnm]
        return " · ".join(part for part in parts if part) or "Stage not recorded"


class Treatment(models.Model):
    diagnosis = models.ForeignKey(
        CancerDiagnosis, on_delete=models.CASCADE, related_name="treatments"
    )
    modality = models.CharField(max_length=20, choices=Modality.choices)
    intent = models.CharField(max_length=12, choices=Intent.choices, default=Intent.CURATIVE)
    started_on = models.DateField("start date")
    ended_on = models.DateField(
        "end date", null=True, blank=True, help_text="Leave empty if ongoing."
    )
    notes = models.TextField(blank=True, max_length=text_limits.LONG_TEXT)
    lasting_side_effects = models.TextField(blank=True, max_length=text_limits.LONG_TEXT)
    # Treatment summary as ASCO's survivorship care plan template has it. All optional so
    # treatments recorded before these fields keep their data; clean() asks for what each
    # modality needs.
    procedure = models.CharField("procedure", max_length=200, blank=True, default="", db_default="")
    side = models.CharField(
        max_length=8, choices=Side.choices, blank=True, default="", db_default=""
    )
    agent = models.CharField(
        max_length=20, choices=Agent.choices, blank=True, default="", db_default=""
    )
    agent_other = models.CharField(
        "other agent", max_length=120, blank=True, default="", db_default=""
    )
    cycles = models.PositiveSmallIntegerField(null=True, blank=True)
    dose_mg_m2 = models.DecimalField(
        "cumulative dose (mg/m²)",
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="The total over all cycles, in mg per m² of body surface.",
    )
    radiation_site = models.CharField(
        "site or field",
        max_length=20,
        choices=RadiationSite.choices,
        blank=True,
        default="",
        db_default="",
    )
    radiation_dose_gy = models.DecimalField(
        "total dose (Gy)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    planned_duration_months = models.PositiveSmallIntegerField(
        "planned duration (months)", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-pk"]

    # Plausible bounds, so a typo (2500 for 250) is caught at entry.
    MAX_DOSE_MG_M2 = 1000
    MAX_ANTHRACYCLINE_MG_M2 = 800
    MAX_RADIATION_GY = 80
    MAX_CYCLES = 50
    MAX_DURATION_MONTHS = 180

    def __str__(self):
        return f"{self.get_modality_display()} from {self.started_on:%Y-%m-%d}"

    @property
    def details(self) -> str:
        """The treatment summary's particulars in plain words (ASCO's template): what,
        where, how much. Empty when nothing structured was recorded."""
        parts = []
        if self.procedure:
            parts.append(self.procedure)
        if self.side:
            parts.append(self.get_side_display().lower())
        if self.agent:
            parts.append(
                self.agent_other if self.agent == Agent.OTHER else self.get_agent_display()
            )
        if self.cycles:
            parts.append(f"{self.cycles} cycle{'s' if self.cycles != 1 else ''}")
        if self.dose_mg_m2 is not None:
            parts.append(f"{self.dose_mg_m2.normalize():f} mg/m² in total")
        if self.radiation_site:
            parts.append(self.get_radiation_site_display())
        if self.radiation_dose_gy is not None:
            parts.append(f"{self.radiation_dose_gy.normalize():f} Gy")
        if self.planned_duration_months:
            parts.append(f"planned for {self.planned_duration_months} months")
        return ", ".join(parts)

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.started_on and self.started_on > today:
            errors["started_on"] = "The start date cannot be in the future."
        if self.ended_on:
            if self.ended_on > today:
                errors["ended_on"] = (
                    "The end date cannot be in the future: leave it empty if ongoing."
                )
            elif self.started_on and self.ended_on < self.started_on:
                errors["ended_on"] = "The treatment cannot end before it started."
        errors.update(self._summary_errors())
        if errors:
            raise ValidationError(errors)

    def _summary_errors(self) -> dict[str, str]:
        errors = {}
        if self.modality == Modality.RADIATION:
            # A missing site is the form's error (TreatmentForm): imported records may lack it.
            if self.radiation_dose_gy is not None and not (
                0 < self.radiation_dose_gy <= self.MAX_RADIATION_GY
            ):
                errors["radiation_dose_gy"] = (
                    f"A total radiation dose is between 0 and {self.MAX_RADIATION_GY} Gy: "
                    "please check the number."
                )
        elif self.radiation_site or self.radiation_dose_gy is not None:
            errors["radiation_site"] = "A radiation site and dose go on a radiation treatment."
        if self.agent and self.modality not in AGENT_MODALITIES:
            errors["agent"] = "An agent goes on chemotherapy, hormone, immuno- or targeted therapy."
        if self.agent == Agent.OTHER and not self.agent_other.strip():
            errors["agent_other"] = "Write the name of the agent."
        if self.agent_other.strip() and self.agent != Agent.OTHER:
            errors["agent_other"] = 'Choose "Other" as the agent to write one in.'
        if self.dose_mg_m2 is not None:
            anthracycline = self.agent in ANTHRACYCLINES
            limit = self.MAX_ANTHRACYCLINE_MG_M2 if anthracycline else self.MAX_DOSE_MG_M2
            if not self.agent:
                errors["dose_mg_m2"] = "Choose the agent this dose is for."
            elif not (0 < self.dose_mg_m2 <= limit):
                errors["dose_mg_m2"] = (
                    f"A cumulative dose of {self.get_agent_display()} is between 0 and {limit} "
                    "mg/m²: please check the number."
                )
        if self.cycles is not None and not (1 <= self.cycles <= self.MAX_CYCLES):
            errors["cycles"] = f"Cycles are between 1 and {self.MAX_CYCLES}."
        if self.planned_duration_months is not None and not (
            1 <= self.planned_duration_months <= self.MAX_DURATION_MONTHS
        ):
            errors["planned_duration_months"] = (
                f"A planned duration is between 1 and {self.MAX_DURATION_MONTHS} months."
            )
        return errors


class DiseaseStatusEventQuerySet(models.QuerySet):
    """Issue 19: the patient hears that the disease is back from a person, not the portal."""

    def visible_to_patient(self):
        """What the patient (and their caregivers) may see: everything but a return of
        disease that the nurse has not yet marked discussed with the patient. Every
        patient-facing read of status events goes through here."""
        return self.exclude(status__in=RETURN_OF_DISEASE, discussed_at__isnull=True)


class DiseaseStatusEvent(models.Model):
    diagnosis = models.ForeignKey(
        CancerDiagnosis, on_delete=models.CASCADE, related_name="status_events"
    )
    event_date = models.DateField()
    status = models.CharField(max_length=20, choices=DiseaseStatus.choices)
    recurrence_type = models.CharField(max_length=10, choices=RecurrenceType.choices, blank=True)
    site = models.CharField(max_length=120, blank=True, help_text="Where the disease was found.")
    restage = models.CharField(
        max_length=10, blank=True, validators=[RESTAGE], help_text="For example rIIIB."
    )
    # For a return of disease: what the record suggested, why, and the nurse's override.
    suggested_status = models.CharField(max_length=20, choices=DiseaseStatus.choices, blank=True)
    classification_reason = models.CharField(max_length=300, blank=True)
    override_note = models.TextField(blank=True, max_length=text_limits.NOTE)
    note = models.TextField(blank=True, max_length=text_limits.NOTE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A return of disease stays out of the portal and every message until a nurse on the
    # care team says it was discussed with the patient (patients.services).
    discussed_at = models.DateTimeField(null=True, blank=True)
    discussed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    objects = DiseaseStatusEventQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "-pk"]
        indexes = [models.Index(fields=["diagnosis", "event_date"], name="status_event_date_idx")]

    def __str__(self):
        return f"{self.title} on {self.event_date:%Y-%m-%d}"

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.event_date:
            if self.event_date > today:
                errors["event_date"] = "The date cannot be in the future."
            elif self.diagnosis_id and self.event_date < self.diagnosis.diagnosed_on:
                errors["event_date"] = (
                    "A status event cannot be before the diagnosis "
                    f"({self.diagnosis.diagnosed_on:%Y-%m-%d})."
                )
        if self.status == DiseaseStatus.RECURRENCE and not self.recurrence_type:
            errors["recurrence_type"] = "Say whether the recurrence is local, regional or distant."
        if self.status != DiseaseStatus.RECURRENCE and self.recurrence_type:
            errors["recurrence_type"] = "Only a recurrence has a recurrence type."
        if self.restage and self.status not in (
            DiseaseStatus.RECURRENCE,
            DiseaseStatus.PROGRESSION,
        ):
            errors["restage"] = "A restage is recorded only when the disease has come back."
        if errors:
            raise ValidationError(errors)

    @property
    def needs_discussion(self) -> bool:
        """A return of disease is told in person first: true while nobody has marked it."""
        return self.status in RETURN_OF_DISEASE and self.discussed_at is None

    @property
    def overridden(self) -> bool:
        return bool(self.suggested_status) and self.suggested_status != self.status

    @property
    def title(self) -> str:
        name = self.diagnosis.cancer_name
        if self.status == DiseaseStatus.RECURRENCE:
            kind = f"{self.recurrence_type.capitalize()} recurrence" if self.recurrence_type else ""
            return f"{kind or 'Recurrence'} of {name}"
        return f"{self.get_status_display()}: {name}"
