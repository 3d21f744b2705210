from django.conf import settings

from survivorship import __version__
from survivorship.roles import roles_of


def app(request):
    return {
        "APP_VERSION": __version__,
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        "CRISIS_LINE": settings.CRISIS_LINE,
        "AFTER_HOURS_PHONE": settings.AFTER_HOURS_PHONE,
        "user_roles": roles_of(getattr(request, "user", None)),
    }
