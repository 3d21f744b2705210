from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from survivorship import audit
from survivorship.models import Heartbeat


def heartbeat_record(*, name: str) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_run_at": timezone.now()}
    )
    return beat


def user_deactivate(*, user, by=None) -> bool:
    """Stop an account signing in, keeping it and every access-log entry it made.

    Issue 14, finding 10: users are deactivated, never deleted (AccessLog.user is
    PROTECT). Django refuses an inactive user's session on its next request, and their
    sessions are deleted here too. Returns False if the account was already inactive.
    """
    if not user.is_active:
        return False
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(action="deactivate", object_type="user", object_id=str(user.pk))
        _end_sessions_of(user)
    return True


def _end_sessions_of(user) -> None:
    # Sessions store the user id as a string in their encoded data; a clinic has few
    # enough live sessions to decode them.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
