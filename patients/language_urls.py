"""The language switch, at /i18n/setlang/ (the name Django's own view has)."""

from django.urls import path

from patients import views

urlpatterns = [
    path("setlang/", views.language_set, name="set_language"),
]
