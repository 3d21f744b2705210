from django.urls import path

from patients import views

app_name = "nurse"
urlpatterns = [
    path("", views.nurse_home, name="home"),
]
