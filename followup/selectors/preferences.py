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


# --- Caregivers who get the patient's reminders (issue 21) -------------------------------

# A caregiver gets the patient's reminders when their grant allows it ("get reminders")
# and the patient chose so (ReminderPreference.recipients).
REMINDER_PERMISSION = "can_get_reminders"


def reminder_grants(patient):
    """The patient's live caregiver grants that allow reminders, with their accounts."""
    return (
        patient.caregiver_grants.live()
        .filter(**{REMINDER_PERMISSION: True})
        .exclude(caregiver__email="")
        .select_related("caregiver")
        .order_by("pk")
    )


def grant_allows_reminders(grant) -> bool:
    """At send time: the grant is still in force and still allows reminders."""
    return grant is not None and grant.live and bool(getattr(grant, REMINDER_PERMISSION))
