"""The nurse's caseload and patient page: the record with its follow-up beside it."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from followup.forms import BaselineForm, CaseloadFilterForm
from followup.models import KnownBaseline
from followup.selectors import caseload as caseload_selectors
from followup.selectors import nurse as followup_selectors
from followup.services import reports as reporting
from patients import selectors
from survivorship import audit
from survivorship.roles import Role
from survivorship.web.access import role_required

PAGE_SIZE = 25
QUEUE_PREVIEW = 5

CASELOAD_DEFAULTS = {
    "scope": "mine",
    "q": "",
    "cancer_type": "",
    "status": "",
    "overdue": False,
    "sort": "name",
}


def _caseload_filters(request) -> dict:
    """Read the filters; unknown values fall back to defaults with a message, never a 500."""
    form = CaseloadFilterForm(request.GET or None)
    if not request.GET:
        return form, dict(CASELOAD_DEFAULTS)
    if form.is_valid():
        values = {
            key: form.cleaned_data.get(key) or default for key, default in CASELOAD_DEFAULTS.items()
        }
        return form, values
    values = dict(CASELOAD_DEFAULTS)
    for key in CASELOAD_DEFAULTS:
        if key not in form.errors and form.cleaned_data.get(key):
            values[key] = form.cleaned_data[key]
    messages.warning(
        request,
        "Some filters were not recognised and were reset: " + ", ".join(sorted(form.errors)) + ".",
    )
    return CaseloadFilterForm(initial=values), values


@role_required(Role.NURSE)
def nurse_home(request):
    form, filters = _caseload_filters(request)
    patients = caseload_selectors.caseload(
        user=request.user,
        scope=filters["scope"],
        search=filters["q"],
        cancer_type=filters["cancer_type"],
        status=filters["status"],
        overdue=filters["overdue"],
        sort=filters["sort"],
    )
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    panel = followup_selectors.due_and_overdue(user=request.user)
    queue = list(followup_selectors.triage_queue(user=request.user)[:QUEUE_PREVIEW])
    reviews = followup_selectors.plan_reviews(user=request.user)
    # Every patient named on the page, one entry each in one insert (issue 14, finding 6).
    audit.record_shown(
        object_type="caseload",
        patient_ids=[
            *(p.pk for p in page.object_list),
            *(v.patient_id for v in panel["overdue"]),
            *(v.patient_id for v in panel["due_soon"]),
            *(r.patient_id for r in queue),
            *(plan.patient_id for plan in reviews),
        ],
    )
    return render(
        request,
        "followup/nurse/caseload.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "scopes": caseload_selectors.SCOPES,
            "today": timezone.localdate(),
            "panel": panel,
            "queue": queue,
            "reviews": reviews,
        },
    )


@role_required(Role.NURSE)
def patient_detail(request, pk):
    patient = selectors.patient_get(user=request.user, pk=pk)
    today = timezone.localdate()
    context = {
        "patient": patient,
        "today": today,
        "age": patient.age_on(today),
        "plans": followup_selectors.patient_plans(patient=patient),
        "schedule": followup_selectors.patient_schedule(patient=patient, today=today),
        "trends": followup_selectors.symptom_trends(patient=patient),
        "reminders": followup_selectors.patient_reminders(patient=patient),
        "baselines": KnownBaseline.objects.active()
        .filter(patient=patient)
        .select_related("set_by"),
        "baseline_form": BaselineForm(signs=reporting.sign_choices(patient)),
    }
    context.update(
        caseload_selectors.patient_timeline(patient=patient, done=context["schedule"]["done"])
    )
    return render(request, "followup/nurse/patient_detail.html", context)
