"""Django admin for administrators: care-plan templates (versioned), and read-mostly views
of plans, follow-up items and calendar feeds.

A template's rules are checked as a whole with ``scheduling.validate_rules`` before
anything is saved, and every saved change makes a new template version. Plans copied
their rules when they were built, so editing a template never changes an existing plan.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from followup.models import (
    CalendarFeed,
    CarePlan,
    CarePlanTemplate,
    DeliveryAttempt,
    FollowUpVisit,
    Reminder,
    ScheduleRule,
)
from followup.rules import scheduling
from survivorship.admin_base import AdminReadLogMixin, LabelledDateTimeMixin, ReadOnlyAdmin

# --- Templates -----------------------------------------------------------------------------

RULE_SPEC_FIELDS = (
    "key",
    "kind",
    "label",
    "interval_min_months",
    "interval_max_months",
    "from_month",
    "until_month",
    "window_days",
    "instructions",
    "modality",
    "lab_test",
    "procedure",
)


class ScheduleRuleForm(forms.ModelForm):
    class Meta:
        model = ScheduleRule
        fields = (*RULE_SPEC_FIELDS, "order")
        widgets = {"instructions": forms.Textarea(attrs={"rows": 2, "cols": 40})}


class ScheduleRuleFormSet(forms.BaseInlineFormSet):
    """Checks the template's rules as a set: overlaps, empty templates, bad windows."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each row shows its own errors first
        specs, problems = [], []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue  # an untouched extra row
            if self.can_delete and self._should_delete_form(form):
                continue
            data = {name: form.cleaned_data.get(name) for name in RULE_SPEC_FIELDS}
            for name in ("instructions", "modality", "lab_test", "procedure"):
                data[name] = data[name] or ""
            try:
                specs.append(scheduling.RuleSpec(**data))
            except (TypeError, ValueError) as error:
                problems.append(str(error))
        if not problems:
            problems = scheduling.validate_rules(specs)
        if problems:
            raise ValidationError(problems)


class ScheduleRuleInline(admin.StackedInline):  # labelled inputs; see patients/admin.py
    model = ScheduleRule
    form = ScheduleRuleForm
    formset = ScheduleRuleFormSet
    fields = (
        "order",
        "key",
        "kind",
        "label",
        "modality",
        "lab_test",
        "procedure",
        "interval_min_months",
        "interval_max_months",
        "from_month",
        "until_month",
        "window_days",
        "instructions",
    )
    extra = 0


@admin.register(CarePlanTemplate)
class CarePlanTemplateAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "code",
        "version",
        "needs_clinical_review",
        "active",
        "plan_count",
    )
    list_filter = ("active", "needs_clinical_review")
    search_fields = ("name", "code", "source", "notes")
    readonly_fields = ("version", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "code", "cancer_types", "active", "version")}),
        ("Guideline", {"fields": ("source", "needs_clinical_review", "notes")}),
        ("For patients", {"fields": ("warning_signs",)}),
        ("Record", {"fields": ("updated_at",)}),
    )
    inlines = (ScheduleRuleInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_plan_count=Count("plans"))

    @admin.display(description="plans", ordering="_plan_count")
    def plan_count(self, template):
        return template._plan_count

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if not change:
            obj.version = 1
            obj.save()
        # A change is saved once, in save_related, after its rules: one version per save.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            return
        template = form.instance
        if not (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            return  # "Save" with nothing edited is not a new version
        # The admin view runs in a transaction: the lock makes two administrators saving
        # at the same moment get consecutive versions instead of the same one.
        current = (
            CarePlanTemplate.objects.select_for_update()
            .values_list("version", flat=True)
            .get(pk=template.pk)
        )
        template.version = current + 1
        template.save()


# --- Plans, items and calendar feeds: read-mostly ----------------------------------------
#
# Plans and items change through followup.services.plans (which regenerates schedules and writes
# reminders in the same transaction), so the admin shows them and edits only what has no
# side effects.


@admin.register(CarePlan)
class CarePlanAdmin(LabelledDateTimeMixin, AdminReadLogMixin, SimpleHistoryAdmin):
    list_display = (
        "patient",
        "diagnosis",
        "template",
        "template_version",
        "status",
        "owner",
        "start_date",
    )
    list_filter = ("status", "template", "checkin_frequency")
    search_fields = (
        "patient__medical_record_number",
        "patient__given_name",
        "patient__family_name",
    )
    date_hierarchy = "start_date"
    list_select_related = ("patient", "diagnosis", "template", "owner")
    raw_id_fields = ("patient", "diagnosis", "owner")
    readonly_fields = (
        "patient",
        "diagnosis",
        "template",
        "template_version",
        "start_date",
        "rules_snapshot",
        "warning_signs_snapshot",
        "generated_through",
        "created_at",
        "updated_at",
    )
    fields = (
        "patient",
        "diagnosis",
        "template",
        "template_version",
        "start_date",
        "status",
        "owner",
        "checkin_frequency",
        "generated_through",
        "rules_snapshot",
        "warning_signs_snapshot",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False  # plans are built by nurses, through careplan_create


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(LabelledDateTimeMixin, AdminReadLogMixin, SimpleHistoryAdmin):
    list_display = (
        "label",
        "patient",
        "kind",
        "due_date",
        "window_end",
        "status",
        "scheduled_at",
        "completed_on",
        "outcome",
    )
    list_filter = ("status", "kind", "outcome")
    search_fields = (
        "patient__medical_record_number",
        "patient__given_name",
        "patient__family_name",
        "label",
    )
    date_hierarchy = "due_date"
    list_select_related = ("patient",)
    raw_id_fields = ("plan", "patient")
    readonly_fields = (
        "plan",
        "patient",
        "rule_key",
        "sequence",
        "kind",
        "label",
        "modality",
        "lab_test",
        "procedure",
        "instructions",
        "due_date",
        "window_start",
        "window_end",
        "status",
        "scheduled_at",
        "location",
        "completed_on",
        "outcome",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    # The token is a secret URL to the patient's schedule: never shown here. Deleting a
    # feed revokes it; the patient can make a new one from the portal.
    list_display = ("patient", "created_at")
    search_fields = (
        "patient__medical_record_number",
        "patient__given_name",
        "patient__family_name",
    )
    list_select_related = ("patient",)
    fields = ("patient", "created_at")
    readonly_fields = ("patient", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Reminders: the delivery log -------------------------------------------------------------


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "succeeded", "permanent", "provider_message_id", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(AdminReadLogMixin, ReadOnlyAdmin):
    """Read-only delivery log: what was sent, to whom, when, and what went wrong."""

    list_display = (
        "id",
        "kind",
        "channel",
        "patient",
        "recipient_user",
        "send_at",
        "status",
        "attempts",
        "sent_at",
        "skip_reason",
        "last_error",
    )
    list_filter = ("status", "kind", "channel", ("send_at", admin.DateFieldListFilter))
    search_fields = (
        "patient__family_name",
        "patient__given_name",
        "patient__medical_record_number",
        "recipient_user__username",
        "provider_message_id",
    )
    list_select_related = ("patient", "recipient_user")
    date_hierarchy = "send_at"
    inlines = [DeliveryAttemptInline]
    readonly_fields = [field.name for field in Reminder._meta.fields]
