"""A patient's upcoming follow-up items as an RFC 5545 calendar (.ics).

Used for the portal download and for the private subscription feed. A calendar ends up
on phones, in shared family calendars and on lock screens, so the events say only what
kind of appointment it is: never the diagnosis, the test's purpose, or the clinic's
notes. The details stay behind login in the portal. The words are in the patient's
language (issue 21): the download and the feed are rendered under it.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from icalendar import Calendar, Event, vDuration

from followup.models import FollowUpVisit, ItemKind, VisitStatus
from followup.selectors import portal as selectors

PRODID = "-//Survivorship//Follow-up visits//EN"
# Translated when the calendar is made, in the patient's language.
CALENDAR_NAME = gettext_noop("My follow-up visits")
DESCRIPTION = gettext_noop("Details are in your Survivorship portal.")
NOT_BOOKED = gettext_noop("%(summary)s due (not booked yet)")
APPOINTMENT_LENGTH = timedelta(hours=1)
# Subscribed calendars poll: twice a day is plenty for appointments booked days ahead.
REFRESH = timedelta(hours=12)
UID_DOMAIN = "survivorship"

# Deliberately generic: "Mammogram" or "CEA" would already hint at the diagnosis.
SUMMARIES = {
    ItemKind.VISIT: gettext_noop("Follow-up visit"),
    ItemKind.IMAGING: gettext_noop("Scan appointment"),
    ItemKind.LAB: gettext_noop("Blood test"),
    ItemKind.PROCEDURE: gettext_noop("Procedure"),
}


def visit_uid(visit: FollowUpVisit) -> str:
    """Stable per item, so re-importing or refreshing updates events instead of adding."""
    return f"visit-{visit.pk}@{UID_DOMAIN}"


def visit_event(visit: FollowUpVisit) -> Event:
    summary = gettext(SUMMARIES.get(visit.kind, SUMMARIES[ItemKind.VISIT]))
    event = Event()
    event.add("uid", visit_uid(visit))
    # Without a METHOD, DTSTAMP is when the information last changed (RFC 5545 3.8.7.2).
    event.add("dtstamp", visit.updated_at.astimezone(UTC))
    event.add("last-modified", visit.updated_at.astimezone(UTC))
    if visit.status == VisitStatus.SCHEDULED and visit.scheduled_at is not None:
        start = visit.scheduled_at.astimezone(UTC)
        event.add("summary", summary)
        event.add("dtstart", start)
        event.add("dtend", start + APPOINTMENT_LENGTH)
        if visit.location:
            event.add("location", visit.location)
        event.add("status", "CONFIRMED")
    else:
        # Not booked yet: an all-day marker on the due date that leaves the day free.
        event.add("summary", gettext(NOT_BOOKED) % {"summary": summary})
        event.add("dtstart", visit.due_date)
        event.add("dtend", visit.due_date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("status", "TENTATIVE")
    event.add("description", gettext(DESCRIPTION))
    return event


def visits_calendar(visits) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", gettext(CALENDAR_NAME))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for visit in visits:
        calendar.add_component(visit_event(visit))
    return calendar


def patient_calendar(*, patient, today: date | None = None) -> bytes:
    """The patient's upcoming open items (see ``selectors.upcoming_visits``) as .ics bytes."""
    visits = selectors.upcoming_visits(patient=patient, limit=None, today=today)
    with translation.override(patient.preferred_language or settings.LANGUAGE_CODE):
        return visits_calendar(visits).to_ical()
