"""The patient's care plan and calendar in the portal, and the private calendar feed."""

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from followup import calendar
from followup.documents import plan_document, plan_letter_pdf
from followup.forms import ReminderPreferenceForm, SymptomReportForm
from followup.models import CheckIn, CheckInStatus, ReminderPreference, SymptomReport
from followup.rules import clinic_hours, triage
from followup.selectors import portal as selectors
from followup.selectors.preferences import reminder_grants
from followup.services import plans as services
from followup.services import reports as reporting
from patients import selectors as patient_selectors
from patients.models import Patient
from patients.selectors import own_patient
from survivorship import audit
from survivorship.roles import Role
from survivorship.web.access import public, role_required

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
KEY_PATTERN = re.compile(r"[0-9a-f]{32}")


def _own_patient(request) -> Patient:
    """The signed-in patient's own record, through the scoped selector (and logged).

    ``for_user`` alone would return a caseload for someone who is also a nurse; the
    portal only ever shows the user's own record.
    """

    return own_patient(user=request.user)


def _ics_response(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Appointment times must not sit in shared caches, or in the browser's cache.
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.PATIENT)
@never_cache
@require_safe
def plan(request):
    patient = _own_patient(request)
    today = timezone.localdate()
    documents = [
        plan_document(plan=care_plan, today=today)
        for care_plan in selectors.portal_plans(patient=patient)
    ]
    return render(
        request, "followup/portal/plan.html", {"patient": patient, "documents": documents}
    )


@role_required(Role.PATIENT)
@require_safe
def plan_letter(request, pk):
    """The patient's own copy of their care plan letter as PDF; another plan is a 404."""
    patient = _own_patient(request)
    care_plan = get_object_or_404(selectors.portal_plans(patient=patient), pk=pk)
    body = plan_letter_pdf(plan=care_plan, today=timezone.localdate())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="my-care-plan-{care_plan.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.PATIENT)
@require_safe
def calendar_download(request):
    patient = _own_patient(request)
    body = calendar.patient_calendar(patient=patient, today=timezone.localdate())
    return _ics_response(body, filename="follow-up-visits.ics", attachment=True)


@role_required(Role.PATIENT)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request):
    patient = _own_patient(request)
    if request.method == "POST":
        # Two explicit actions, so a repeated "make my link" never revokes a working link.
        if request.POST.get("action") == "rotate":
            services.calendar_feed_revoke(patient=patient)
            messages.success(
                request,
                _("The old link has stopped working. Subscribe again with the new link below."),
            )
        else:
            services.calendar_feed_for(patient=patient)
            messages.success(request, _("Your private calendar link is ready."))
        return redirect("portal:calendar_settings")
    feed = selectors.calendar_feed_get(patient=patient)
    feed_url = webcal_url = ""
    if feed is not None:
        feed_url = request.build_absolute_uri(reverse("calendar:feed", args=[feed.token]))
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(
        request,
        "followup/portal/calendar.html",
        {"patient": patient, "feed": feed, "feed_url": feed_url, "webcal_url": webcal_url},
    )


@public
@require_safe
def calendar_feed(request, token):
    """The subscription URL: the secret token is the only credential, so no login."""
    feed = selectors.calendar_feed_by_token(token=token)
    audit.record(action="view", patient_id=feed.patient_id, object_type="calendar feed")
    body = calendar.patient_calendar(patient=feed.patient, today=timezone.localdate())
    response = _ics_response(body, filename="follow-up-visits.ics", attachment=False)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@role_required(Role.PATIENT)
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request):

    patient = _own_patient(request)
    current = ReminderPreference.objects.filter(patient=patient).first() or ReminderPreference()
    initial = {
        "preferred_channel": patient.preferred_channel,
        "consent": patient.reminder_consent_at is not None,
        "quiet_start": current.quiet_start,
        "quiet_end": current.quiet_end,
        "appointment_reminders": current.appointment_reminders,
        "scan_reminders": current.scan_reminders,
        "lab_reminders": current.lab_reminders,
        "checkin_prompts": current.checkin_prompts,
        "recipients": current.recipients,
    }
    # Who gets the reminders is asked only when a caregiver could get them (issue 21).
    offer_caregivers = reminder_grants(patient).exists()
    form = ReminderPreferenceForm(
        request.POST or None, patient=patient, initial=initial, offer_caregivers=offer_caregivers
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_preferences_update(patient=patient, data=form.cleaned_data)
        messages.success(request, _("Your reminder choices are saved."))
        return redirect("portal:preferences")
    return render(
        request,
        "followup/portal/preferences.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )


# --- Symptom reports -----------------------------------------------------------------------


def report_form(request, patient, *, checkin=None, grant=None):
    """The symptom form, for the patient or for a caregiver holding ``grant``."""
    if grant is None:
        by, by_name = {}, {}

        def done(report):
            return redirect("portal:report_done", pk=report.pk)

    else:
        relationship = f", {grant.relationship}" if grant.relationship else ""
        by = {"reported_by": request.user, "reported_by_name": f"{grant.name}{relationship}"}
        by_name = {"proxy": grant}

        def done(report):
            return redirect("caregiver:report_done", pk=patient.pk, report_pk=report.pk)

    signs = reporting.sign_choices(patient)
    # The signs this check-in's prompt named come first, as the message listed them.
    watched = list(checkin.watch_signs or []) if checkin is not None else []
    if watched:
        rank = {code: index for index, code in enumerate(watched)}
        signs = sorted(signs, key=lambda sign: rank.get(sign.code, len(rank)))
    initial = {"submission_key": secrets.token_hex(16)}
    form = SymptomReportForm(request.POST or None, signs=signs, initial=initial)
    if request.method == "POST":
        posted_key = request.POST.get("submission_key", "")
        # A key we did not hand out (tampered, or another form's) is replaced: the worst
        # case is a second report, never a report filed under someone else's key.
        key = posted_key if KEY_PATTERN.fullmatch(posted_key) else secrets.token_hex(16)
        try:
            if request.POST.get("nothing_new") == "1":
                # "Nothing new this week": answers the check-in in one click.
                submitted = reporting.report_submit(
                    patient=patient, submission_key=key, signs=[], nothing_new=True,
                    checkin=checkin, **by,
                )  # fmt: skip
                return done(submitted.report)
            if form.is_valid():
                data = form.cleaned_data
                submitted = reporting.report_submit(
                    patient=patient,
                    submission_key=key,
                    signs=data["chosen_signs"],
                    other_text=data["other_text"],
                    worry=data["worry"],
                    distress=data["distress"],
                    self_harm=data["self_harm"],
                    checkin=checkin,
                    **by,
                )
                return done(submitted.report)
        except PermissionError:
            form = SymptomReportForm(
                request.POST, signs=signs, initial={"submission_key": secrets.token_hex(16)}
            )
            form.is_valid()
            form.add_error(None, _("Something went wrong with this form. Please send it again."))
    open_checkin = checkin or (
        CheckIn.objects.filter(patient=patient, status=CheckInStatus.OPEN)
        .order_by("-due_on")
        .first()
    )
    return render(
        request,
        "followup/portal/report.html",
        {
            "patient": patient,
            "form": form,
            "checkin": checkin,
            "open_checkin": open_checkin,
            "watched": watched,
            **by_name,
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.PATIENT)
@never_cache
@require_http_methods(["GET", "POST"])
def report_new(request):
    return report_form(request, _own_patient(request))


@role_required(Role.PATIENT)
@never_cache
@require_http_methods(["GET", "POST"])
def checkin_answer(request, pk):

    patient = _own_patient(request)
    checkin = selectors.checkin_get(patient=patient, pk=pk)
    if checkin.status == CheckInStatus.ANSWERED and hasattr(checkin, "report"):
        messages.info(request, _("You already answered this check-in. Thank you."))
        return redirect("portal:report_done", pk=checkin.report.pk)
    return report_form(request, patient, checkin=checkin)


@role_required(Role.PATIENT)
@never_cache
@require_http_methods(["GET", "POST"])
def checkin_nothing_new(request, pk):
    """The prompt's "nothing new" link: a GET only asks; the button (a POST) answers."""
    patient = _own_patient(request)
    checkin = selectors.checkin_get(patient=patient, pk=pk)
    if checkin.status == CheckInStatus.ANSWERED:
        messages.info(request, _("You already answered this check-in. Thank you."))
        if hasattr(checkin, "report"):
            return redirect("portal:report_done", pk=checkin.report.pk)
        return redirect("portal:home")
    if request.method == "POST":
        posted_key = request.POST.get("submission_key", "")
        key = posted_key if KEY_PATTERN.fullmatch(posted_key) else secrets.token_hex(16)
        submitted = reporting.report_submit(
            patient=patient, submission_key=key, signs=[], nothing_new=True, checkin=checkin
        )
        return redirect("portal:report_done", pk=submitted.report.pk)
    return render(
        request,
        "followup/portal/checkin_nothing_new.html",
        {
            "patient": patient,
            "checkin": checkin,
            "missed": checkin.status == CheckInStatus.MISSED,
            "submission_key": secrets.token_hex(16),
        },
    )


@role_required(Role.PATIENT)
@never_cache
@require_safe
def report_done(request, pk):

    patient = _own_patient(request)
    report = get_object_or_404(
        SymptomReport.objects.prefetch_related("signs"), pk=pk, patient=patient
    )
    return report_done_page(request, patient=patient, report=report)


def report_done_page(request, *, patient, report, grant=None):
    """What happens next after a report: for the patient, or a caregiver holding ``grant``."""
    return render(
        request,
        "followup/portal/report_done.html",
        {
            "patient": patient,
            "proxy": grant,
            "report": report,
            "next_step": triage.explain_level(report.triage_level).format(
                phone=settings.CLINIC_PHONE
            ),
            "after_hours": report.triage_level == "urgent"
            and not clinic_hours.is_open(
                report.submitted_at,
                hours=settings.CLINIC_HOURS,
                days=settings.CLINIC_DAYS,
                holidays=settings.CLINIC_HOLIDAYS,
                zone=settings.CLINIC_TIME_ZONE,
            ),
        },
    )


@role_required(Role.PATIENT)
def portal_home(request):
    patient = patient_selectors.own_patient(user=request.user)
    context = {
        "patient": patient,
        "diagnoses": patient.diagnoses.prefetch_related("treatments"),
        "next_visits": selectors.upcoming_visits(patient=patient),
        "open_checkin": CheckIn.objects.filter(patient=patient, status="open")
        .order_by("-due_on")
        .first(),
        "recent_reports": list(
            SymptomReport.objects.filter(patient=patient)
            .prefetch_related("signs")
            .order_by("-submitted_at")[:5]
        ),
        # Only once a nurse has talked it through with them (issue 19); until then the
        # page is exactly as in routine follow-up.
        "recurrence": patient_selectors.discussed_return_of(patient=patient),
    }
    return render(request, "followup/portal/home.html", context)
