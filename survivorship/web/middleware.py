import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone
from django.utils.translation import gettext as _

SESSION_STARTED = "survivorship_session_started"
LAST_ACTIVITY = "survivorship_last_activity"
# Writing the session on every request would cost a database write per page; a minute's
# granularity is plenty for a 30-minute idle limit.
ACTIVITY_RESOLUTION_SECONDS = 60
# Requests a page makes by itself (polling, refreshes) must carry this header: they are
# checked against the limits like any request, but never count as the user's activity,
# so a page left open cannot keep a session alive.
BACKGROUND_HEADER = "X-Background-Request"


class SessionTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT idle or SESSION_ABSOLUTE_TIMEOUT.

    Enforced on the server from timestamps kept in the session, so neither an old cookie
    nor a page left open can keep a session alive past its limits.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            started = session.get(SESSION_STARTED, now)
            last = session.get(LAST_ACTIVITY, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - started > absolute:
                logout(request)
                messages.info(request, _("For your security, please sign in again."))
            elif now - last > idle:
                logout(request)
                messages.info(request, _("You were signed out after 30 minutes without activity."))
            else:
                session.setdefault(SESSION_STARTED, started)
                background = request.headers.get(BACKGROUND_HEADER) is not None
                if LAST_ACTIVITY not in session or (
                    not background and now - last >= ACTIVITY_RESOLUTION_SECONDS
                ):
                    session[LAST_ACTIVITY] = now
        return self.get_response(request)


class ClinicTimeZoneMiddleware:
    """Show and read appointment times in the clinic's time zone (stored in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.zone = zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)

    def __call__(self, request):
        timezone.activate(self.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NoStoreMiddleware:
    """Pages seen by a signed-in user carry patient data: never keep them in a cache.

    (Browsers would otherwise show them again from the back button after sign-out.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response
