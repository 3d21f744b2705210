"""The access log's pages: the administrators' search and export, and the patient's
"who has seen my record"."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from survivorship import audit, directory
from survivorship.models import AccessLog
from survivorship.roles import Role
from survivorship.web.access import role_required
from survivorship.web.csv import csv_response, safe_cell

AUDIT_ACTIONS = (
    "view", "list", "create", "update", "delete", "export", "open page", "admin create",
    "admin update", "admin delete", "two_factor_reset",
)  # fmt: skip


def _clean_param(request, name: str, length: int) -> str:
    """A query parameter as plain text: trimmed, bounded, control characters refused."""
    value = request.GET.get(name, "").strip()[:length]
    if any(ord(ch) < 32 for ch in value):
        return ""
    return value


def _audit_filters(request):
    entries = AccessLog.objects.select_related("user")
    problems, values = [], {}
    mrn = _clean_param(request, "patient", 32)
    if mrn:
        patient_id = directory.patients().patient_id_by_record_number(mrn)
        entries = entries.filter(patient_id=patient_id if patient_id else -1)
        values["patient"] = mrn
    username = _clean_param(request, "user", 150)
    if username:
        entries = entries.filter(username=username)
        values["user"] = username
    action = request.GET.get("action", "")
    if action in AUDIT_ACTIONS:
        entries = entries.filter(action=action)
        values["action"] = action
    elif action:
        problems.append("action")
    for name, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        raw = _clean_param(request, name, 10)
        if raw:
            try:
                entries = entries.filter(**{lookup: date.fromisoformat(raw)})
                values[name] = raw
            except ValueError:
                problems.append(name)
    if request.GET.get("outcome") == "denied":
        entries = entries.filter(outcome="denied")
        values["outcome"] = "denied"
    if problems:
        messages.warning(
            request, "Some filters were not recognised and were ignored: " + ", ".join(problems)
        )
    return entries, values


@role_required(Role.ADMINISTRATOR)
def audit_log(request):
    entries, values = _audit_filters(request)
    page = Paginator(entries.order_by("-at", "-pk"), 50).get_page(request.GET.get("page"))
    names = directory.patients().record_numbers(
        {e.patient_id for e in page.object_list if e.patient_id}
    )
    audit.record(action="view", object_type="access log")
    return render(
        request,
        "survivorship/audit/log.html",
        {
            "page": page,
            "values": values,
            "query": urlencode(values),
            "records": names,
            "actions": [
                "view",
                "list",
                "create",
                "update",
                "delete",
                "export",
                "open page",
                "admin create",
                "admin update",
                "admin delete",
            ],  # fmt: skip
        },
    )


@role_required(Role.ADMINISTRATOR)
def audit_export(request):
    entries, _ = _audit_filters(request)
    rows = entries.order_by("-at", "-pk").values_list(
        "at", "username", "role", "patient_id", "action", "object_type", "object_id",
        "outcome", "ip", "path",
    )  # fmt: skip
    audit.record(action="export", object_type="access log")
    header = ["at_utc", "user", "role", "patient_id", "action", "object_type", "object_id",
              "outcome", "ip", "path"]  # fmt: skip
    safe_rows = ([safe_cell(cell) for cell in row] for row in rows.iterator(chunk_size=2000))
    return csv_response("access-log.csv", header, safe_rows)


@role_required(Role.PATIENT)
def my_record_access(request):
    """Who has seen my record: the access log entries about the patient's own record."""
    patient_id = directory.patients().patient_id_of(request.user)
    if patient_id is None:
        raise Http404("no record")
    audit.record(
        action="view", patient_id=patient_id, object_type="patient", object_id=str(patient_id)
    )
    entries = (
        AccessLog.objects.filter(patient_id=patient_id, outcome="allowed")
        .select_related("user")
        .order_by("-at", "-pk")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "survivorship/audit/my_record.html", {"page": page, "query": ""})
