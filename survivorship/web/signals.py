"""Session clock: a sign-in starts the idle and absolute timers of SessionTimeoutMiddleware,
and the re-authentication window of two-factor changes."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from survivorship.web.middleware import LAST_ACTIVITY, SESSION_STARTED
from survivorship.web.reauth import mark_password_confirmed


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SESSION_STARTED] = now
        request.session[LAST_ACTIVITY] = now
        # The password was just typed: two-factor changes need no second prompt for a while.
        mark_password_confirmed(request)
