import re
from datetime import date

from django import forms
from django.contrib.auth.models import User

from patients.choices import LATERAL_CANCER_TYPES, CancerType, DiseaseStatus, RecurrenceType
from patients.models import CancerDiagnosis, Patient, Treatment, timezone_choices
from patients.selectors import SCOPES, SORTS
from patients.services import PATIENT_FIELDS, RETURN
from survivorship.roles import GROUP_NAMES, Role, has_role

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class DateField(forms.DateField):
    """A date within 1900-2100: anything else is a typo, and would overflow date sums."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError("Please check the year: use a date between 1900 and 2100.")


class DateTimeField(forms.DateTimeField):
    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST <= value.date() <= LATEST:
            raise forms.ValidationError("Please check the year: use a date between 1900 and 2100.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def nurses():
    return User.objects.filter(groups__name=GROUP_NAMES[Role.NURSE], is_active=True).order_by(
        "last_name", "first_name", "username"
    )


class NurseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class NurseMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()

    def _check_values(self, value):
        # Refuse anything that is not a plausible id before it reaches the database
        # (a 30-digit number overflows SQLite's integers).
        for pk in value:
            if not re.fullmatch(r"[0-9]{1,18}", str(pk)):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )  # fmt: skip
        return super()._check_values(value)


class PatientForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=timezone_choices, initial="UTC")
    primary_nurse = NurseChoiceField(queryset=nurses(), required=False)
    care_team = NurseMultipleChoiceField(
        queryset=nurses(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Nurses who may see this record. The primary nurse is always included.",
    )

    class Meta:
        model = Patient
        # What the patient service writes, less consent (the patient gives that in the
        # portal), plus the care team.
        fields = [f for f in PATIENT_FIELDS if f != "reminder_consent_at"] + ["care_team"]
        widgets = {"date_of_birth": DateInput()}
        field_classes = {"date_of_birth": DateField}
        error_messages = {
            "medical_record_number": {
                "unique": "Another patient already has this record number.",
            }
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Querysets are evaluated per form, so a nurse added today appears today.
        self.fields["primary_nurse"].queryset = nurses()
        self.fields["care_team"].queryset = nurses()
        self.fields["medical_record_number"].widget.attrs["autocomplete"] = "off"
        # Only administrators change the primary nurse or remove someone from the care
        # team (issue 14, finding 5): the primary nurse receives the urgent alerts.
        self.may_reassign = user is None or has_role(user, Role.ADMINISTRATOR)
        self.editor = user
        if self.instance.pk and not self.may_reassign:
            self.fields["primary_nurse"].disabled = True
            self.fields[
                "primary_nurse"
            ].help_text = "Only an administrator can change the primary nurse."

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.may_reassign:
            stored = Patient.objects.filter(pk=self.instance.pk).values_list(
                "primary_nurse_id", flat=True
            )[0]
            before = set(self.instance.care_team.values_list("pk", flat=True))
            after = {member.pk for member in cleaned.get("care_team") or ()}
            if before - after - {stored}:
                self.add_error(
                    "care_team",
                    "Only an administrator can remove someone from the care team. "
                    "Ask an administrator if someone should no longer see this record.",
                )
            if after - before - {self.editor.pk}:
                self.add_error(
                    "care_team",
                    "You can add yourself to the care team; ask an administrator to add "
                    "someone else.",
                )
        return cleaned


class DiagnosisForm(forms.ModelForm):
    class Meta:
        model = CancerDiagnosis
        fields = [
            "cancer_type",
            "diagnosed_on",
            "histology",
            "laterality",
            "stage_group",
            "stage_t",
            "stage_n",
            "stage_m",
            "second_primary",
        ]
        widgets = {"diagnosed_on": DateInput()}
        field_classes = {"diagnosed_on": DateField}
        help_texts = {
            "laterality": "Only for "
            + ", ".join(sorted(CancerType(t).label.lower() for t in LATERAL_CANCER_TYPES))
            + " cancer.",
            "stage_group": "For example IIA. A later restage (rIIIB) goes on a status event.",
        }


class TreatmentForm(forms.ModelForm):
    class Meta:
        model = Treatment
        fields = ["modality", "intent", "started_on", "ended_on", "notes", "lasting_side_effects"]
        field_classes = {"started_on": DateField, "ended_on": DateField}
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "lasting_side_effects": forms.Textarea(attrs={"rows": 2}),
        }


REPORTED_STATUSES = [
    (DiseaseStatus.NED.value, DiseaseStatus.NED.label),
    (DiseaseStatus.PARTIAL_RESPONSE.value, DiseaseStatus.PARTIAL_RESPONSE.label),
    (DiseaseStatus.STABLE.value, DiseaseStatus.STABLE.label),
    (RETURN, "The disease has come back (classified as recurrence or progression)"),
]


class StatusEventForm(forms.Form):
    """Not a ModelForm: a return of disease is classified by the service, not chosen here."""

    event_date = DateField(label="Date", widget=DateInput())
    reported_status = forms.ChoiceField(label="Status", choices=REPORTED_STATUSES)
    recurrence_type = forms.ChoiceField(
        label="Where it came back",
        choices=[("", "—"), *RecurrenceType.choices],
        required=False,
        help_text="Needed when the record shows a recurrence.",
    )
    site = forms.CharField(max_length=120, required=False, help_text="For example: bone, liver.")
    restage = forms.CharField(
        max_length=10, required=False, help_text="Optional, with an r prefix: rIIIB."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    override_status = forms.ChoiceField(
        label="Classification",
        choices=[
            ("", "Use the classification from the record (recommended)"),
            (DiseaseStatus.RECURRENCE.value, "Record as recurrence"),
            (DiseaseStatus.PROGRESSION.value, "Record as progression"),
        ],
        required=False,
    )
    override_note = forms.CharField(
        label="Reason for overriding",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    # Model validation errors arrive keyed by model field; show them on these fields.
    FIELD_FOR_MODEL_ERROR = {"status": "reported_status", "suggested_status": "override_status"}

    def add_model_errors(self, error) -> None:
        for field, messages in error.message_dict.items():
            target = self.FIELD_FOR_MODEL_ERROR.get(field, field)
            self.add_error(target if target in self.fields else None, messages)


class CaseloadFilterForm(forms.Form):
    scope = forms.ChoiceField(choices=list(SCOPES.items()), required=False)
    q = forms.CharField(label="Search", max_length=100, required=False)
    cancer_type = forms.ChoiceField(
        label="Cancer type", choices=[("", "Any"), *CancerType.choices], required=False
    )
    status = forms.ChoiceField(
        label="Current status", choices=[("", "Any"), *DiseaseStatus.choices], required=False
    )
    overdue = forms.BooleanField(label="Has overdue follow-up", required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)

    def clean_q(self):
        return self.cleaned_data["q"].replace("\x00", "").strip()
