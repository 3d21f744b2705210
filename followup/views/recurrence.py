"""When the disease comes back (issue 19): the nurse's plan status page (pause, resume,
end, or replace it), and the portal's page on living with a recurrence.

The portal page opens only after a nurse has marked a recurrence or progression
"discussed with the patient": the patient hears that the cancer is back from a person,
never from the portal. Its text is in templates/followup/portal/living_with_recurrence.html.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from followup.forms import PlanStatusForm
from followup.models import PlanStatus
from followup.selectors import nurse as selectors
from followup.selectors import recurrence as recurrence_selectors
from followup.services import recurrence
from patients import selectors as patient_selectors
from survivorship.roles import Role
from survivorship.web.access import role_required

DONE = {
    "pause": "The plan is paused: routine reminders stopped and it left the overdue counts. "
    "Check-ins go on.",
    "resume": "The plan is running again: its reminders and overdue counts are back.",
    "end": "The plan has ended. It stays in the patient's history, read-only.",
    "replace": "A new survivorship plan was started; the old one is kept in history.",
}


@role_required(Role.NURSE)
def plan_status(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    booked = recurrence_selectors.booked_visits(plan) if plan.status == PlanStatus.ACTIVE else []
    form = PlanStatusForm(request.POST or None, booked=booked)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = data["action"]
        try:
            if action == "pause":
                recurrence.plan_pause(
                    plan=plan,
                    by=request.user,
                    reason=data["reason"].strip(),
                    cancel_visits=form.cancel_visits(),
                )
            elif action == "resume":
                recurrence.plan_resume(plan=plan, by=request.user)
            elif action == "end":
                recurrence.plan_end(plan=plan, by=request.user, reason=data["reason"])
            else:
                plan = recurrence.plan_replace(
                    plan=plan, by=request.user, start_date=data["start_date"]
                )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, DONE[action])
            return redirect("nurse:plan", pk=plan.pk)
    return render(
        request,
        "followup/nurse/plan_status.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "form": form,
            "error": error,
            "new_start": (
                recurrence_selectors.new_start_date(plan)
                if plan.status != PlanStatus.COMPLETED
                else None
            ),
        },
        status=400 if (error or form.errors) else 200,
    )


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
