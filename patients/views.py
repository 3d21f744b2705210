from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patients import extensions, selectors, services
from patients.choices import RETURN_OF_DISEASE
from patients.forms import (
    CaregiverGrantForm,
    DiagnosisForm,
    NurseCaregiverGrantForm,
    PatientForm,
    PrimaryCareForm,
    StatusEventForm,
    TreatmentForm,
)
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Treatment
from survivorship.roles import Role, has_role
from survivorship.web.access import public, role_required
from survivorship.web.language import SESSION_LANGUAGE, supported


def _form_page(request, *, form, title, patient, cancel_url, **extra):
    context = {"form": form, "title": title, "patient": patient, "cancel_url": cancel_url}
    context.update(extra)
    step_form = extra.get("step_form")
    failed = form.errors or (step_form is not None and step_form.errors)
    return render(request, "patients/form.html", context, status=400 if failed else 200)


def _step_after(step, step_form, user, notes: list[str]):
    """The registered step's action after the save, in its transaction; its sentence for
    the nurse goes to ``notes``. None when the page asked nothing."""
    if step_form is None:
        return None
    return lambda saved: notes.append(step.apply(form=step_form, record=saved, by=user))


def _saved(request, patient, text):
    messages.success(request, text)
    return redirect("nurse:patient", pk=patient.pk)


@role_required(Role.NURSE)
def patient_create(request):
    form = PatientForm(request.POST or None, initial={"primary_nurse": request.user})
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(
            data=form.cleaned_data, care_team=[*form.cleaned_data["care_team"], request.user]
        )
        return _saved(request, patient, f"{patient.full_name} was added.")
    return _form_page(
        request, form=form, title="New patient", patient=None, cancel_url=reverse("nurse:home")
    )


@role_required(Role.NURSE)
def patient_edit(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    form = PatientForm(request.POST or None, instance=patient, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.patient_update(
            patient=patient,
            data=form.cleaned_data,
            care_team=form.cleaned_data["care_team"],
            by=request.user,
        )
        return _saved(request, patient, "The patient's details were saved.")
    return _form_page(
        request,
        form=form,
        title=f"Edit {patient.full_name}",
        patient=patient,
        cancel_url=reverse("nurse:patient", args=[patient.pk]),
    )


@role_required(Role.NURSE)
def patient_primary_care(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    form = PrimaryCareForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        services.patient_primary_care_update(patient=patient, data=form.cleaned_data)
        return _saved(request, patient, "The primary-care doctor was saved.")
    return _form_page(
        request,
        form=form,
        title=f"Primary-care doctor of {patient.full_name}",
        patient=patient,
        cancel_url=reverse("nurse:patient", args=[patient.pk]),
    )


def _confirm_delete(request, *, obj, patient, description, delete, done_url):
    if request.method == "POST":
        delete()
        messages.success(request, f"{description} was deleted. It is kept in the record's history.")
        return redirect(done_url)
    return render(
        request,
        "patients/confirm_delete.html",
        {"object": obj, "patient": patient, "description": description},
    )


@role_required(Role.NURSE)
def patient_delete(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    return _confirm_delete(
        request,
        obj=patient,
        patient=patient,
        description=f"The record of {patient.full_name} ({patient.medical_record_number})",
        delete=lambda: services.patient_delete(patient=patient),
        done_url=reverse("nurse:home"),
    )


@role_required(Role.NURSE)
def diagnosis_create(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    diagnosis = CancerDiagnosis(patient=patient)
    form = DiagnosisForm(request.POST or None, instance=diagnosis)
    # A second primary: what happens to the other plans (registered by followup).
    step = extensions.step(extensions.DIAGNOSIS)
    step_form = step.form(record=diagnosis, data=request.POST or None) if step else None
    step_valid = step_form is None or step_form.is_valid()
    if request.method == "POST" and form.is_valid() and step_valid:
        notes: list[str] = []
        services.diagnosis_save(
            diagnosis=form.instance,
            then=_step_after(step, step_form, request.user, notes),
        )
        return _saved(
            request, patient, " ".join(["The diagnosis was added.", *filter(None, notes)])
        )
    return _form_page(
        request,
        form=form,
        title="Add a diagnosis",
        patient=patient,
        cancel_url=reverse("nurse:patient", args=[patient.pk]),
        step_form=step_form,
    )


@role_required(Role.NURSE)
def diagnosis_edit(request, pk):
    diagnosis = selectors.diagnosis_get(user=request.user, pk=pk)
    patient = diagnosis.patient
    form = DiagnosisForm(request.POST or None, instance=diagnosis)
    if request.method == "POST" and form.is_valid():
        services.diagnosis_save(diagnosis=form.instance)
        return _saved(request, patient, "The diagnosis was saved.")
    return _form_page(
        request,
        form=form,
        title="Edit diagnosis",
        patient=patient,
        cancel_url=reverse("nurse:patient", args=[patient.pk]),
    )


@role_required(Role.NURSE)
def diagnosis_delete(request, pk):
    diagnosis = selectors.diagnosis_get(user=request.user, pk=pk)
    return _confirm_delete(
        request,
        obj=diagnosis,
        patient=diagnosis.patient,
        description=f"The diagnosis of {diagnosis.cancer_name} ({diagnosis.diagnosed_on:%Y-%m-%d})"
        " with its treatments and status events",
        delete=lambda: services.record_delete(record=diagnosis),
        done_url=reverse("nurse:patient", args=[diagnosis.patient_id]),
    )


@role_required(Role.NURSE)
def treatment_create(request, pk):
    diagnosis = selectors.diagnosis_get(user=request.user, pk=pk)
    form = TreatmentForm(request.POST or None, instance=Treatment(diagnosis=diagnosis))
    if request.method == "POST" and form.is_valid():
        services.treatment_save(treatment=form.instance)
        return _saved(request, diagnosis.patient, "The treatment was added.")
    return _form_page(
        request,
        form=form,
        title=f"Add a treatment for {diagnosis.cancer_name}",
        patient=diagnosis.patient,
        cancel_url=reverse("nurse:patient", args=[diagnosis.patient_id]),
    )


@role_required(Role.NURSE)
def treatment_edit(request, pk):
    treatment = selectors.treatment_get(user=request.user, pk=pk)
    patient = treatment.diagnosis.patient
    form = TreatmentForm(request.POST or None, instance=treatment)
    if request.method == "POST" and form.is_valid():
        services.treatment_save(treatment=form.instance)
        return _saved(request, patient, "The treatment was saved.")
    return _form_page(
        request,
        form=form,
        title="Edit treatment",
        patient=patient,
        cancel_url=reverse("nurse:patient", args=[patient.pk]),
    )


@role_required(Role.NURSE)
def treatment_delete(request, pk):
    treatment = selectors.treatment_get(user=request.user, pk=pk)
    patient = treatment.diagnosis.patient
    return _confirm_delete(
        request,
        obj=treatment,
        patient=patient,
        description=f"The treatment '{treatment}'",
        delete=lambda: services.record_delete(record=treatment),
        done_url=reverse("nurse:patient", args=[patient.pk]),
    )


def _status_event_page(request, *, diagnosis, event):
    initial = {}
    if event.pk:
        initial = {
            "event_date": event.event_date,
            "reported_status": services.RETURN if event.suggested_status else event.status,
            "recurrence_type": event.recurrence_type,
            "site": event.site,
            "restage": event.restage,
            "note": event.note,
            "override_status": event.status if event.overridden else "",
            "override_note": event.override_note,
        }
    elif request.method == "GET":
        # Prefilled when offered after a follow-up found a suspected recurrence.
        initial = {
            key: request.GET[key]
            for key in ("event_date", "reported_status", "note")
            if key in request.GET
        }
    form = StatusEventForm(request.POST or None, initial=initial)
    # What happens to the care plan, asked in the same step (registered by followup).
    step = extensions.step(extensions.STATUS_EVENT)
    step_form = step.form(record=event, data=request.POST or None) if step else None
    notes: list[str] = []
    step_valid = step_form is None or step_form.is_valid()
    if request.method == "POST" and form.is_valid() and step_valid:
        data = form.cleaned_data
        event.event_date = data["event_date"]
        event.recurrence_type = data["recurrence_type"]
        event.site = data["site"]
        event.restage = data["restage"]
        event.note = data["note"]
        try:
            saved = services.status_event_record(
                event=event,
                reported_status=data["reported_status"],
                override_status=data["override_status"],
                override_note=data["override_note"],
                by=request.user,
                then=_step_after(step, step_form, request.user, notes),
            )
        except ValidationError as error:
            form.add_model_errors(error)
        else:
            text = f"Recorded: {saved.title}."
            if saved.classification_reason:
                text += f" Classification: {saved.classification_reason}."
            text = " ".join([text, *filter(None, notes)])
            return _saved(request, diagnosis.patient, text)
    return _form_page(
        request,
        form=form,
        title=f"{'Edit' if event.pk else 'Record'} disease status: {diagnosis.cancer_name}",
        patient=diagnosis.patient,
        cancel_url=reverse("nurse:patient", args=[diagnosis.patient_id]),
        diagnosis=diagnosis,
        step_form=step_form,
        status_history=diagnosis.status_events.exclude(pk=event.pk).order_by("-event_date"),
    )


@role_required(Role.NURSE)
def status_event_create(request, pk):
    diagnosis = selectors.diagnosis_get(user=request.user, pk=pk)
    return _status_event_page(
        request, diagnosis=diagnosis, event=DiseaseStatusEvent(diagnosis=diagnosis)
    )


@role_required(Role.NURSE)
def status_event_edit(request, pk):
    event = selectors.status_event_get(user=request.user, pk=pk)
    return _status_event_page(request, diagnosis=event.diagnosis, event=event)


@role_required(Role.NURSE)
def status_event_delete(request, pk):
    event = selectors.status_event_get(user=request.user, pk=pk)
    patient = event.diagnosis.patient
    return _confirm_delete(
        request,
        obj=event,
        patient=patient,
        description=f"The status event '{event}'",
        delete=lambda: services.record_delete(record=event),
        done_url=reverse("nurse:patient", args=[patient.pk]),
    )


@role_required(Role.NURSE)
@require_http_methods(["GET", "HEAD", "POST"])
def status_event_discussed(request, pk):
    """Issue 19: the nurse says a return of disease was talked through with the patient.

    A GET only asks (with a checkbox to confirm); the POST marks it, and from then on the
    portal shows it. Only a recurrence or progression has this page.
    """
    event = selectors.status_event_get(user=request.user, pk=pk)
    if event.status not in RETURN_OF_DISEASE:
        raise Http404("nothing to discuss")
    patient = event.diagnosis.patient
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = "Tick the box to confirm you have talked this through with the patient."
        else:
            try:
                services.status_event_discussed_mark(event=event, by=request.user)
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                messages.success(
                    request,
                    f"Marked discussed with the patient: {event.title}. "
                    f"{patient.given_name} can now see it in the portal, with a page on "
                    "living with a recurrence.",
                )
                return redirect("nurse:patient", pk=patient.pk)
    return render(
        request,
        "patients/status_discussed.html",
        {"event": event, "patient": patient, "error": error},
        status=400 if error else 200,
    )


@role_required(Role.NURSE)
@require_POST
def patient_invite(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    invitation = services.patient_invite(patient=patient, base_url=request.build_absolute_uri("/"))
    return render(
        request,
        "patients/invitation.html",
        {"patient": patient, "invitation": invitation},
    )


# --- Caregivers: the patient's grants, given in the portal or by a nurse ---------------------


def _grant_from_form(request, *, form, patient) -> bool:
    data = form.cleaned_data
    try:
        services.caregiver_grant_create(
            patient=patient,
            name=data["name"],
            email=data["email"],
            relationship=data.get("relationship", ""),
            permissions={name: data.get(name) for name in services.GRANT_PERMISSIONS},
            consent_on=data.get("consent_on"),
            consent_method=data.get("consent_method", ""),
            consent_note=data.get("consent_note", ""),
            by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return False
    return True


@role_required(Role.PATIENT)
def portal_caregivers(request):
    patient = selectors.own_patient(user=request.user)
    form = CaregiverGrantForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _grant_from_form(request, form=form, patient=patient)
    ):
        messages.success(
            request,
            _("We emailed %(name)s an invitation. You can end their access here at any time.")
            % {"name": form.cleaned_data["name"]},
        )
        return redirect("portal:caregivers")
    return render(
        request,
        "patients/portal_caregivers.html",
        {
            "patient": patient,
            "form": form,
            "grants": selectors.caregiver_grants_of(patient=patient),
        },
        status=400 if form.errors else 200,
    )


def _revoke(request, *, patient, grant_pk, done):
    grant = selectors.caregiver_grants_of(patient=patient).filter(pk=grant_pk).first()
    if grant is None:
        raise Http404("not found")
    if request.method == "POST":
        try:
            services.caregiver_grant_revoke(grant=grant, by=request.user)
            messages.success(
                request,
                _("%(name)s can no longer use the portal for %(patient)s.")
                % {"name": grant.name, "patient": patient.given_name},
            )
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
        return redirect(done)
    return render(
        request,
        "patients/caregiver_revoke.html",
        {"patient": patient, "grant": grant, "cancel_url": done},
    )


@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def portal_caregiver_revoke(request, pk):
    patient = selectors.own_patient(user=request.user)
    return _revoke(request, patient=patient, grant_pk=pk, done=reverse("portal:caregivers"))


@role_required(Role.NURSE)
def nurse_caregivers(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    form = NurseCaregiverGrantForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _grant_from_form(request, form=form, patient=patient)
    ):
        messages.success(
            request, f"{form.cleaned_data['name']} was invited to help {patient.full_name}."
        )
        return redirect("nurse:caregivers", pk=patient.pk)
    return render(
        request,
        "patients/nurse_caregivers.html",
        {
            "patient": patient,
            "form": form,
            "grants": selectors.caregiver_grants_of(patient=patient),
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.NURSE)
@require_http_methods(["GET", "POST"])
def nurse_caregiver_revoke(request, pk, grant_pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    return _revoke(
        request,
        patient=patient,
        grant_pk=grant_pk,
        done=reverse("nurse:caregivers", args=[patient.pk]),
    )


@public
@require_POST
def language_set(request):
    """The language switch (English / Español) of every page: a POST form with its CSRF token.

    Keeps the choice for this session and, in a cookie, for this browser's sign-in pages;
    a signed-in patient's record keeps it too. A language the portal does not speak
    falls back to English.
    """
    language = supported(request.POST.get("language"))
    next_url = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    if request.user.is_authenticated:
        request.session[SESSION_LANGUAGE] = language
        if has_role(request.user, Role.PATIENT):
            services.patient_language_set(user=request.user, language=language)
    translation.activate(language)
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
