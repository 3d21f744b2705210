"""The caregiver's side of the portal: the patients who let them help, one at a time.

Every URL names the patient, and every request checks for a live grant allowing what
the page does (``patients.selectors.caregiver_grant_for``): a revoked grant is refused
on the very next request, and a URL for someone else's patient is a logged 404.
"""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from followup.documents import plan_document
from followup.models import SymptomReport
from followup.selectors import portal as selectors
from followup.views.portal import report_done_page, report_form
from patients import selectors as patient_selectors
from survivorship.roles import Role
from survivorship.web.access import role_required

RECENT_REPORTS = 10


@role_required(Role.CAREGIVER)
@require_safe
def home(request):
    grants = list(patient_selectors.live_grants_for(user=request.user))
    return render(request, "followup/caregiver/home.html", {"grants": grants})


@role_required(Role.CAREGIVER)
@never_cache
@require_safe
def patient(request, pk):
    grant = patient_selectors.caregiver_grant_for(user=request.user, patient_pk=pk)
    person = grant.patient
    today = timezone.localdate()
    reports = (
        list(
            SymptomReport.objects.filter(patient=person)
            .prefetch_related("signs")
            .order_by("-submitted_at")[:RECENT_REPORTS]
        )
        if grant.can_see_reports
        else []
    )
    return render(
        request,
        "followup/caregiver/patient.html",
        {
            "grant": grant,
            "patient": person,
            "next_visits": selectors.upcoming_visits(patient=person),
            "documents": [
                plan_document(plan=care_plan, today=today)
                for care_plan in selectors.portal_plans(patient=person)
            ],
            "reports": reports,
        },
    )


@role_required(Role.CAREGIVER)
@never_cache
@require_http_methods(["GET", "POST"])
def report(request, pk):
    grant = patient_selectors.caregiver_grant_for(
        user=request.user, patient_pk=pk, permission="can_report"
    )
    return report_form(request, grant.patient, grant=grant)


@role_required(Role.CAREGIVER)
@never_cache
@require_safe
def report_done(request, pk, report_pk):
    grant = patient_selectors.caregiver_grant_for(user=request.user, patient_pk=pk)
    reports = SymptomReport.objects.filter(patient=grant.patient).prefetch_related("signs")
    if not grant.can_see_reports:  # they still see what they sent themselves
        reports = reports.filter(reported_by=request.user)
    found = get_object_or_404(reports, pk=report_pk)
    return report_done_page(request, patient=grant.patient, report=found, grant=grant)
