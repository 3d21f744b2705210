"""``/healthz``: database, broker and beat, plus each delivery channel an app registers.

A delivery app registers a function returning ``{channel: {"status", "last_error",
"since"}}`` with :func:`register_channel_states`; a failing channel makes the answer
"degraded" (reminders wait and retry), never a 503.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from survivorship.celery import app as celery_app
from survivorship.models import Heartbeat
from survivorship.web.access import public

_channel_sources: list[Callable[[], dict]] = []


def register_channel_states(source: Callable[[], dict]) -> None:
    if source not in _channel_sources:
        _channel_sources.append(source)


def _channel_states() -> dict:
    states: dict = {}
    for source in _channel_sources:
        states.update(source())
    return states


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    return None


def _check_beat() -> str | None:
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return "no heartbeat yet: is celery beat running?"
    age = timezone.now() - beat.last_run_at
    if age > settings.HEARTBEAT_MAX_AGE:
        return f"last heartbeat {int(age.total_seconds())} s ago"
    return None


@public
@never_cache
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    checks["beat"] = _check_beat() if checks["database"] is None else "unknown (no database)"
    failed = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "fail" if failed else "ok",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    # Delivery channels: a failing mail relay or SMS provider is "degraded", not down
    # (reminders wait and retry), so it does not turn the answer into a 503.
    channels = _channel_states() if checks["database"] is None else {}
    for channel, state in channels.items():
        body["checks"][channel] = state["status"]
        if state["status"] == "degraded":
            body[f"{channel}_last_error"] = state["last_error"]
            body[f"{channel}_degraded_since"] = state["since"]
            if not failed:
                body["status"] = "degraded"
    return JsonResponse(body, status=503 if failed else 200)
