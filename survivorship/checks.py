"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_mail_backend(app_configs, **kwargs):
    """Issue 14, finding 3: console/file mail puts patient details and live links in logs."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        return []
    return [
        Warning(
            "Email is written to the server log and var/mail/, not sent: every message, "
            "with the patient's name, address and live set-password links, is kept in "
            "plain text there.",
            hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS) "
            "and unset EMAIL_BACKEND_ALLOW_CONSOLE.",
            id="survivorship.W001",
        )
    ]
