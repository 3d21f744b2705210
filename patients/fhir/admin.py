from django.contrib import admin

from patients.fhir.models import FhirClient


@admin.register(FhirClient)
class FhirClientAdmin(admin.ModelAdmin):
    list_display = ("name", "application", "active", "created_at")
    filter_horizontal = ("care_teams",)
