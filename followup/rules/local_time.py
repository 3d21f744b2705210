"""Local-time arithmetic for messages: a patient's waking hours, in their own time zone.

Pure: datetimes, zones and times in, datetimes out. Wall-clock times are built with
zoneinfo, so every answer is right on both sides of a daylight-saving change.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

DEFAULT_QUIET_START = time(8, 0)
DEFAULT_QUIET_END = time(20, 0)


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def within_local_day(moment: datetime, zone: zoneinfo.ZoneInfo, start: time, end: time) -> datetime:
    """Move ``moment`` into the allowed local hours of its own local date.

    Too early moves to ``start``, too late moves back to ``end`` (never closer to the
    event it announces). Wall-clock times are built with zoneinfo, so the result is
    right on both sides of a daylight-saving change.
    """
    local = moment.astimezone(zone)
    if local.time() < start:
        local = datetime.combine(local.date(), start, tzinfo=zone)
    elif local.time() > end:
        local = datetime.combine(local.date(), end, tzinfo=zone)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def next_allowed(moment: datetime, zone: zoneinfo.ZoneInfo, start: time, end: time) -> datetime:
    """The first moment at or after ``moment`` inside the patient's allowed hours."""
    local = moment.astimezone(zone)
    if local.time() < start:
        local = datetime.combine(local.date(), start, tzinfo=zone)
    elif local.time() > end:
        local = datetime.combine(local.date() + timedelta(days=1), start, tzinfo=zone)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def send_times(
    scheduled_at: datetime, zone, start: time, end: time, offsets_days
) -> dict[int, datetime]:
    """Send moment (UTC) for each configured offset in days before the appointment.

    "7 days before" means the same local wall-clock time seven calendar days earlier,
    which is not always 7 × 24 hours (daylight saving).
    """
    appointment = scheduled_at.astimezone(zone)
    times = {}
    for days in offsets_days:
        wall = appointment.replace(tzinfo=None) - timedelta(days=days)
        moment = datetime.combine(wall.date(), wall.time(), tzinfo=zone)
        times[days] = within_local_day(moment, zone, start, end)
    return times


def decide(
    times: dict[int, datetime], *, now: datetime, appointment: datetime, zone, start, end
) -> list[tuple[int, datetime, str]]:
    """(days before, send moment, skip reason or "") for each reminder of one booking.

    Booked so late that every reminder's moment has passed (e.g. for tomorrow): the one
    closest to the appointment goes out at the next allowed moment, the others are
    skipped. When a later reminder is still to come, the passed ones are simply skipped.
    None may fall at or after the appointment.
    """
    passed = [days for days, moment in times.items() if moment < now]
    catch_up = min(passed) if passed and len(passed) == len(times) else None
    decisions = []
    for days, send_at in times.items():
        reason = ""
        if days == catch_up:
            send_at = next_allowed(now, zone, start, end)
        elif send_at < now:
            reason = "the appointment was booked after this reminder's time"
        if not reason and send_at >= appointment:
            reason = "no waking hour is left before the appointment"
        decisions.append((days, send_at, reason))
    return decisions
