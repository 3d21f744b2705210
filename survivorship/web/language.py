"""Which language a page speaks.

Nobody signed in: Django's LocaleMiddleware (the switch's cookie, else the browser).
Signed in, the language chosen with the switch in this session wins; otherwise a patient
reads their record's preferred language, a caregiver the language they last chose in this
browser (the cookie), English by default. Staff pages stay English. A language the portal
does not speak (fr, pt, zh... or any unknown code) falls back to English.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from survivorship import directory
from survivorship.roles import RECORD_LANGUAGE, Role, roles_of

# Set by the language switch: the user chose this language in this session.
SESSION_LANGUAGE = "survivorship_language"
_UNKNOWN = object()


def supported(code: str | None) -> str:
    """``code`` when the portal speaks it, else the default language (English)."""
    codes = {known for known, _ in settings.LANGUAGES}
    return code if code in codes else settings.LANGUAGE_CODE


def language_for(request) -> str | None:
    """The language of a signed-in user's pages (None: leave LocaleMiddleware's choice)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    roles = roles_of(user)
    if Role.PATIENT not in roles and Role.CAREGIVER not in roles:
        return settings.LANGUAGE_CODE
    chosen = request.session.get(SESSION_LANGUAGE)
    if chosen:
        return supported(chosen)
    if Role.PATIENT in roles:
        # Loaded with the user (survivorship.roles.annotate_roles): no query of its own,
        # and a change to the record applies on the patient's next page.
        recorded = getattr(user, RECORD_LANGUAGE, _UNKNOWN)
        if recorded is _UNKNOWN:
            recorded = directory.patients().preferred_language_of(user)
        return supported(recorded)
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))


class UserLanguageMiddleware:
    """Activate the signed-in user's language (after authentication and the session limits)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
