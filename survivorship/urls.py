from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from survivorship import views
from survivorship.forms import LoginForm
from survivorship.roles import public

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        public(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("nurse/", include("patients.urls_nurse")),
    path("portal/", include("patients.urls_portal")),
    path("dashboard/", include("followup.urls_dashboard")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Survivorship administration"
admin.site.site_title = "Survivorship"
