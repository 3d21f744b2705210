"""The portal's page on living with a recurrence (issue 19).

It opens only after a nurse has marked a recurrence or progression "discussed with the
patient": the patient hears that the cancer is back from a person, never from the portal.
The text is in templates/followup/portal/living_with_recurrence.html.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from patients import selectors as patient_selectors
from survivorship.roles import Role
from survivorship.web.access import role_required


@role_required(Role.PATIENT)
@never_cache
@require_safe
def living_with_recurrence(request):
    patient = patient_selectors.own_patient(user=request.user)
    event = patient_selectors.discussed_return_of(patient=patient)
    if event is None:
        raise Http404("nothing to show")
    return render(
        request,
        "followup/portal/living_with_recurrence.html",
        {"patient": patient, "event": event},
    )
