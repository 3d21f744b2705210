import re
from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients import services
from patients.choices import (
    LATERAL_CANCER_TYPES,
    CancerType,
    DiseaseStatus,
    Modality,
    RecurrenceType,
    ReminderChannel,
)
from patients.models import CancerDiagnosis, CaregiverGrant, Patient, Treatment, timezone_choices
from patients.services import PATIENT_FIELDS, RETURN
from survivorship import text_limits
from survivorship.roles import Role, has_role, users_with_role

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
    return users_with_role(Role.NURSE).order_by("last_name", "first_name", "username")


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

    reminder_consent_on = DateField(
        label="Date consent to reminders was given",
        required=False,
        widget=DateInput(),
        help_text="Leave empty if the patient has not agreed to reminders: none will be sent.",
    )

    class Meta:
        model = Patient
        # What the patient service writes (consent's date comes from reminder_consent_on),
        # plus the care team.
        fields = [f for f in PATIENT_FIELDS if f != "reminder_consent_at"] + ["care_team"]
        widgets = {"date_of_birth": DateInput()}
        labels = {
            "reminder_consent_channel": "Channel they agreed to",
            "reminder_consent_method": "How consent was given",
        }
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
        consent_at = self.instance.reminder_consent_at if self.instance.pk else None
        if consent_at is not None:
            self.initial.setdefault("reminder_consent_on", timezone.localdate(consent_at))
        # Consent fields after the contact details they are about.
        consent = ["reminder_consent_on", "reminder_consent_channel", "reminder_consent_method"]
        order = [name for name in self.fields if name not in consent]
        at = order.index("preferred_channel") + 1
        order[at:at] = consent
        self.order_fields(order)

    def _clean_care_team(self, cleaned):
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

    def clean(self):
        cleaned = super().clean()
        self._clean_care_team(cleaned)
        on = cleaned.get("reminder_consent_on")
        channel = cleaned.get("reminder_consent_channel")
        method = cleaned.get("reminder_consent_method")
        preferred = cleaned.get("preferred_channel")
        if on is None:
            if "reminder_consent_on" not in self.errors and (channel or method):
                self.add_error(
                    "reminder_consent_on",
                    "Add the date the patient agreed to reminders, or clear the channel and "
                    "how it was given.",
                )
            cleaned["reminder_consent_at"] = None
            cleaned["reminder_consent_channel"] = ""
            cleaned["reminder_consent_method"] = ""
            return cleaned
        if on > timezone.localdate():
            self.add_error("reminder_consent_on", "Consent cannot be dated in the future.")
        if not channel:
            self.add_error("reminder_consent_channel", "Choose the channel they agreed to.")
        elif preferred and channel != preferred and preferred != ReminderChannel.PORTAL:
            self.add_error(
                "reminder_consent_channel",
                f"They agreed to {ReminderChannel(channel).label.lower()}, but reminders are "
                f"set to go by {ReminderChannel(preferred).label.lower()}. Change one so they "
                "match: reminders only go by a channel the patient agreed to.",
            )
        if not method:
            self.add_error("reminder_consent_method", "Say how the patient gave consent.")
        kept = self.instance.reminder_consent_at if self.instance.pk else None
        if kept is not None and timezone.localdate(kept) == on:
            cleaned["reminder_consent_at"] = kept  # unchanged: keep the exact time
        else:
            cleaned["reminder_consent_at"] = timezone.make_aware(datetime.combine(on, time(12, 0)))
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
        fields = [
            "modality", "intent", "started_on", "ended_on",
            "procedure", "side", "agent", "agent_other", "cycles", "dose_mg_m2",
            "radiation_site", "radiation_dose_gy", "planned_duration_months",
            "notes", "lasting_side_effects",
        ]  # fmt: skip
        field_classes = {"started_on": DateField, "ended_on": DateField}
        help_texts = {
            "procedure": "Surgery: what was done, e.g. lumpectomy.",
            "agent": "Chemotherapy, hormone, immuno- or targeted therapy. One agent per row.",
            "dose_mg_m2": "Chemotherapy: the cumulative dose of this agent over all cycles.",
            "radiation_site": "Radiation: where it was given.",
            "planned_duration_months": "Hormone therapy: how long it is planned for.",
        }
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "lasting_side_effects": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "notes": text_limits.ERROR_MESSAGES,
            "lasting_side_effects": text_limits.ERROR_MESSAGES,
        }

    def clean(self):
        data = super().clean()
        if data.get("modality") == Modality.RADIATION and not data.get("radiation_site"):
            self.add_error("radiation_site", "Say where the radiation was given (site or field).")
        return data


class PrimaryCareForm(forms.ModelForm):
    """The primary-care doctor who shares the follow-up, and the transfer-of-care date."""

    class Meta:
        model = Patient
        fields = [
            "pcp_name", "pcp_practice", "pcp_phone", "pcp_email", "pcp_secure_address",
            "care_transferred_on",
        ]  # fmt: skip
        field_classes = {"care_transferred_on": DateField}
        widgets = {"care_transferred_on": DateInput()}
        help_texts = {"pcp_email": "The shared-care letter is sent to this address only."}

    def clean(self):
        data = super().clean()
        has_contact = any(data.get(f) for f in ("pcp_practice", "pcp_phone", "pcp_email"))
        if has_contact and not data.get("pcp_name"):
            self.add_error("pcp_name", "Write the doctor's name with their contact details.")
        if data.get("care_transferred_on") and not data.get("pcp_name"):
            self.add_error(
                "care_transferred_on", "Name the primary-care doctor who takes over the care."
            )
        return data


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
    note = text_limits.text_field()
    override_status = forms.ChoiceField(
        label="Classification",
        choices=[
            ("", "Use the classification from the record (recommended)"),
            (DiseaseStatus.RECURRENCE.value, "Record as recurrence"),
            (DiseaseStatus.PROGRESSION.value, "Record as progression"),
        ],
        required=False,
    )
    override_note = text_limits.text_field(label="Reason for overriding")

    # Model validation errors arrive keyed by model field; show them on these fields.
    FIELD_FOR_MODEL_ERROR = {"status": "reported_status", "suggested_status": "override_status"}

    def add_model_errors(self, error) -> None:
        for field, messages in error.message_dict.items():
            target = self.FIELD_FOR_MODEL_ERROR.get(field, field)
            self.add_error(target if target in self.fields else None, messages)


class CaregiverGrantForm(forms.ModelForm):
    """What a patient fills in to let a caregiver help them through the portal."""

    class Meta:
        model = CaregiverGrant
        fields = (
            "name",
            "relationship",
            "email",
            "can_see_plan",
            "can_report",
            "can_see_reports",
            "can_get_reminders",
        )
        # The patient reads these in the portal, in their language (issue 21).
        labels = {
            "name": _("Their name"),
            "relationship": _("Relationship"),
            "email": _("Their email address"),
            "can_see_plan": _("See my care plan and visits"),
            "can_report": _("Tell my care team about symptoms for me"),
            "can_see_reports": _("See the symptom reports I sent"),
            "can_get_reminders": _("Get my visit and check-in reminders too, if I choose so"),
        }
        help_texts = {
            "relationship": _("For example: wife, son, friend."),
            "email": _("We send them an invitation to set up their own account."),
        }

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in services.GRANT_PERMISSIONS):
            raise forms.ValidationError(gettext("Choose at least one thing they may do."))
        return data


class NurseCaregiverGrantForm(CaregiverGrantForm):
    """A nurse grants access for the patient, and records the patient's consent."""

    consent_on = DateField(label="The patient agreed on", widget=DateInput())
    consent_method = forms.ChoiceField(
        label="How the patient agreed", choices=CaregiverGrant.ConsentMethod.choices
    )
    consent_note = forms.CharField(
        label="Note (optional)", required=False, max_length=500, widget=forms.TextInput()
    )

    class Meta(CaregiverGrantForm.Meta):
        # Staff pages stay English: plain strings, none of the patient form's translated ones.
        labels = {
            "name": "Caregiver's name",
            "relationship": "Relationship",
            "email": "Caregiver's email address",
            "can_see_plan": "See the care plan and visits",
            "can_report": "Report symptoms for the patient",
            "can_see_reports": "See past symptom reports",
            "can_get_reminders": "Get the patient's reminders, if the patient chooses so",
        }
        help_texts = {
            "relationship": "For example: wife, son, friend.",
            "email": "We send them an invitation to set up their own account.",
        }

    def clean_consent_on(self):
        value = self.cleaned_data["consent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("Consent cannot be dated in the future.")
        return value
