"""Django admin for administrators: patient records with search, filters and history,
and the CSV import page (upload, preview, confirm)."""

from __future__ import annotations

import hmac
import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from patients.importing import (
    COLUMNS,
    REQUIRED_COLUMNS,
    import_patients,
    max_import_bytes,
    megabytes,
    size_problem,
)
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment
from survivorship.admin_base import AdminReadLogMixin, LabelledDateTimeMixin
from survivorship.roles import Role, users_with_role


def _nurses():
    return users_with_role(Role.NURSE).order_by("username")


# Stacked, not tabular, inlines: a tabular row's inputs have only the column header, no
# label, so a screen reader hears "edit text" fourteen times (axe: label, select-name).
class CancerDiagnosisInline(admin.StackedInline):
    model = CancerDiagnosis
    fields = (
        "cancer_type",
        "diagnosed_on",
        "stage_group",
        "histology",
        "laterality",
        "second_primary",
    )
    extra = 0
    show_change_link = True


@admin.register(Patient)
class PatientAdmin(LabelledDateTimeMixin, AdminReadLogMixin, SimpleHistoryAdmin):
    patient_path = "pk"
    list_display = (
        "medical_record_number",
        "family_name",
        "given_name",
        "date_of_birth",
        "primary_nurse",
        "preferred_channel",
        "active",
    )
    list_display_links = ("medical_record_number", "family_name")
    search_fields = ("medical_record_number", "given_name", "family_name", "email")
    list_filter = (
        "active",
        "diagnoses__cancer_type",
        ("primary_nurse", admin.RelatedOnlyFieldListFilter),
        "sex",
        "preferred_channel",
        "preferred_language",
    )
    list_select_related = ("primary_nurse",)
    raw_id_fields = ("user",)
    # A plain labelled multiple select: filter_horizontal's widget puts aria-label on bare
    # spans (axe: aria-prohibited-attr).
    readonly_fields = ("created_at", "updated_at")
    inlines = (CancerDiagnosisInline,)
    fieldsets = (
        (None, {"fields": ("medical_record_number", "given_name", "family_name", "active")}),
        ("Details", {"fields": ("date_of_birth", "sex", "preferred_language", "time_zone")}),
        (
            "Reminders",
            {"fields": ("email", "mobile_phone", "preferred_channel", "reminder_consent_at")},
        ),
        ("Care team and portal", {"fields": ("primary_nurse", "care_team", "user")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "primary_nurse":
            kwargs["queryset"] = _nurses()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "care_team":
            kwargs["queryset"] = _nurses()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        patient = form.instance
        # As in patients.services: the primary nurse always stays on the care team.
        if patient.primary_nurse_id:
            patient.care_team.add(patient.primary_nurse_id)

    # --- CSV import ---------------------------------------------------------------------

    def get_urls(self):
        # Before the default URLs: "<object_id>/" would otherwise swallow "import/".
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="patients_patient_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.has_perm("patients.add_patient"):
            raise PermissionDenied
        pending = PendingImport(request)
        step = request.POST.get("step") if request.method == "POST" else None
        if step == "confirm":
            return self._import_confirm(request, pending)
        if step == "upload":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                return self._import_preview(request, pending, form)
        else:
            pending.discard()  # starting again: forget a file previewed earlier
            form = ImportUploadForm()
        return self._import_page(request, form=form)

    def _import_preview(self, request, pending, form):
        upload = form.cleaned_data["file"]
        data = upload.read()
        report = import_patients(data, dry_run=True)
        token = pending.keep(data) if report.ok else None
        return self._import_page(
            request, form=ImportUploadForm(), report=report, token=token, filename=upload.name
        )

    def _import_confirm(self, request, pending):
        data = pending.take(request.POST.get("token", ""))
        if data is None:
            messages.error(request, "That preview has expired: upload the file again.")
            return HttpResponseRedirect(reverse("admin:patients_patient_import"))
        report = import_patients(data, by=request.user)
        if not report.ok:
            return self._import_page(request, form=ImportUploadForm(), report=report)
        messages.success(
            request,
            f"Imported {report.rows} patients: {report.created} new, {report.updated} "
            f"updated, {report.unchanged} unchanged ({report.diagnoses_created} diagnoses "
            "added).",
        )
        return HttpResponseRedirect(reverse("admin:patients_patient_changelist"))

    def _import_page(self, request, *, form, report=None, token=None, filename=""):
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": "Import patients from CSV",
            "opts": opts,
            "form": form,
            "report": report,
            "token": token,
            "filename": filename,
            "max_size": megabytes(max_import_bytes()),
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
        }
        if report is not None:
            error_lines = {error.line for error in report.errors}
            context["preview_rows"] = [
                {
                    "line": row["line"],
                    "cells": [row.get(column, "") for column in report.columns],
                    "has_error": row["line"] in error_lines,
                }
                for row in report.preview
            ]
        return TemplateResponse(request, "admin/patients/patient/import.html", context)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = size_problem(upload.size)
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:])
        return upload


class PendingImport:
    """The uploaded file kept on the server between the preview and the confirmation.

    The bytes go to VAR_DIR/imports/<random token>.csv and the token to the session; the
    confirmation must send the same token back. The path is never taken from the client.
    """

    SESSION_KEY = "patients_import_token"
    TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
    MAX_AGE_SECONDS = 24 * 3600

    def __init__(self, request):
        self.session = request.session
        self.folder = Path(settings.VAR_DIR) / "imports"

    def _path(self, token: str) -> Path:
        return self.folder / f"{token}.csv"

    def keep(self, data: bytes) -> str:
        self.discard()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned()
        token = secrets.token_urlsafe(32)
        self._path(token).write_bytes(data)
        self.session[self.SESSION_KEY] = token
        return token

    def take(self, sent_token: str) -> bytes | None:
        """The kept bytes if ``sent_token`` is this session's, removing the file."""
        token = self.session.get(self.SESSION_KEY, "")
        if not (
            self.TOKEN.fullmatch(token) and hmac.compare_digest(token.encode(), sent_token.encode())
        ):
            return None
        path = self._path(token)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        self.discard()
        return data

    def discard(self) -> None:
        token = self.session.pop(self.SESSION_KEY, "")
        if self.TOKEN.fullmatch(token):
            self._path(token).unlink(missing_ok=True)

    def _remove_abandoned(self) -> None:
        # Previews nobody confirmed (a closed tab) must not keep patient data for long.
        cutoff = time.time() - self.MAX_AGE_SECONDS
        for old in self.folder.glob("*.csv"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except FileNotFoundError:
                pass


class TreatmentInline(admin.StackedInline):
    model = Treatment
    fields = ("modality", "intent", "started_on", "ended_on")
    extra = 0
    show_change_link = True


class DiseaseStatusEventInline(admin.StackedInline):
    model = DiseaseStatusEvent
    fields = ("event_date", "status", "recurrence_type", "site", "restage", "suggested_status")
    readonly_fields = ("suggested_status",)
    extra = 0
    show_change_link = True


@admin.register(CancerDiagnosis)
class CancerDiagnosisAdmin(AdminReadLogMixin, SimpleHistoryAdmin):
    list_display = ("patient", "cancer_type", "diagnosed_on", "stage_group", "second_primary")
    search_fields = (
        "patient__medical_record_number",
        "patient__given_name",
        "patient__family_name",
        "patient__email",
        "histology",
    )
    list_filter = ("cancer_type", "second_primary", "laterality", "stage_group")
    date_hierarchy = "diagnosed_on"
    list_select_related = ("patient",)
    # Raw ids, not select2: its combobox has no accessible name (axe: aria-input-field-name).
    raw_id_fields = ("patient",)
    inlines = (TreatmentInline, DiseaseStatusEventInline)


@admin.register(Treatment)
class TreatmentAdmin(AdminReadLogMixin, SimpleHistoryAdmin):
    patient_path = "diagnosis__patient_id"
    list_display = ("patient", "diagnosis", "modality", "intent", "started_on", "ended_on")
    search_fields = (
        "diagnosis__patient__medical_record_number",
        "diagnosis__patient__given_name",
        "diagnosis__patient__family_name",
        "diagnosis__patient__email",
    )
    list_filter = ("modality", "intent", "diagnosis__cancer_type")
    list_select_related = ("diagnosis__patient",)
    raw_id_fields = ("diagnosis",)

    @admin.display(ordering="diagnosis__patient__family_name")
    def patient(self, treatment):
        return treatment.diagnosis.patient


@admin.register(DiseaseStatusEvent)
class DiseaseStatusEventAdmin(AdminReadLogMixin, SimpleHistoryAdmin):
    patient_path = "diagnosis__patient_id"
    list_display = ("patient", "event_date", "status", "recurrence_type", "cancer_type", "site")
    search_fields = (
        "diagnosis__patient__medical_record_number",
        "diagnosis__patient__given_name",
        "diagnosis__patient__family_name",
        "diagnosis__patient__email",
        "site",
    )
    list_filter = ("status", "recurrence_type", "diagnosis__cancer_type", "suggested_status")
    date_hierarchy = "event_date"
    list_select_related = ("diagnosis__patient", "recorded_by")
    raw_id_fields = ("diagnosis", "recorded_by")
    # Set by patients.services.status_event_record when a nurse records a return of disease,
    # and by status_event_discussed_mark when a nurse on the care team says it was discussed.
    readonly_fields = ("suggested_status", "classification_reason", "discussed_at", "discussed_by")

    @admin.display(ordering="diagnosis__patient__family_name")
    def patient(self, event):
        return event.diagnosis.patient

    @admin.display(ordering="diagnosis__cancer_type")
    def cancer_type(self, event):
        return event.diagnosis.get_cancer_type_display()


from patients.fhir import admin as fhir_admin  # noqa: E402, F401  (registers FhirClient)
