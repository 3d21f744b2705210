"""A patient's own message settings, read: their time zone and their waking hours."""

from __future__ import annotations

import zoneinfo
from datetime import time

from followup.models import ReminderPreference
from followup.rules.local_time import DEFAULT_QUIET_END, DEFAULT_QUIET_START, zone_named


def zone_of(patient) -> zoneinfo.ZoneInfo:
    return zone_named(patient.time_zone)


def preference_of(patient) -> ReminderPreference | None:
    """The patient's reminder preference (one query, or none when select_related)."""
    try:
        return patient.reminder_preference
    except ReminderPreference.DoesNotExist:
        return None


def quiet_hours(patient) -> tuple[time, time]:
    preference = preference_of(patient)
    if preference is None:
        return DEFAULT_QUIET_START, DEFAULT_QUIET_END
    return preference.quiet_start, preference.quiet_end
