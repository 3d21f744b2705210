from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from followup.models import (
    CallOutcome,
    CarePlanTemplate,
    CheckInFrequency,
    ItemKind,
    NurseAlertPreference,
    Outcome,
    Resolution,
    Severity,
    Trend,
)
from followup.rules import guidelines
from followup.rules.sign_texts import sign_label
from followup.selectors.caseload import SCOPES, SORTS
from patients.choices import CancerType, DiseaseStatus
from patients.forms import DateField, DateInput, DateTimeField, NurseChoiceField, nurses
from survivorship import text_limits


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        review = " — needs clinical review" if obj.needs_clinical_review else ""
        return f"{obj.name} (version {obj.version}){review}"


def templates_for(diagnosis=None):
    """Active templates: the suggested one first, then the others for the cancer type."""
    templates = list(CarePlanTemplate.objects.filter(active=True).order_by("name"))
    if diagnosis is not None:
        suggested = guidelines.suggested_template(diagnosis.cancer_type, diagnosis.stage_group)
        templates.sort(
            key=lambda t: (
                t.code != suggested.code,
                diagnosis.cancer_type not in t.cancer_types,
                t.name,
            )
        )
    return templates


class PlanStartForm(forms.Form):
    """Step 1 of creating a plan: which diagnosis, which template, from when."""

    diagnosis = forms.ModelChoiceField(queryset=None, empty_label=None)
    template = TemplateChoiceField(queryset=CarePlanTemplate.objects.none(), empty_label=None)
    start_date = DateField(
        widget=DateInput(),
        help_text="Usually the end of the last curative treatment. A future date is fine.",
    )
    owner = NurseChoiceField(queryset=nurses(), required=False, label="Owner nurse")
    checkin_frequency = forms.ChoiceField(
        label="Symptom check-ins", choices=CheckInFrequency.choices, initial="default"
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        diagnoses = patient.diagnoses.order_by("-diagnosed_on")
        self.fields["diagnosis"].queryset = diagnoses
        self.fields["diagnosis"].label_from_instance = lambda d: (
            f"{d.cancer_name.capitalize()}, diagnosed {d.diagnosed_on:%Y-%m-%d}"
        )
        self.fields["owner"].queryset = nurses()
        chosen = self._chosen_diagnosis(diagnoses)
        ordered = templates_for(chosen)
        self.fields["template"].queryset = CarePlanTemplate.objects.filter(active=True)
        self.fields["template"].choices = [
            (t.pk, self.fields["template"].label_from_instance(t)) for t in ordered
        ]

    def _chosen_diagnosis(self, diagnoses):
        key = self.data.get(self.add_prefix("diagnosis")) or self.initial.get("diagnosis")
        key = getattr(key, "pk", key)
        for diagnosis in diagnoses:
            if str(diagnosis.pk) == str(key):
                return diagnosis
        return diagnoses[0] if diagnoses else None

    def clean(self):
        data = super().clean()
        diagnosis, start = data.get("diagnosis"), data.get("start_date")
        if diagnosis and start and start < diagnosis.diagnosed_on:
            self.add_error(
                "start_date",
                f"Follow-up cannot start before the diagnosis ({diagnosis.diagnosed_on:%Y-%m-%d}).",
            )
        return data


class PlanEditForm(forms.Form):
    template = TemplateChoiceField(queryset=CarePlanTemplate.objects.none(), empty_label=None)
    start_date = DateField(widget=DateInput())
    # Pausing, resuming and ending have their own page (nurse:plan_status): each says
    # what it does to reminders and to the nurse's review task.
    owner = NurseChoiceField(queryset=nurses(), required=False, label="Owner nurse")
    checkin_frequency = forms.ChoiceField(
        label="Symptom check-ins", choices=CheckInFrequency.choices
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = CarePlanTemplate.objects.filter(active=True) | (
            CarePlanTemplate.objects.filter(pk=plan.template_id)
        )
        self.fields["owner"].queryset = nurses()
        self.plan = plan

    def clean(self):
        data = super().clean()
        start = data.get("start_date")
        if start and start < self.plan.diagnosis.diagnosed_on:
            self.add_error(
                "start_date",
                "Follow-up cannot start before the diagnosis "
                f"({self.plan.diagnosis.diagnosed_on:%Y-%m-%d}).",
            )
        return data


class VisitAddForm(forms.Form):
    kind = forms.ChoiceField(choices=ItemKind.choices)
    label = forms.CharField(max_length=120, help_text="What it is, e.g. Chest CT or Clinic visit.")
    due_date = DateField(widget=DateInput())
    window_days = forms.IntegerField(
        min_value=0, max_value=180, initial=14, label="Due window (days either side)"
    )
    instructions = text_limits.text_field(
        limit=text_limits.LONG_TEXT, label="Instructions for the patient"
    )


class VisitScheduleForm(forms.Form):
    scheduled_at = DateTimeField(label="Appointment (date and time)", widget=DateTimeInput())
    location = forms.CharField(
        max_length=200,
        required=False,
        help_text="Shown to the patient and in their calendar: the place only, e.g. "
        "'Clinic B, room 2', never a diagnosis.",
    )

    def clean_scheduled_at(self):
        value = self.cleaned_data["scheduled_at"]
        if value < timezone.now() - timedelta(days=1):
            raise forms.ValidationError(
                "The appointment is in the past: record it as completed instead."
            )
        return value


class VisitCompleteForm(forms.Form):
    completed_on = DateField(label="Done on", widget=DateInput())
    outcome = forms.ChoiceField(choices=[("", "Choose…"), *Outcome.choices])
    note = text_limits.text_field()

    def clean_completed_on(self):
        value = self.cleaned_data["completed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date it was done cannot be in the future.")
        return value


class VisitNoteForm(forms.Form):
    note = text_limits.text_field()


class ReminderPreferenceForm(forms.Form):
    """What the patient chooses in the portal: how, when and which reminders."""

    preferred_channel = forms.ChoiceField(
        label="How should we remind you?",
        choices=[
            ("email", "By email"),
            ("sms", "By text message"),
            ("portal", "Don't send me messages: I'll check the portal"),
        ],
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label="I agree to receive reminders about my follow-up care",
        required=False,
        help_text="Messages never mention your diagnosis. You can change this at any time.",
    )
    quiet_start = forms.TimeField(
        label="No messages before", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label="No messages after", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    appointment_reminders = forms.BooleanField(label="Visit reminders", required=False)
    scan_reminders = forms.BooleanField(label="Scan reminders", required=False)
    lab_reminders = forms.BooleanField(label="Blood test reminders", required=False)
    checkin_prompts = forms.BooleanField(label="Check-in invitations", required=False)
    # Offered only to a patient with a caregiver whose access allows reminders (issue 21).
    recipients = forms.ChoiceField(
        label=_("Who should get your reminders?"),
        choices=[
            ("patient", _("Only me")),
            ("both", _("Me and my caregivers")),
            ("caregivers", _("Only my caregivers")),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Caregivers get the same short message by email, never more."),
    )

    def __init__(self, *args, patient, offer_caregivers: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        if not offer_caregivers:
            del self.fields["recipients"]

    def clean(self):
        data = super().clean()
        channel = data.get("preferred_channel")
        if channel == "email" and not self.patient.email:
            self.add_error(
                "preferred_channel",
                "We don't have an email address for you yet. Ask your nurse to add it, "
                "or choose another way.",
            )
        if channel == "sms" and not self.patient.mobile_phone:
            self.add_error(
                "preferred_channel",
                "We don't have a mobile number for you yet. Ask your nurse to add it, "
                "or choose another way.",
            )
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if start and end and (end.hour * 60 + end.minute - start.hour * 60 - start.minute < 120):
            self.add_error(
                "quiet_end", "Please leave at least two hours a day when we may contact you."
            )
        return data


MAX_DAYS = 3650
RATING_CHOICES = [("", _("Prefer not to say")), *((str(n), str(n)) for n in range(11))]
MAX_TEXT = text_limits.NOTE


def _no_control_characters(value: str, field_label: str) -> str:
    if "\x00" in value or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
        raise forms.ValidationError(
            gettext("%(field)s contains characters we cannot store. Please retype it.")
            % {"field": field_label}
        )
    return value


class SymptomReportForm(forms.Form):
    """The patient's report: ticked warning signs with how bad, how long, and the trend.

    Fields per sign are created from the patient's own list (general signs plus those
    of their plan), named sign_<code>, severity_<code>, days_<code>, since_<code> and
    trend_<code>. The wording is ours, plain and short.
    """

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    other_text = forms.CharField(
        label=_("Anything else you want us to know?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT}),
        max_length=MAX_TEXT,
        error_messages=text_limits.ERROR_MESSAGES,
        help_text=_("Any language is fine. Up to 2,000 characters."),
    )
    worry = forms.TypedChoiceField(
        label=_("How much have you worried about the cancer coming back this week?"),
        help_text=_("0 means not at all, 10 means all the time."),
        choices=RATING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
    )
    distress = forms.TypedChoiceField(
        label=_("Overall, how upset or under strain have you felt this week?"),
        help_text=_("0 means not at all, 10 means the most you can imagine."),
        choices=RATING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
    )

    self_harm = forms.TypedChoiceField(
        label=_("Have you had thoughts of hurting yourself, or that you would be better off dead?"),
        help_text=_(
            "There is no wrong answer. If yes, we will show you who to call straight away."
        ),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        required=False,
        empty_value=False,
    )

    def __init__(self, *args, signs, **kwargs):
        super().__init__(*args, **kwargs)
        self.signs = signs
        for sign in signs:
            # The patient reads the sign in their language; the report stores the English
            # label (sign.label) the nurse reads.
            label = sign_label(sign.label)
            # Each detail field names its sign, so a screen reader tells them apart.
            self.fields[f"sign_{sign.code}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"severity_{sign.code}"] = forms.ChoiceField(
                label=_("How bad is it?"),
                choices=[("", _("Choose…")), *Severity.choices],
                required=False,
                widget=forms.Select(
                    attrs={"aria-label": gettext("How bad is it: %(sign)s") % {"sign": label}}
                ),
            )
            self.fields[f"days_{sign.code}"] = forms.IntegerField(
                label=_("For how many days?"),
                min_value=0,
                max_value=MAX_DAYS,
                required=False,
                widget=forms.NumberInput(
                    attrs={"aria-label": gettext("For how many days: %(sign)s") % {"sign": label}}
                ),
            )
            self.fields[f"since_{sign.code}"] = DateField(
                label=_("Or since which date?"),
                required=False,
                widget=DateInput(
                    attrs={"aria-label": gettext("Or since which date: %(sign)s") % {"sign": label}}
                ),
            )
            self.fields[f"trend_{sign.code}"] = forms.ChoiceField(
                label=_("Compared with last time"),
                choices=[("", _("Choose…")), *Trend.choices],
                required=False,
                widget=forms.Select(
                    attrs={
                        "aria-label": gettext("Compared with last time: %(sign)s") % {"sign": label}
                    }
                ),
            )

    def sign_rows(self):
        """(sign, checkbox, severity, days, since, trend) bound fields, for the template."""
        for sign in self.signs:
            yield (
                sign,
                *(
                    self[f"{prefix}_{sign.code}"]
                    for prefix in ("sign", "severity", "days", "since", "trend")
                ),
            )

    def clean_other_text(self):
        return _no_control_characters(
            self.cleaned_data["other_text"], gettext("Your message")
        ).strip()

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        chosen = []
        for sign in self.signs:
            if not data.get(f"sign_{sign.code}"):
                continue
            severity = data.get(f"severity_{sign.code}")
            trend = data.get(f"trend_{sign.code}")
            days = data.get(f"days_{sign.code}")
            since = data.get(f"since_{sign.code}")
            if not severity:
                self.add_error(f"severity_{sign.code}", gettext("Please say how bad it is."))
            if not trend:
                self.add_error(
                    f"trend_{sign.code}", gettext("Please say if it is new, the same or worse.")
                )
            if since is not None:
                if since > today:
                    self.add_error(f"since_{sign.code}", gettext("This date is in the future."))
                elif (today - since).days > MAX_DAYS:
                    self.add_error(
                        f"since_{sign.code}", gettext("Please give a date in the last ten years.")
                    )
                elif days is None:
                    days = (today - since).days
            chosen.append(
                {"code": sign.code, "label": sign.label, "severity": severity, "trend": trend,
                 "days": days}
            )  # fmt: skip
        data["chosen_signs"] = chosen
        return data


class ReportResolveForm(forms.Form):
    action = forms.ChoiceField(
        label="What was done", choices=[("", "Choose…"), *Resolution.choices]
    )
    note = text_limits.text_field(rows=3)
    visit_kind = forms.ChoiceField(
        label="Visit type", choices=ItemKind.choices, required=False, initial="visit"
    )
    visit_label = forms.CharField(label="What is booked", max_length=120, required=False)
    visit_due = DateField(label="When", required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("action") == Resolution.BOOKED_VISIT:
            if not data.get("visit_label"):
                self.add_error("visit_label", "Say what was booked, e.g. Clinic visit or Chest CT.")
            if not data.get("visit_due"):
                self.add_error("visit_due", "Give the date of the visit.")
        if data.get("action") == Resolution.NO_ACTION and not data.get("note"):
            self.add_error("note", "Please note why no action is needed.")
        return data

    def visit(self) -> dict | None:
        if self.cleaned_data.get("action") != Resolution.BOOKED_VISIT:
            return None
        return {
            "kind": self.cleaned_data["visit_kind"] or "visit",
            "label": self.cleaned_data["visit_label"],
            "due_date": self.cleaned_data["visit_due"],
        }


class BaselineForm(forms.Form):
    """A nurse marks one of the patient's signs as known, at its usual severity."""

    sign = forms.ChoiceField(label="Sign")
    severity = forms.ChoiceField(label="Usual severity", choices=Severity.choices)
    note = forms.CharField(
        label="Note for the team",
        required=False,
        max_length=MAX_TEXT,
        error_messages=text_limits.ERROR_MESSAGES,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_TEXT}),
    )
    review_on = DateField(label="Review by (optional)", required=False, widget=DateInput())

    def __init__(self, *args, signs, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = {sign.code: sign.label for sign in signs}
        self.fields["sign"].choices = [("", "Choose a sign…"), *self.labels.items()]

    def clean_note(self):
        return _no_control_characters(self.cleaned_data["note"], "The note").strip()

    def clean_review_on(self):
        review_on = self.cleaned_data.get("review_on")
        if review_on is not None and review_on < timezone.localdate():
            raise forms.ValidationError("The review date is in the past.")
        return review_on


class AlertPreferenceForm(forms.ModelForm):
    """A nurse's own choice: urgent alerts by email, and also by SMS to this number."""

    class Meta:
        model = NurseAlertPreference
        fields = ["sms_phone"]


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


class CallLogForm(forms.Form):
    """One call to a patient on the call list; a reached patient's report goes with it."""

    outcome = forms.ChoiceField(
        label="What happened", choices=CallOutcome.choices, widget=forms.RadioSelect
    )
    pause_until = DateField(
        label="Pause check-ins until",
        required=False,
        widget=DateInput(),
        help_text="Only if the patient asks to pause: no check-ins are sent before this day.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )
    nothing_new = forms.BooleanField(
        label="Reached, and the patient has nothing new to report", required=False
    )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        pause = data.get("pause_until")
        if outcome == CallOutcome.PAUSE:
            if pause is None:
                self.add_error("pause_until", "Say until which day to pause check-ins.")
            elif pause <= timezone.localdate():
                self.add_error("pause_until", "The pause must end on a day still to come.")
        elif pause is not None:
            self.add_error("pause_until", "A pause date goes with “pause check-ins” only.")
        return data
