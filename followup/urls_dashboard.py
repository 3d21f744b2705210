from django.urls import path

from followup import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="home"),
]
