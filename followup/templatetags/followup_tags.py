from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.translation import get_language

from followup.selectors import portal as selectors
from followup.services.reminders import zone_of
from followup.services.reports import review_due_at

register = template.Library()


@register.inclusion_tag("followup/portal/_upcoming_visits.html")
def upcoming_visits(patient, visits=None):
    """The patient's next visits card.

    Pass ``visits`` when the view already fetched them; without it the tag reads them
    itself (one query), so a page can show the card without changing its view.
    """
    if visits is None or visits == "":
        visits = selectors.upcoming_visits(patient=patient)
    return {
        "patient": patient,
        "visits": visits,
        "today": timezone.localdate(),
        "clinic_phone": settings.CLINIC_PHONE,
    }


@register.inclusion_tag("followup/_plan_document.html")
def plan_document(document):
    """Render one ``documents.plan_document`` dict, e.g. inside a loop over several plans."""
    return document


# The house English formats of the patient's documents, and the name of the Django locale
# format each becomes in another language ("j F Y" is "j \\d\\e F \\d\\e Y" in Spanish).
LOCALE_FORMATS = {
    "j F Y": "DATE_FORMAT",
    "F Y": "YEAR_MONTH_FORMAT",
    "j F Y, H:i": "DATETIME_FORMAT",
    "j M Y": "SHORT_DATE_FORMAT",
    "j M Y, H:i": "SHORT_DATETIME_FORMAT",
}


@register.filter
def locale_format(fmt: str) -> str:
    """``fmt`` in English (output unchanged); in another language its locale format."""
    language = get_language() or "en"
    if language.startswith("en") or fmt not in LOCALE_FORMATS:
        return fmt
    return get_format(LOCALE_FORMATS[fmt])


@register.filter
def local_date(value, fmt="j F Y"):
    """``{{ day|local_date:"j F Y" }}``: the date filter, in the active language's style."""
    if not value:
        return ""
    return date_format(value, locale_format(fmt))


@register.filter
def get_item(mapping, key):
    """``{{ labels|get_item:code }}``: a label from a dict, or the key itself."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


@register.filter
def accessible_name(bound_field) -> str:
    """The name a screen reader gives a field: its aria-label (which names the sign it
    belongs to) when it has one, else its label."""
    return bound_field.field.widget.attrs.get("aria-label") or str(bound_field.label)


@register.filter
def review_due(report):
    """The review deadline of a review-level report (None for other levels)."""

    return review_due_at(report) if report.triage_level == "review" else None


def zone_label(name: str) -> str:
    """'America/New_York' -> 'New York time': the name a person knows their zone by."""
    if name in ("UTC", "Etc/UTC", "GMT"):
        return "UTC"
    return name.rsplit("/", 1)[-1].replace("_", " ") + " time"


@register.simple_tag
def patient_time(moment, patient, fmt="j F Y, H:i", name_zone=True):
    """``moment`` on the patient's own clock, naming their zone when it is not the clinic's.

    The .ics carries the same instant in UTC, so the patient's calendar shows this time.
    """
    if not moment:
        return ""
    zone = zone_of(patient)
    text = date_format(moment.astimezone(zone), fmt)
    if name_zone and zone.key != settings.CLINIC_TIME_ZONE:
        text += f" ({zone_label(zone.key)})"
    return text
