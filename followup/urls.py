"""Every page of the app but sign-in and admin, one pattern list per audience.

The nurse's workspace (``nurse:``), the patient portal (``portal:``), the administrators'
dashboard (``dashboard:``) and the public calendar feed (``calendar:``). The record's own
pages (patients, diagnoses, treatments, status events) are views of the ``patients``
app; everything that joins the record to follow-up lives here.
"""

from django.urls import include, path, re_path

from followup.views import calls, caregiver, dashboard, nurse, portal, recurrence
from followup.views import patients as caseload
from patients import views as records
from survivorship.audit import views as audit_views

nurse_patterns = [
    path("", caseload.nurse_home, name="home"),
    path("patients/new/", records.patient_create, name="patient_create"),
    path("patients/<int:pk>/", caseload.patient_detail, name="patient"),
    path("patients/<int:pk>/edit/", records.patient_edit, name="patient_edit"),
    path(
        "patients/<int:pk>/primary-care/",
        records.patient_primary_care,
        name="patient_primary_care",
    ),
    path("patients/<int:pk>/delete/", records.patient_delete, name="patient_delete"),
    path("patients/<int:pk>/invite/", records.patient_invite, name="patient_invite"),
    path("patients/<int:pk>/caregivers/", records.nurse_caregivers, name="caregivers"),
    path(
        "patients/<int:pk>/caregivers/<int:grant_pk>/end/",
        records.nurse_caregiver_revoke,
        name="caregiver_revoke",
    ),
    path("patients/<int:pk>/diagnoses/new/", records.diagnosis_create, name="diagnosis_create"),
    path("diagnoses/<int:pk>/edit/", records.diagnosis_edit, name="diagnosis_edit"),
    path("diagnoses/<int:pk>/delete/", records.diagnosis_delete, name="diagnosis_delete"),
    path("diagnoses/<int:pk>/treatments/new/", records.treatment_create, name="treatment_create"),
    path("diagnoses/<int:pk>/status/new/", records.status_event_create, name="status_create"),
    path("treatments/<int:pk>/edit/", records.treatment_edit, name="treatment_edit"),
    path("treatments/<int:pk>/delete/", records.treatment_delete, name="treatment_delete"),
    path("status/<int:pk>/edit/", records.status_event_edit, name="status_edit"),
    path("status/<int:pk>/delete/", records.status_event_delete, name="status_delete"),
    path("status/<int:pk>/discussed/", records.status_event_discussed, name="status_discussed"),
    # Care plans and their follow-up items
    path("patients/<int:pk>/plans/new/", nurse.plan_create, name="plan_create"),
    path("plans/<int:pk>/", nurse.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", nurse.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/status/", recurrence.plan_status, name="plan_status"),
    path("plans/<int:pk>/print/", nurse.plan_print, name="plan_print"),
    path("plans/<int:pk>/letter.pdf", nurse.plan_letter, name="plan_letter"),
    path("plans/<int:pk>/letter/send/", nurse.plan_letter_send, name="plan_letter_send"),
    path("plans/<int:pk>/items/new/", nurse.visit_add, name="visit_add"),
    path("items/<int:pk>/", nurse.visit_row, name="visit_row"),
    path("patients/<int:pk>/baselines/", nurse.baseline_set, name="baseline_set"),
    path("baselines/<int:pk>/end/", nurse.baseline_end, name="baseline_end"),
    path("reports/", nurse.reports_queue, name="reports"),
    path("call-list/", calls.call_list, name="call_list"),
    path("call-list/<int:pk>/", calls.call_log, name="call_log"),
    path("alerts/", nurse.alert_preferences, name="alert_preferences"),
    path("reports/<int:pk>/", nurse.report_detail, name="report"),
    path("reports/<int:pk>/acknowledge/", nurse.report_acknowledge, name="report_ack"),
    path("reports/<int:pk>/resolve/", nurse.report_resolve, name="report_resolve"),
    re_path(
        r"^items/(?P<pk>[0-9]+)/(?P<action>schedule|complete|cancel|missed|reopen)/$",
        nurse.visit_action,
        name="visit_action",
    ),
]

portal_patterns = [
    path("", portal.portal_home, name="home"),
    path("plan/", portal.plan, name="plan"),
    path("plan/<int:pk>/letter.pdf", portal.plan_letter, name="plan_letter"),
    path("calendar.ics", portal.calendar_download, name="calendar"),
    path("calendar/", portal.calendar_settings, name="calendar_settings"),
    path("preferences/", portal.preferences, name="preferences"),
    path("report/", portal.report_new, name="report"),
    path("checkin/<int:pk>/", portal.checkin_answer, name="checkin"),
    path("checkin/<int:pk>/nothing-new/", portal.checkin_nothing_new, name="checkin_nothing_new"),
    path("reports/<int:pk>/", portal.report_done, name="report_done"),
    path(
        "living-with-recurrence/",
        recurrence.living_with_recurrence,
        name="living_with_recurrence",
    ),
    path("access/", audit_views.my_record_access, name="access"),
    path("caregivers/", records.portal_caregivers, name="caregivers"),
    path("caregivers/<int:pk>/end/", records.portal_caregiver_revoke, name="caregiver_revoke"),
]

dashboard_patterns = [
    path("", dashboard.home, name="home"),
    path("overdue/", dashboard.overdue_list, name="overdue"),
    path("overdue.csv", dashboard.overdue_export, name="export"),
    path("quality/", dashboard.quality, name="quality"),
    path("items/<int:pk>/contacted/", dashboard.item_contacted, name="contacted"),
    path("items/<int:pk>/remind/", dashboard.item_remind, name="remind"),
    path("patients/<int:pk>/reassign/", dashboard.patient_reassign, name="reassign"),
    path("needs-a-person/", dashboard.needs_person, name="needs_person"),
    path("needs-a-person/<int:pk>/settle/", dashboard.needs_person_settle, name="settle"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("audit.csv", audit_views.audit_export, name="audit_export"),
]

caregiver_patterns = [
    path("", caregiver.home, name="home"),
    path("<int:pk>/", caregiver.patient, name="patient"),
    path("<int:pk>/report/", caregiver.report, name="report"),
    path("<int:pk>/reports/<int:report_pk>/", caregiver.report_done, name="report_done"),
]

public_patterns = [
    path("calendar/feed/<slug:token>.ics", portal.calendar_feed, name="feed"),
]

urlpatterns = [
    path("nurse/", include((nurse_patterns, "nurse"))),
    path("portal/", include((portal_patterns, "portal"))),
    path("dashboard/", include((dashboard_patterns, "dashboard"))),
    path("care/", include((caregiver_patterns, "caregiver"))),
    path("", include((public_patterns, "calendar"))),
]
