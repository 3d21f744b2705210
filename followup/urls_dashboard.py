from django.urls import path

from followup.views import dashboard as views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("overdue.csv", views.overdue_export, name="export"),
    path("quality/", views.quality, name="quality"),
    path("items/<int:pk>/contacted/", views.item_contacted, name="contacted"),
    path("items/<int:pk>/remind/", views.item_remind, name="remind"),
    path("patients/<int:pk>/reassign/", views.patient_reassign, name="reassign"),
    path("needs-a-person/", views.needs_person, name="needs_person"),
    path("needs-a-person/<int:pk>/settle/", views.needs_person_settle, name="settle"),
    path("audit/", views.audit_log, name="audit"),
    path("audit.csv", views.audit_export, name="audit_export"),
]
