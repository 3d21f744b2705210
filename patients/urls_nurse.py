from django.urls import path, re_path

from followup.views import nurse as followup_views
from patients import views

app_name = "nurse"
urlpatterns = [
    path("", views.nurse_home, name="home"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<int:pk>/", views.patient_detail, name="patient"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path(
        "patients/<int:pk>/primary-care/",
        views.patient_primary_care,
        name="patient_primary_care",
    ),
    path("patients/<int:pk>/delete/", views.patient_delete, name="patient_delete"),
    path("patients/<int:pk>/invite/", views.patient_invite, name="patient_invite"),
    path("patients/<int:pk>/diagnoses/new/", views.diagnosis_create, name="diagnosis_create"),
    path("diagnoses/<int:pk>/edit/", views.diagnosis_edit, name="diagnosis_edit"),
    path("diagnoses/<int:pk>/delete/", views.diagnosis_delete, name="diagnosis_delete"),
    path("diagnoses/<int:pk>/treatments/new/", views.treatment_create, name="treatment_create"),
    path("diagnoses/<int:pk>/status/new/", views.status_event_create, name="status_create"),
    path("treatments/<int:pk>/edit/", views.treatment_edit, name="treatment_edit"),
    path("treatments/<int:pk>/delete/", views.treatment_delete, name="treatment_delete"),
    path("status/<int:pk>/edit/", views.status_event_edit, name="status_edit"),
    path("status/<int:pk>/delete/", views.status_event_delete, name="status_delete"),
    # Care plans and their follow-up items
    path("patients/<int:pk>/plans/new/", followup_views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", followup_views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", followup_views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/print/", followup_views.plan_print, name="plan_print"),
    path("plans/<int:pk>/letter.pdf", followup_views.plan_letter, name="plan_letter"),
    path("plans/<int:pk>/items/new/", followup_views.visit_add, name="visit_add"),
    path("items/<int:pk>/", followup_views.visit_row, name="visit_row"),
    path("patients/<int:pk>/baselines/", followup_views.baseline_set, name="baseline_set"),
    path("baselines/<int:pk>/end/", followup_views.baseline_end, name="baseline_end"),
    path("reports/", followup_views.reports_queue, name="reports"),
    path("alerts/", followup_views.alert_preferences, name="alert_preferences"),
    path("reports/<int:pk>/", followup_views.report_detail, name="report"),
    path("reports/<int:pk>/acknowledge/", followup_views.report_acknowledge, name="report_ack"),
    path("reports/<int:pk>/resolve/", followup_views.report_resolve, name="report_resolve"),
    re_path(
        r"^items/(?P<pk>[0-9]+)/(?P<action>schedule|complete|cancel|missed|reopen)/$",
        followup_views.visit_action,
        name="visit_action",
    ),
]
