from django.urls import path

from followup.views import portal as views_portal
from patients import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("plan/", views_portal.plan, name="plan"),
    path("plan/<int:pk>/letter.pdf", views_portal.plan_letter, name="plan_letter"),
    path("calendar.ics", views_portal.calendar_download, name="calendar"),
    path("calendar/", views_portal.calendar_settings, name="calendar_settings"),
    path("preferences/", views_portal.preferences, name="preferences"),
    path("report/", views_portal.report_new, name="report"),
    path("checkin/<int:pk>/", views_portal.checkin_answer, name="checkin"),
    path("reports/<int:pk>/", views_portal.report_done, name="report_done"),
    path("access/", views_portal.access, name="access"),
]
