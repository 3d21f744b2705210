"""The forms of issue 19: what a plan does when the disease comes back, or a second
primary cancer is added; pause, resume, end or replace it."""

from django import forms
from django.utils import timezone

from followup.models import CheckInFrequency
from patients.forms import DateField, DateInput


class _KeepOrForm(forms.Form):
    """One "keep, or …" radio per object (a booked visit, another plan); not answered
    means kept."""

    def _add_keep_or(self, prefix, objects, *, label, other, help_text=""):
        for obj in objects:
            self.fields[f"{prefix}_{obj.pk}"] = forms.ChoiceField(
                label=label(obj),
                choices=[("keep", other[0]), (other[1], other[2])],
                initial="keep",
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
                help_text=help_text,
            )

    def _keep_or_fields(self, prefix, objects):
        return [self[f"{prefix}_{obj.pk}"] for obj in objects]

    def _chosen(self, prefix, objects, value):
        return [obj for obj in objects if self.cleaned_data.get(f"{prefix}_{obj.pk}") == value]


def _booked_label(visit) -> str:
    return f"{visit.label}, booked for {timezone.localtime(visit.scheduled_at):%Y-%m-%d %H:%M}"


class PlanAfterReturnForm(_KeepOrForm):
    """Asked while recording a return of disease: what the surveillance plan does next.

    Booked appointments are asked about one by one (``cancel_<pk>``: keep or cancel).
    Applies only when the event saved is a recurrence or progression.
    """

    # Included by the patients app's status event page (patients/extensions.py).
    template_name = "followup/nurse/_plan_after_return.html"

    ACTIONS = [
        ("pause", "Pause the surveillance plan (routine reminders stop; check-ins go on)"),
        ("keep", "Keep the plan running as it is"),
        ("end", "End the plan (it stays in the patient's history)"),
    ]

    # Not required: the page also records statuses that are not a return (then unused);
    # left out, the plan is paused (the default) and check-ins stay as they are.
    plan_action = forms.ChoiceField(
        label="If the disease has come back: the care plan",
        choices=ACTIONS,
        initial="pause",
        required=False,
        widget=forms.RadioSelect,
    )
    checkin_frequency = forms.ChoiceField(
        label="Symptom check-ins from now on", choices=CheckInFrequency.choices, required=False
    )

    def __init__(self, *args, plan, booked, **kwargs):
        super().__init__(*args, **kwargs)
        self.booked = booked
        self.fields["checkin_frequency"].initial = plan.checkin_frequency
        self._add_keep_or(
            "cancel",
            booked,
            label=_booked_label,
            other=("Keep", "cancel", "Cancel"),
            help_text="If the plan is paused.",
        )

    def booked_fields(self):
        return self._keep_or_fields("cancel", self.booked)

    def cancel_visits(self) -> list[int]:
        return [visit.pk for visit in self._chosen("cancel", self.booked, "cancel")]


class PlanStatusForm(_KeepOrForm):
    """Pause, resume, end, or replace a plan from its own page (nurse:plan_status)."""

    action = forms.ChoiceField(
        choices=[("pause", "Pause"), ("resume", "Resume"), ("end", "End"), ("replace", "New")]
    )
    reason = forms.CharField(
        label="Why",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )
    start_date = DateField(label="The new plan counts from", required=False, widget=DateInput())
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, booked=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.booked = list(booked)
        self._add_keep_or(
            "cancel", self.booked, label=_booked_label, other=("Keep", "cancel", "Cancel")
        )

    def booked_fields(self):
        return self._keep_or_fields("cancel", self.booked)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "pause" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the plan is paused: the care team will see it.")
        if action == "replace" and not data.get("start_date"):
            self.add_error("start_date", "Enter the date the new plan counts from.")
        if action == "end" and not data.get("confirm"):
            self.add_error(None, "Tick “I understand the plan cannot be resumed” to end it.")
        return data

    def cancel_visits(self) -> list[int]:
        return [visit.pk for visit in self._chosen("cancel", self.booked, "cancel")]


class OtherPlansForm(_KeepOrForm):
    """Asked while adding a diagnosis: if it is a second primary, what the patient's
    other active plans do. They carry on unless the nurse pauses them (issue 19)."""

    # Included by the patients app's diagnosis page (patients/extensions.py).
    template_name = "followup/nurse/_other_plans.html"

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = list(plans)
        self._add_keep_or(
            "plan", self.plans, label=str, other=("Keep it running", "pause", "Pause it")
        )

    def plan_fields(self):
        return self._keep_or_fields("plan", self.plans)

    def to_pause(self) -> list:
        return self._chosen("plan", self.plans, "pause")
