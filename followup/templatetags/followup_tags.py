from django import template
from django.conf import settings
from django.utils import timezone

from followup.selectors import portal as selectors

register = template.Library()


@register.inclusion_tag("followup/_upcoming_visits.html")
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


@register.filter
def get_item(mapping, key):
    """``{{ labels|get_item:code }}``: a label from a dict, or the key itself."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


@register.filter
def review_due(report):
    """The review deadline of a review-level report (None for other levels)."""
    from followup.services.reports import review_due_at

    return review_due_at(report) if report.triage_level == "review" else None
