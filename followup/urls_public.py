"""URLs open without login, included at the site root: the private calendar feed."""

from django.urls import path

from followup.views import portal as views_portal

app_name = "calendar"
urlpatterns = [
    path("calendar/feed/<slug:token>.ics", views_portal.calendar_feed, name="feed"),
]
