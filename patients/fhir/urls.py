from django.urls import path

from patients.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("auth/token", views.token, name="token"),
    path("Patient", views.patient_search, name="patient_search"),
    path("Patient/<int:pk>", views.patient_read, name="patient"),
    path("Patient/<int:pk>/$everything", views.patient_everything, name="everything"),
    path("import/", views.import_upload, name="import"),
    path("download/Patient/<int:pk>", views.nurse_bundle, name="nurse_bundle"),
]
