"""Clinic opening hours: is the clinic open now, and when is a review due.

Pure functions over the settings' strings (CLINIC_HOURS "08:00-17:00", CLINIC_DAYS
"mon-fri" or "mon,tue,thu", CLINIC_HOLIDAYS ISO dates); no ORM.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri' or 'mon,wed,fri' → weekday numbers (Monday 0); ValueError if unknown."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            start, end = DAYS.index(first), DAYS.index(last)
            days.update(
                range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            )
        elif part:
            days.add(DAYS.index(part))
    return frozenset(days)


def parse_hours(text: str) -> tuple[time, time]:
    opens, closes = text.split("-", 1)
    return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())


def is_working_day(day: date, days: frozenset[int], holidays: frozenset[date]) -> bool:
    return day.weekday() in days and day not in holidays


def is_open(moment: datetime, *, hours: str, days: str, holidays: list[str], zone: str) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    opens, closes = parse_hours(hours)
    off = frozenset(date.fromisoformat(d) for d in holidays)
    return is_working_day(local.date(), parse_days(days), off) and opens <= local.time() < closes


def review_due(
    moment: datetime, *, working_days: int, hours: str, days: str, holidays: list[str], zone: str
) -> datetime:
    """Closing time of the ``working_days``-th working day after the report arrived."""
    tz = zoneinfo.ZoneInfo(zone)
    local = moment.astimezone(tz)
    _, closes = parse_hours(hours)
    open_days = parse_days(days)
    off = frozenset(date.fromisoformat(d) for d in holidays)
    if not open_days:
        return moment + timedelta(days=working_days)
    day, counted = local.date(), 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, open_days, off):
            counted += 1
    return datetime.combine(day, closes, tzinfo=tz)
