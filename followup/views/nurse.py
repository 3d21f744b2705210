from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from followup.documents import plan_document, plan_letter_missing, plan_letter_pdf
from followup.forms import (
    AlertPreferenceForm,
    BaselineForm,
    PlanEditForm,
    PlanStartForm,
    ReportResolveForm,
    VisitAddForm,
    VisitCompleteForm,
    VisitNoteForm,
    VisitScheduleForm,
)
from followup.models import KnownBaseline, NurseAlertPreference, Outcome
from followup.selectors import nurse as selectors
from followup.services import letters, reminders
from followup.services import plans as services
from followup.services import reports as reporting
from patients import selectors as patient_selectors
from survivorship import audit
from survivorship.roles import Role
from survivorship.web.access import role_required


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Creating a plan: choose, preview, confirm --------------------------------------------


@role_required(Role.NURSE)
def plan_create(request, pk):
    patient = patient_selectors.patient_get(user=request.user, pk=pk)
    if not patient.diagnoses.exists():
        messages.warning(request, "Add a diagnosis first: a care plan follows one diagnosis.")
        return redirect("nurse:diagnosis_create", pk=patient.pk)
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "template" in request.GET else None)
    )
    initial = _plan_initial(request, patient)
    form = PlanStartForm(data, patient=patient, initial=initial)
    preview = None
    if data is not None and form.is_valid():
        values = form.cleaned_data
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                plan = services.careplan_create(
                    diagnosis=values["diagnosis"],
                    template=values["template"],
                    start_date=values["start_date"],
                    owner=values["owner"] or request.user,
                    checkin_frequency=values["checkin_frequency"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"The care plan was created with {plan.visits.count()} follow-up items.",
                )
                return redirect("nurse:plan", pk=plan.pk)
        if not form.errors:
            preview = services.preview_schedule(
                rules=values["template"].rule_specs(), start_date=values["start_date"]
            )
    return render(
        request,
        "followup/nurse/plan_create.html",
        {
            "patient": patient,
            "form": form,
            "preview": preview,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


def _plan_initial(request, patient) -> dict:
    diagnoses = list(patient.diagnoses.prefetch_related("treatments").order_by("-diagnosed_on"))
    chosen = diagnoses[0]
    start = services.default_start_date(chosen) or chosen.diagnosed_on
    return {
        "diagnosis": chosen,
        "start_date": start,
        "owner": patient.primary_nurse or request.user,
        "checkin_frequency": "default",
    }


# --- The plan page -------------------------------------------------------------------------


@role_required(Role.NURSE)
def plan_detail(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    today = timezone.localdate()
    if _is_htmx(request) and request.GET.get("fragment") == "counts":
        return render(
            request,
            "followup/nurse/_plan_counts.html",
            {"plan": plan, "counts": selectors.plan_counts(plan=plan, today=today)},
        )
    return render(
        request,
        "followup/nurse/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "visits": selectors.plan_visits(plan=plan),
            "merged_items": selectors.plan_merged_items(plan=plan),
            "counts": selectors.plan_counts(plan=plan, today=today),
            "letters": selectors.plan_letters(plan=plan),
            "restage": selectors.plan_restage(plan=plan),
            "today": today,
        },
    )


@role_required(Role.NURSE)
def plan_edit(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    initial = {
        "template": plan.template,
        "start_date": plan.start_date,
        "owner": plan.owner,
        "checkin_frequency": plan.checkin_frequency,
    }
    form = PlanEditForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.careplan_update(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "The plan was saved. Planned items follow the new dates; scheduled, completed "
                "and hand-added items were kept.",
            )
            return redirect("nurse:plan", pk=plan.pk)
    return render(
        request,
        "followup/nurse/plan_form.html",
        {"form": form, "plan": plan, "patient": plan.patient, "title": "Edit care plan"},
        status=400 if form.errors else 200,
    )


@role_required(Role.NURSE)
def plan_print(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)

    context = plan_document(plan=plan, today=timezone.localdate())
    return render(request, "followup/nurse/plan_print.html", context)


def _pdf_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.NURSE)
def plan_letter(request, pk):
    """The shared-care letter as PDF, for the nurse to download."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    body = plan_letter_pdf(plan=plan, today=timezone.localdate())
    return _pdf_response(body, filename=f"shared-care-letter-{plan.pk}.pdf")


@role_required(Role.NURSE)
def plan_letter_send(request, pk):
    """Confirm the recipient, then send the letter through the outbox (tracked like any)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    patient = plan.patient
    error = ""
    if request.method == "POST":
        try:
            letter = letters.plan_letter_send(plan=plan, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                f"The letter is on its way to {letter.recipient_name} at "
                f"{letter.recipient_email}. Its delivery is shown below.",
            )
            return redirect("nurse:plan", pk=plan.pk)
    return render(
        request,
        "followup/nurse/plan_letter_send.html",
        {
            "plan": plan,
            "patient": patient,
            "missing": plan_letter_missing(patient=patient),
            "error": error,
            "letters": selectors.plan_letters(plan=plan),
        },
        status=400 if error else 200,
    )


@role_required(Role.NURSE)
def visit_add(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = VisitAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_add(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The item was added to the schedule.")
            return redirect("nurse:plan", pk=plan.pk)
    return render(
        request,
        "followup/nurse/plan_form.html",
        {"form": form, "plan": plan, "patient": plan.patient, "title": "Add a follow-up item"},
        status=400 if form.errors else 200,
    )


# --- Follow-up item actions (inline with htmx, full pages without) -------------------------

ACTIONS = {
    "schedule": (VisitScheduleForm, "Schedule", "Book the appointment"),
    "complete": (VisitCompleteForm, "Complete", "Record the result"),
    "cancel": (VisitNoteForm, "Cancel", "Cancel this item"),
    "missed": (VisitNoteForm, "Mark missed", "Mark as missed"),
    "reopen": (None, "Reopen", "Reopen this item"),
}


def _perform(action, visit, data):
    if action == "schedule":
        return services.visit_schedule(
            visit=visit, at=data["scheduled_at"], location=data["location"]
        )
    if action == "complete":
        return services.visit_complete(
            visit=visit,
            completed_on=data["completed_on"],
            outcome=data["outcome"],
            note=data["note"],
        )
    if action == "cancel":
        return services.visit_cancel(visit=visit, note=data["note"])
    if action == "missed":
        return services.visit_mark_missed(visit=visit, note=data["note"])
    return services.visit_reopen(visit=visit)


def _initial_for(action, visit) -> dict:
    today = timezone.localdate()
    if action == "schedule":
        return {"scheduled_at": visit.scheduled_at and timezone.localtime(visit.scheduled_at),
                "location": visit.location}  # fmt: skip
    if action == "complete":
        return {"completed_on": today}
    return {"note": visit.note}


def _row(request, visit, status=200):
    response = render(
        request,
        "followup/nurse/_visit_row.html",
        {"visit": visit, "today": timezone.localdate()},
        status=status,
    )
    # The plan's counts above the table refresh themselves on this event.
    response["HX-Trigger"] = "visit-changed"
    return response


@role_required(Role.NURSE)
def visit_row(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    if _is_htmx(request):
        return _row(request, visit)
    return redirect("nurse:plan", pk=visit.plan_id)


@role_required(Role.NURSE)
def visit_action(request, pk, action):
    visit = selectors.visit_get(user=request.user, pk=pk)
    form_class, verb, title = ACTIONS[action]
    form = None
    if form_class is not None:
        data = request.POST if request.method == "POST" else None
        form = form_class(data, initial=_initial_for(action, visit))
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            visit = _perform(action, visit, form.cleaned_data if form else {})
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect("nurse:plan", pk=visit.plan_id)
            form.add_error(None, error)
        else:
            if action == "complete" and visit.outcome == Outcome.RECURRENCE_SUSPECTED:
                return _offer_status_event(request, visit)
            if _is_htmx(request):
                return _row(request, visit)
            messages.success(request, f"{visit.label}: {visit.get_status_display().lower()}.")
            return redirect("nurse:plan", pk=visit.plan_id)
    context = {"visit": visit, "form": form, "action": action, "verb": verb, "title": title,
               "today": timezone.localdate()}  # fmt: skip
    if _is_htmx(request):
        # htmx swaps only 2xx answers: a form with errors comes back as 200.
        return render(request, "followup/nurse/_visit_row_form.html", context)
    status = 400 if form is not None and form.errors else 200
    context.update({"plan": visit.plan, "patient": visit.patient})
    return render(request, "followup/nurse/visit_action.html", context, status=status)


def _offer_status_event(request, visit):
    """A suspected recurrence: go straight to recording the disease status."""
    query = urlencode(
        {
            "event_date": visit.completed_on.isoformat(),
            "reported_status": "return",
            "note": f"Found at {visit.label}, {visit.completed_on:%Y-%m-%d}. {visit.note}".strip(),
        }
    )
    url = reverse("nurse:status_create", args=[visit.plan.diagnosis_id]) + "?" + query
    messages.warning(
        request,
        "Recurrence suspected: record the disease status now, so the record shows whether it "
        "is a recurrence or progression.",
    )
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- Triage queue --------------------------------------------------------------------------


@role_required(Role.NURSE)
def reports_queue(request):

    page = Paginator(selectors.triage_queue(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    missed = selectors.missed_checkins(user=request.user)
    audit.record_shown(
        object_type="report queue",
        patient_ids=[*(r.patient_id for r in page.object_list), *(p.pk for p in missed)],
    )
    return render(
        request,
        "followup/nurse/reports_queue.html",
        {
            "page": page,
            "missed": missed,
            "query": "",
            "now": timezone.now(),
        },
    )


@role_required(Role.NURSE)
def report_detail(request, pk):

    report = selectors.report_get(user=request.user, pk=pk)
    return render(
        request,
        "followup/nurse/report_detail.html",
        {"report": report, "patient": report.patient, "form": ReportResolveForm()},
    )


@role_required(Role.NURSE)
@require_POST
def report_acknowledge(request, pk):

    report = selectors.report_get(user=request.user, pk=pk)
    reporting.report_acknowledge(report=report, by=request.user)
    messages.success(request, "Acknowledged: the team can see you are on it.")
    return redirect("nurse:report", pk=report.pk)


@role_required(Role.NURSE)
@require_POST
def report_resolve(request, pk):

    report = selectors.report_get(user=request.user, pk=pk)
    form = ReportResolveForm(request.POST)
    if form.is_valid():
        try:
            reporting.report_resolve(
                report=report,
                by=request.user,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                visit=form.visit(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Resolved. It stays in the patient's history.")
            return redirect("nurse:reports")
    return render(
        request,
        "followup/nurse/report_detail.html",
        {"report": report, "patient": report.patient, "form": form},
        status=400,
    )


@role_required(Role.NURSE)
@require_POST
def baseline_set(request, pk):
    """Mark a sign as known for this patient (a nurse on the care team only)."""

    patient = patient_selectors.patient_get(user=request.user, pk=pk)
    form = BaselineForm(request.POST, signs=reporting.sign_choices(patient))
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
        messages.error(request, f"The baseline was not saved. {errors}")
        return redirect(reverse("nurse:patient", args=[patient.pk]) + "#baselines-heading")
    data = form.cleaned_data
    try:
        reporting.baseline_set(
            patient=patient,
            by=request.user,
            code=data["sign"],
            label=form.labels[data["sign"]],
            severity=data["severity"],
            note=data["note"],
            review_on=data["review_on"],
        )
    except PermissionError:
        messages.error(request, "Only a nurse on this patient's care team can set a baseline.")
    else:
        messages.success(
            request,
            f"{form.labels[data['sign']]} is marked as known. Reports of it at this level "
            "or better will not alert; worse will go to review.",
        )
    return redirect(reverse("nurse:patient", args=[patient.pk]) + "#baselines-heading")


@role_required(Role.NURSE)
@require_POST
def baseline_end(request, pk):

    # Another patient's baseline is a 404, like any object outside the nurse's scope.
    baseline = get_object_or_404(KnownBaseline.objects.for_user(request.user).active(), pk=pk)
    reporting.baseline_end(baseline=baseline, by=request.user)
    messages.success(request, f"{baseline.label} is no longer marked as known: it alerts again.")
    return redirect(reverse("nurse:patient", args=[baseline.patient_id]) + "#baselines-heading")


# --- The nurse's own alert preference -----------------------------------------------------


@role_required(Role.NURSE)
def alert_preferences(request):

    current = NurseAlertPreference.objects.filter(user=request.user).first()
    form = AlertPreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        reminders.alert_preference_set(user=request.user, sms_phone=form.cleaned_data["sms_phone"])
        messages.success(
            request,
            "Saved: urgent alerts come by email and SMS."
            if form.cleaned_data["sms_phone"]
            else "Saved: urgent alerts come by email only.",
        )
        return redirect("nurse:alert_preferences")
    return render(request, "followup/nurse/alert_preferences.html", {"form": form})
