"""Recurrence or progression? Decided from the diagnosis's own history.

Most doctors call a return of cancer a *recurrence* only after at least a year with no
sign of it; a return sooner is most likely *progression* of disease that never fully
went away (American Cancer Society; see shared/seeds/000). The nurse may override the
suggestion with a note; the reason is stored and shown either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from patients.choices import DiseaseStatus

RECURRENCE_AFTER_MONTHS = 12


@dataclass(frozen=True)
class Classification:
    status: DiseaseStatus
    reason: str
    ned_since: date | None
    months: int | None


def full_months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def classify_return(events: Iterable[tuple[date, str]], event_date: date) -> Classification:
    """Classify a return of disease on ``event_date`` from earlier ``(date, status)`` events.

    The no-evidence-of-disease period that counts is the latest unbroken one: it starts
    at the first NED event after the last event showing disease, and must reach the
    return date. Events on or after ``event_date`` are ignored.

    Only the dates count, never the order the events were entered in: a result typed in
    late slots into its place. On a day with both a clear result and one showing
    disease, the disease one counts last (it breaks the run), whatever the input order.
    """
    ned_since: date | None = None
    for day, status in sorted(events, key=lambda item: (item[0], item[1] != DiseaseStatus.NED)):
        if day >= event_date:
            break
        if status == DiseaseStatus.NED:
            ned_since = ned_since or day
        else:
            ned_since = None
    if ned_since is None:
        return Classification(
            DiseaseStatus.PROGRESSION,
            f"no period of no evidence of disease recorded before {event_date:%Y-%m-%d}: "
            "likely progression",
            None,
            None,
        )
    months = full_months_between(ned_since, event_date)
    unit = "month" if months == 1 else "months"
    if months >= RECURRENCE_AFTER_MONTHS:
        return Classification(
            DiseaseStatus.RECURRENCE,
            f"no evidence of disease since {ned_since:%Y-%m-%d}, {months} {unit}: recurrence",
            ned_since,
            months,
        )
    return Classification(
        DiseaseStatus.PROGRESSION,
        f"no evidence of disease since {ned_since:%Y-%m-%d}, {months} {unit}: likely progression",
        ned_since,
        months,
    )
