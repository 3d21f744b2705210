"""Two-factor sign-in: TOTP (django-otp) for staff, optional for patients.

After the password, a user with a confirmed device must enter a code before anything
else; a nurse or administrator without one is sent to enrol first (unless a demo has
relaxed STAFF_2FA_REQUIRED, which production refuses).
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

from survivorship.roles import Role, roles_of

EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/healthz")


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def must_enrol(user) -> bool:
    return settings.STAFF_2FA_REQUIRED and bool(roles_of(user) & {Role.NURSE, Role.ADMINISTRATOR})


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
        ):
            target = None
            if has_device(user):
                target = "two_factor:verify"
            elif must_enrol(user):
                target = "two_factor:setup"
            if target is not None:
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
