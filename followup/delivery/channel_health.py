"""Server and channel faults: never the patient's fault, told once per outage.

A fault (connect, TLS, auth, a 4xx, a 5xx at MAIL or DATA, a provider 5xx) marks the
channel degraded; the first fault of an outage alerts administrators once, and the
first success after it alerts them once more that it recovered. Each is a conditional
UPDATE, so many workers seeing the same outage still send one alert each way.
/healthz shows a degraded channel with its last error.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from followup.delivery.outbox import nurse_alert
from followup.models import ChannelHealth
from survivorship.roles import Role, users_with_role

logger = logging.getLogger(__name__)

CHANNEL_NAMES = {"email": "Email", "sms": "Text message (SMS)"}


def _alert_admins(*, dedupe_key: str, subject: str, text: str) -> None:
    admins = users_with_role(Role.ADMINISTRATOR)
    for admin in admins.exclude(email=""):
        nurse_alert(
            user=admin, dedupe_key=dedupe_key, subject=subject, text=text, url=settings.SITE_URL
        )


def channel_fault(*, channel: str, error: str, now: datetime | None = None) -> bool:
    """Record a server/channel fault; True if it started an outage (and alerted)."""
    now = now or timezone.now()
    ChannelHealth.objects.get_or_create(channel=channel)
    ChannelHealth.objects.filter(channel=channel).update(last_error=error[:500], last_error_at=now)
    started = ChannelHealth.objects.filter(channel=channel, degraded_since__isnull=True).update(
        degraded_since=now
    )
    if started:
        name = CHANNEL_NAMES.get(channel, channel)
        logger.warning("%s channel degraded: %s", channel, error)
        _alert_admins(
            dedupe_key=f"outage:{channel}:{now:%Y%m%dT%H%M%S}",
            subject=f"{name} reminders are not going out",
            text=(
                f"The {name.lower()} provider is failing ({error}). This is a server "
                "problem, not the patients' contact details. Reminders are kept and "
                "retried with growing pauses; you will get one more message when it "
                "works again."
            ),
        )
    return bool(started)


def channel_ok(*, channel: str, now: datetime | None = None) -> bool:
    """Record a success; True if it ended an outage (and alerted)."""
    now = now or timezone.now()
    since = (
        ChannelHealth.objects.filter(channel=channel, degraded_since__isnull=False)
        .values_list("degraded_since", flat=True)
        .first()
    )
    if since is None:
        return False
    ended = ChannelHealth.objects.filter(channel=channel, degraded_since=since).update(
        degraded_since=None, recovered_at=now
    )
    if ended:
        name = CHANNEL_NAMES.get(channel, channel)
        minutes = max(1, int((now - since).total_seconds() // 60))
        logger.warning("%s channel recovered after %d min", channel, minutes)
        _alert_admins(
            dedupe_key=f"recovered:{channel}:{since:%Y%m%dT%H%M%S}",
            subject=f"{name} reminders are going out again",
            text=(
                f"The {name.lower()} provider works again after about {minutes} minute(s). "
                "Reminders that waited are being sent now."
            ),
        )
    return bool(ended)


def channel_states() -> dict[str, dict]:
    """For /healthz: every channel ever seen, "ok" or "degraded" with the last error."""
    states = {}
    for row in ChannelHealth.objects.order_by("channel"):
        if row.degraded_since is None:
            states[row.channel] = {"status": "ok"}
        else:
            states[row.channel] = {
                "status": "degraded",
                "since": row.degraded_since.isoformat(),
                "last_error": row.last_error,
            }
    return states
