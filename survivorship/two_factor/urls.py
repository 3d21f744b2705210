from django.urls import path

from survivorship.two_factor import views

app_name = "two_factor"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("disable/", views.disable, name="disable"),
    path("confirm-password/", views.confirm_password, name="confirm_password"),
]
