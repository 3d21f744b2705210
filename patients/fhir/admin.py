from django.contrib import admin

from patients.models import FhirClient


@admin.register(FhirClient)
class FhirClientAdmin(admin.ModelAdmin):
    list_display = ("name", "application", "active", "created_at")
