"""The nurse's call list and the call log (issue 18). Thin: selectors read, services write."""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone

from followup.forms import CallLogForm, SymptomReportForm
from followup.models import CallOutcome
from followup.selectors import calls as selectors
from followup.services import calls as services
from followup.services import reports as reporting
from patients import selectors as patient_selectors
from survivorship import audit
from survivorship.roles import Role
from survivorship.web.access import role_required


@role_required(Role.NURSE)
def call_list(request):
    entries = selectors.call_list(user=request.user)
    audit.record_shown(object_type="call list", patient_ids=[e.patient.pk for e in entries])
    return render(request, "followup/nurse/call_list.html", {"entries": entries})


@role_required(Role.NURSE)
def call_log(request, pk):
    patient = patient_selectors.patient_get(user=request.user, pk=pk)
    if not selectors.on_care_team(request.user, patient):
        audit.record(action="create", patient_id=patient.pk, object_type="callattempt",
                     outcome="denied")  # fmt: skip
        return HttpResponseForbidden("Only a nurse on the patient's care team can log a call.")
    signs = reporting.sign_choices(patient)
    form = CallLogForm(request.POST or None)
    report_form = SymptomReportForm(
        request.POST or None,
        signs=signs,
        prefix="report",
        initial={"submission_key": secrets.token_hex(16)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = None
        ok = True
        if data["outcome"] == CallOutcome.REACHED:
            ok = report_form.is_valid()
            if ok:
                report = dict(report_form.cleaned_data, nothing_new=data["nothing_new"])
                if not (
                    report["chosen_signs"]
                    or report["nothing_new"]
                    or report["other_text"]
                    or report["worry"] is not None
                    or report["distress"] is not None
                ):
                    form.add_error(
                        "nothing_new",
                        "Enter what the patient told you below, or tick “nothing new”.",
                    )
                    ok = False
        if ok:
            try:
                attempt = services.call_attempt_log(
                    patient=patient,
                    by=request.user,
                    outcome=data["outcome"],
                    note=data["note"],
                    pause_until=data["pause_until"],
                    report=report,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                text = f"Call logged for {patient.full_name}: {attempt.get_outcome_display()}."
                if attempt.report_id:
                    text += " The report taken by phone is in the queue."
                messages.success(request, text)
                return redirect("nurse:call_list")
    return render(
        request,
        "followup/nurse/call_log.html",
        {
            "patient": patient,
            "form": form,
            "report_form": report_form,
            "calls": selectors.patient_calls(patient=patient),
            "today": timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )
