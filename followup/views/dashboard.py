"""The administrators' dashboard (nurses see their own caseload's rows)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from followup.models import FollowUpVisit, ItemKind, Settlement
from followup.selectors import dashboard
from followup.selectors import portal as selectors
from followup.selectors import recurrence as recurrence_selectors
from followup.services import plans as services
from followup.services.reminders import zone_of
from patients import selectors as patient_selectors
from patients import services as patient_services
from patients.choices import CancerType
from patients.forms import nurses
from survivorship import audit
from survivorship.roles import Role, roles_of
from survivorship.web.access import role_required
from survivorship.web.csv import csv_response, safe_cell

CONTACT_NOTE = FollowUpVisit._meta.get_field("contact_note").max_length
PLAIN_ID = re.compile(r"[0-9]{1,18}")
STAFF = (Role.ADMINISTRATOR, Role.NURSE)


def _nurse_names():
    return {n.pk: n.get_full_name() or n.get_username() for n in nurses()}


def _filters(request, nurse_names):
    filters = dashboard.parse_filters(
        request.GET, nurses=nurse_names, cancer_types=dict(CancerType.choices),
        kinds=dict(ItemKind.choices),
    )  # fmt: skip
    if filters.problems:
        messages.warning(
            request,
            "Some filters were not recognised and were reset: "
            + ", ".join(sorted(set(filters.problems)))
            + ".",
        )
    return filters


@role_required(*STAFF)
def home(request):
    today = timezone.localdate()
    trend = dashboard.trend(today=today)
    paused = recurrence_selectors.paused_plans(request.user, today)
    if paused["rows"]:
        audit.record_shown(
            object_type="paused_plans", patient_ids=[p.patient_id for p in paused["rows"]]
        )
    return render(
        request,
        "followup/dashboard/home.html",
        {
            "summary": dashboard.summary(request.user, today),
            "paused": paused,
            "trend": trend,
            "trend_rows": [
                {
                    "date": s.taken_on.isoformat(),
                    "total": s.total,
                    "d30": s.days_1_30,
                    "d90": s.days_31_90,
                    "over": s.days_over_90,
                }
                for s in trend
            ],  # fmt: skip
            "buckets": dashboard.BUCKETS,
            "cancer_labels": dict(CancerType.choices),
            "kind_labels": dict(ItemKind.choices),
        },
    )


@role_required(*STAFF)
def overdue_list(request):
    today = timezone.localdate()
    nurse_names = _nurse_names()
    filters = _filters(request, nurse_names)
    visits = dashboard.overdue_list(request.user, filters, today)
    page = dashboard.keyset_page(visits, filters, request.GET.get("cursor"))
    if page.reset:
        messages.info(request, "That page link had expired, so here is the first page.")
    query = filters.as_query()
    audit.record_shown(object_type="overdue list", patient_ids=[v.patient_id for v in page.rows])
    return render(
        request,
        "followup/dashboard/overdue_list.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode(query),
            "next_query": urlencode({**query, "cursor": page.next_cursor})
            if page.next_cursor
            else "",
            "today": today,
            "nurse_names": nurse_names,
            "nurse_options": format_html_join(
                "", '<option value="{}">{}</option>', nurse_names.items()
            ),
            "buckets": dashboard.BUCKETS,
            "sorts": dashboard.SORTS,
            "cancer_types": CancerType.choices,
            "kinds": ItemKind.choices,
            "can_reassign": Role.ADMINISTRATOR in roles_of(request.user),
        },
    )


# Spreadsheets run cells that start like a formula; prefix those with a quote.
EXPORT_HEADER = [
    "record_number", "patient", "item", "kind", "cancer_type", "due_date", "window_start",
    "window_end", "days_overdue", "primary_nurse", "last_reminder_status", "last_reminder_at",
    "contacted_at", "contact_note",
]  # fmt: skip


def _when(moment) -> str:
    """Clinic time to the minute, as the list shows it (not 2026-12-01 19:54:04.473140+00:00)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@role_required(*STAFF)
def overdue_export(request):
    """Stream the filtered list as CSV, a chunk of rows at a time (little memory)."""
    today = timezone.localdate()
    filters = _filters(request, _nurse_names())
    visits = dashboard.overdue_list(request.user, filters, today)
    rows = dashboard.overdue_export_rows(request.user, filters, today)
    # The export itself (even an empty one), then one entry per patient exported, in one
    # INSERT ... SELECT, so each patient's "who has seen my record" shows it (issue 14, 6).
    audit.record(action="export", object_type="overdue list", object_id=filters.sort)
    audit.record_rows(action="export", object_type="overdue list", queryset=visits)

    def generate():
        for (mrn, given, family, label, kind, cancer, due, start, end, first, last, username,
             contacted, note, status, sent) in rows:  # fmt: skip
            yield [
                safe_cell(cell)
                for cell in (
                    mrn,
                    f"{given} {family}",
                    label,
                    kind,
                    cancer,
                    due,
                    start,
                    end,
                    (today - end).days,
                    f"{first} {last}".strip() or username or "",  # names, as on screen
                    status,
                    _when(sent),
                    _when(contacted),
                    note,
                )
            ]  # fmt: skip

    return csv_response(f"overdue-{today:%Y-%m-%d}.csv", EXPORT_HEADER, generate())


@role_required(*STAFF)
def quality(request):
    today = timezone.localdate()
    adherence = dashboard.adherence(request.user, today)
    labels = dict(CancerType.choices)
    return render(
        request,
        "followup/dashboard/quality.html",
        {
            "adherence": adherence,
            "adherence_chart": [
                {
                    "label": labels.get(row["plan__diagnosis__cancer_type"], "Other"),
                    "share": row["share"],
                }
                for row in adherence["by_type"]
            ],  # fmt: skip
            "checkins": dashboard.checkin_response(request.user, today),
            "urgent": dashboard.urgent_acknowledgement(request.user, settings.URGENT_ACK_TIMEOUT),
            "delivery": dashboard.delivery(request.user),
            "burden": dashboard.alert_burden(request.user, today),
            "completion": dashboard.checkin_completion(request.user, today),
            "reviews": recurrence_selectors.plan_review_times(request.user, today),
            "paused": recurrence_selectors.paused_plans(request.user, today, limit=0),
            "cancer_labels": dict(CancerType.choices),
            "ack_hours": int(settings.URGENT_ACK_TIMEOUT.total_seconds() // 3600),
        },
    )


def _visit_in_scope(request, pk) -> FollowUpVisit:
    return get_object_or_404(dashboard.overdue(request.user).select_related("patient"), pk=pk)


def _back(request):
    target = request.POST.get("next", "")
    if target.startswith("/dashboard/") and "//" not in target:
        return redirect(target)
    return redirect("dashboard:overdue")


@role_required(*STAFF)
@require_POST
def item_contacted(request, pk):
    visit = _visit_in_scope(request, pk)
    # The overdue list names each row's note after its item (one page-wide form).
    note = request.POST.get(f"note-{visit.pk}") or request.POST.get("note", "")
    note = note.replace("\x00", "").strip()
    if not note:
        messages.error(request, "Add a short note about the contact.")
        return _back(request)
    if len(note) > CONTACT_NOTE:  # the column's size: refused, not cut (issue 14, finding 8)
        messages.error(
            request, f"The note is too long: please keep it to {CONTACT_NOTE} characters or fewer."
        )
        return _back(request)
    services.visit_mark_contacted(visit=visit, by=request.user, note=note)
    messages.success(request, f"Marked {visit.patient.full_name} as contacted.")
    return _back(request)


@role_required(*STAFF)
@require_POST
def item_remind(request, pk):
    visit = _visit_in_scope(request, pk)
    try:
        reminder, created = services.visit_remind_now(visit=visit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request)
    if created:
        channel = "text message" if reminder.channel == "sms" else "email"
        if reminder.send_at <= timezone.now():
            when = "to go out now"
        else:
            zone = zone_of(visit.patient)
            local = reminder.send_at.astimezone(zone)
            today = timezone.now().astimezone(zone).date()
            day = {today: "", today + timedelta(days=1): " tomorrow"}.get(
                local.date(), f" on {local:%Y-%m-%d}"
            )
            when = (
                f"for {local:%H:%M}{day} their time ({visit.patient.time_zone}), "
                "after their quiet hours"
            )
        messages.success(
            request,
            f"A reminder by {channel} to {visit.patient.full_name} is queued {when}. "
            "Whether it was sent shows on their patient page.",
        )
    else:
        messages.info(request, "A reminder for this item was already sent today.")
    return _back(request)


@role_required(Role.ADMINISTRATOR)
@require_POST
def patient_reassign(request, pk):
    patient = patient_selectors.patient_get(user=request.user, pk=pk, action="change")
    nurse_id = request.POST.get("nurse", "")
    nurse = nurses().filter(pk=nurse_id).first() if PLAIN_ID.fullmatch(nurse_id) else None
    if nurse is None:
        messages.error(request, "Choose a nurse to reassign to.")
        return _back(request)
    patient_services.patient_reassign(patient=patient, nurse=nurse)
    messages.success(
        request, f"{patient.full_name} is now with {nurse.get_full_name() or nurse.username}."
    )
    return _back(request)


# --- Needs a person: messages nobody can vouch for -----------------------------------


NEEDS_PERSON_SHOWN = 200


@role_required(*STAFF)
def needs_person(request):
    rows = list(selectors.needs_person(user=request.user)[:NEEDS_PERSON_SHOWN])
    audit.record(action="view", object_type="needs a person")
    return render(
        request,
        "followup/dashboard/needs_person.html",
        {"rows": rows, "shown": NEEDS_PERSON_SHOWN, "tab": "needs_person"},
    )


@role_required(*STAFF)
@require_POST
def needs_person_settle(request, pk):
    reminder = selectors.needs_person_get(user=request.user, pk=pk)
    try:
        services.reminder_settle(
            reminder=reminder,
            by=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard:needs_person")
    if reminder.settlement == Settlement.RESENT:
        done = "will be sent again in a moment"
    else:
        done = "is marked as delivered"
    messages.success(
        request, f"The {reminder.get_kind_display().lower()} to {reminder.patient} {done}."
    )
    return redirect("dashboard:needs_person")
