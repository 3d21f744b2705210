from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from survivorship import views
from survivorship.forms import LoginForm
from survivorship.web import health
from survivorship.web.access import authenticated, public

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
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
    path(
        "accounts/password/",
        authenticated(
            auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        authenticated(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    # The one-time "choose your password" link of a portal invitation.
    path(
        "accounts/reset/<uidb64>/<token>/",
        public(
            auth_views.PasswordResetConfirmView.as_view(
                success_url=reverse_lazy("password_reset_complete")
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    # The language switch (English / Español) of every page.
    path("i18n/", include("patients.language_urls")),
    path("accounts/2fa/", include("survivorship.two_factor.urls")),
    # Nurse workspace, portal, dashboard and calendar feed: one URLconf per audience list.
    path("", include("followup.urls")),
    path("fhir/", include("patients.fhir.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Survivorship administration"
admin.site.site_title = "Survivorship"
