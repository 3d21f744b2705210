"""Reads for the administrators' dashboard: overdue follow-ups at clinic scale.

Everything is scoped to the requesting user (administrators see every patient,
nurses their care teams) and computed in the database. The overdue list pages with
a keyset cursor (no OFFSET), so page 500 costs what page 1 costs.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from followup.models import (
    CheckIn,
    FollowUpVisit,
    OverdueSnapshot,
    PlanStatus,
    Reminder,
    ReminderKind,
    SymptomReport,
    TriageLevel,
)
from followup.rules.triage import RULES_BY_CODE
from followup.selectors.calls import call_list_count
from patients.models import Patient

PAGE_SIZE = 50
BUCKETS = {
    "1-30": "1–30 days",
    "31-90": "31–90 days",
    "90+": "over 90 days",
}
# Allow-listed sorts: (field, descending) pairs; the primary key breaks ties.
SORTS = {
    "most_overdue": ("window_end", False),
    "least_overdue": ("window_end", True),
    "due": ("due_date", False),
    "patient": ("patient__family_name", False),
}
CURSOR_SALT = "survivorship.dashboard.cursor"


def _scope(user) -> QuerySet[FollowUpVisit]:
    visits = FollowUpVisit.objects.filter(plan__status=PlanStatus.ACTIVE)
    if user.has_perm("patients.view_all_patients"):
        return visits
    return visits.filter(patient__in=Patient.objects.for_user(user))


def overdue(user, today: date | None = None) -> QuerySet[FollowUpVisit]:
    return _scope(user).overdue(today or timezone.localdate())


def bucket_filter(bucket: str, today: date) -> Q:
    if bucket == "1-30":
        return Q(window_end__gte=today - timedelta(days=30))
    if bucket == "31-90":
        return Q(
            window_end__lt=today - timedelta(days=30), window_end__gte=today - timedelta(days=90)
        )
    return Q(window_end__lt=today - timedelta(days=90))


@dataclass
class Filters:
    nurse: int | None = None
    cancer_type: str = ""
    kind: str = ""
    bucket: str = ""
    reminder_failed: bool = False
    sort: str = "most_overdue"
    problems: list[str] = field(default_factory=list)

    def as_query(self) -> dict:
        query = {
            "nurse": self.nurse or "",
            "cancer_type": self.cancer_type,
            "kind": self.kind,
            "bucket": self.bucket,
            "reminder_failed": "1" if self.reminder_failed else "",
            "sort": self.sort if self.sort != "most_overdue" else "",
        }
        return {key: value for key, value in query.items() if value}


def parse_filters(params, *, nurses, cancer_types, kinds) -> Filters:
    """Read the list's filters; anything unknown falls back to its default, noted."""
    filters = Filters()
    raw_nurse = params.get("nurse", "")
    if raw_nurse:
        if re.fullmatch(r"[0-9]{1,18}", raw_nurse) and int(raw_nurse) in nurses:
            filters.nurse = int(raw_nurse)
        else:
            filters.problems.append("nurse")
    for name, allowed in (("cancer_type", cancer_types), ("kind", kinds), ("bucket", BUCKETS)):
        value = params.get(name, "")
        if value and value in allowed:
            setattr(filters, name, value)
        elif value:
            filters.problems.append(name)
    failed = params.get("reminder_failed", "")
    if failed in ("1", "on", "true"):
        filters.reminder_failed = True
    elif failed:
        filters.problems.append("reminder_failed")
    sort = params.get("sort", "")
    if sort in SORTS:
        filters.sort = sort
    elif sort:
        filters.problems.append("sort")
    return filters


def overdue_list(user, filters: Filters, today: date | None = None) -> QuerySet[FollowUpVisit]:
    reminders = Reminder.objects.filter(visit_id=OuterRef("pk")).order_by("-send_at", "-pk")
    visits = _filtered(user, filters, today or timezone.localdate())
    return visits.select_related("patient", "patient__primary_nurse", "plan__diagnosis").annotate(
        last_reminder_status=Subquery(reminders.values("status")[:1]),
        last_reminder_at=Subquery(reminders.values("send_at")[:1]),
        cancer_type=F("plan__diagnosis__cancer_type"),
    )


EXPORT_FIELDS = (
    "patient__medical_record_number", "patient__given_name", "patient__family_name",
    "label", "kind", "plan__diagnosis__cancer_type", "due_date", "window_start", "window_end",
    "patient__primary_nurse__first_name", "patient__primary_nurse__last_name",
    "patient__primary_nurse__username", "contacted_at", "contact_note",
)  # fmt: skip
EXPORT_CHUNK = 2000


def overdue_export_rows(user, filters: Filters, today: date | None = None):
    """The whole filtered list, in its order, as tuples of EXPORT_FIELDS followed by the
    last reminder's status and time.

    The last reminders are looked up per chunk of 2,000 rows, one indexed query each,
    rather than by two correlated subqueries run for every one of 100,000 rows.
    """
    field_name, descending = SORTS[filters.sort]
    visits = _filtered(user, filters, today or timezone.localdate()).order_by(
        *([f"-{field_name}", "-pk"] if descending else [field_name, "pk"])
    )
    rows = visits.values_list("pk", *EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        last = _last_reminders([row[0] for row in chunk])
        for row in chunk:
            yield (*row[1:], *last.get(row[0], (None, None)))


def _last_reminders(visit_ids) -> dict[int, tuple]:
    latest: dict[int, tuple] = {}
    reminders = (
        Reminder.objects.filter(visit_id__in=visit_ids)
        .order_by("visit_id", "-send_at", "-pk")
        .values_list("visit_id", "status", "send_at")
    )
    for visit_id, status, send_at in reminders:
        latest.setdefault(visit_id, (status, send_at))
    return latest


def _filtered(user, filters: Filters, today: date) -> QuerySet[FollowUpVisit]:
    visits = overdue(user, today)
    if filters.nurse:
        visits = visits.filter(patient__primary_nurse_id=filters.nurse)
    if filters.cancer_type:
        visits = visits.filter(plan__diagnosis__cancer_type=filters.cancer_type)
    if filters.kind:
        visits = visits.filter(kind=filters.kind)
    if filters.bucket:
        visits = visits.filter(bucket_filter(filters.bucket, today))
    if filters.reminder_failed:
        visits = visits.filter(
            Exists(Reminder.objects.filter(visit_id=OuterRef("pk"), status="failed"))
        )
    return visits


@dataclass
class Page:
    rows: list
    number: int
    next_cursor: str | None
    reset: bool = False


def _cursor_value(row, field_name: str):
    value = row
    for part in field_name.split("__"):
        value = getattr(value, part)
    return value.isoformat() if isinstance(value, date) else value


def keyset_page(visits: QuerySet, filters: Filters, cursor: str | None) -> Page:
    """One page after ``cursor`` (signed, so a tampered or stale cursor means page 1)."""
    field_name, descending = SORTS[filters.sort]
    order = [f"-{field_name}", "-pk"] if descending else [field_name, "pk"]
    visits = visits.order_by(*order)
    number, reset = 1, False
    if cursor:
        try:
            data = signing.loads(cursor, salt=CURSOR_SALT)
            if data["sort"] != filters.sort:
                raise ValueError("cursor of another sort")
            value, last_pk, number = data["value"], int(data["pk"]), int(data["page"]) + 1
            after = "lt" if descending else "gt"
            visits = visits.filter(
                # Redundant with the next condition, but an index can start here.
                Q(**{f"{field_name}__{after}e": value}),
                Q(**{f"{field_name}__{after}": value})
                | Q(**{field_name: value, f"pk__{after}": last_pk}),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            number, reset = 1, True
    rows = list(visits[: PAGE_SIZE + 1])
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_cursor = signing.dumps(
            {"sort": filters.sort, "value": _cursor_value(last, field_name), "pk": last.pk,
             "page": number},
            salt=CURSOR_SALT,
        )  # fmt: skip
    return Page(rows=rows, number=number, next_cursor=next_cursor, reset=reset)


SUMMARY_SECONDS = 60


def _cache_scope(user) -> str:
    return "all" if user.has_perm("patients.view_all_patients") else f"user-{user.pk}"


def summary(user, today: date | None = None) -> dict:
    """The overdue summary, computed at most once a minute per scope (cached)."""

    today = today or timezone.localdate()
    key = f"dashboard-summary:{_cache_scope(user)}:{today.isoformat()}"
    result = cache.get(key)
    if result is None:
        result = {**_summary(user, today), "computed_at": timezone.now()}
        cache.set(key, result, SUMMARY_SECONDS)
    return result


def _summary(user, today: date | None = None) -> dict:
    """Totals and breakdowns of overdue items: one pass over them, one small name query.

    The overdue items are grouped once by (primary nurse, cancer type, kind) with the age
    buckets counted alongside; the four breakdowns are sums of those few thousand rows.
    """

    today = today or timezone.localdate()
    groups = (
        overdue(user, today)
        .order_by()
        .values("patient__primary_nurse_id", "plan__diagnosis__cancer_type", "kind")
        .annotate(
            n=Count("pk"),
            days_1_30=Count("pk", filter=bucket_filter("1-30", today)),
            days_31_90=Count("pk", filter=bucket_filter("31-90", today)),
            days_over_90=Count("pk", filter=bucket_filter("90+", today)),
        )
    )
    buckets = Counter(total=0, days_1_30=0, days_31_90=0, days_over_90=0)
    nurses, cancers, kinds = Counter(), Counter(), Counter()
    for row in groups:
        buckets.update(
            total=row["n"], days_1_30=row["days_1_30"], days_31_90=row["days_31_90"],
            days_over_90=row["days_over_90"],
        )  # fmt: skip
        nurses[row["patient__primary_nurse_id"]] += row["n"]
        cancers[row["plan__diagnosis__cancer_type"]] += row["n"]
        kinds[row["kind"]] += row["n"]
    names = {
        u["pk"]: u
        for u in get_user_model()
        .objects.filter(pk__in=[pk for pk in nurses if pk is not None])
        .values("pk", "first_name", "last_name", "username")
    }
    by_nurse = [
        {
            "patient__primary_nurse_id": pk,
            "patient__primary_nurse__first_name": names.get(pk, {}).get("first_name", ""),
            "patient__primary_nurse__last_name": names.get(pk, {}).get("last_name", ""),
            "patient__primary_nurse__username": names.get(pk, {}).get("username", ""),
            "n": n,
        }
        for pk, n in nurses.most_common()
    ]
    return {
        "buckets": dict(buckets),
        "by_nurse": by_nurse,
        "by_cancer": [
            {"plan__diagnosis__cancer_type": k, "n": n} for k, n in cancers.most_common()
        ],
        "by_kind": [{"kind": k, "n": n} for k, n in kinds.most_common()],
    }


def snapshot_take(today: date | None = None) -> OverdueSnapshot:
    """Record tonight's clinic-wide overdue counts (idempotent per day)."""
    today = today or timezone.localdate()
    visits = FollowUpVisit.objects.filter(plan__status=PlanStatus.ACTIVE).overdue(today)
    counts = visits.aggregate(
        total=Count("pk"),
        days_1_30=Count("pk", filter=bucket_filter("1-30", today)),
        days_31_90=Count("pk", filter=bucket_filter("31-90", today)),
        days_over_90=Count("pk", filter=bucket_filter("90+", today)),
    )
    by_kind = {row["kind"]: row["n"] for row in visits.values("kind").annotate(n=Count("pk"))}
    snapshot, _ = OverdueSnapshot.objects.update_or_create(
        taken_on=today, defaults={**counts, "by_kind": by_kind}
    )
    return snapshot


def trend(weeks: int = 12, today: date | None = None) -> list[OverdueSnapshot]:
    today = today or timezone.localdate()
    return list(OverdueSnapshot.objects.filter(taken_on__gte=today - timedelta(weeks=weeks)))


# --- Adherence and delivery -------------------------------------------------------------------


ADHERENCE_SECONDS = 15 * 60


def adherence(user, today: date | None = None, months: int = 12) -> dict:
    """Share of items completed within their window, by cancer type and by month.

    Counted over items whose window ended in the last ``months`` months, not cancelled:
    two passes over a year of items, which only change in the margin from one minute to
    the next, so computed at most every 15 minutes per scope (the page says when).
    """
    today = today or timezone.localdate()
    key = f"dashboard-adherence:{_cache_scope(user)}:{today.isoformat()}:{months}"
    result = cache.get(key)
    if result is None:
        result = {**_adherence(user, today, months), "computed_at": timezone.now()}
        cache.set(key, result, ADHERENCE_SECONDS)
    return result


def _adherence(user, today: date, months: int) -> dict:
    since = today - timedelta(days=31 * months)
    items = (
        _scope(user).filter(window_end__gte=since, window_end__lt=today).exclude(status="cancelled")
    )
    on_time = Q(
        status="completed",
        completed_on__gte=F("window_start"),
        completed_on__lte=F("window_end"),
    )
    by_type = [
        {**row, "share": _share(row["on_time"], row["total"])}
        for row in items.values("plan__diagnosis__cancer_type")
        .annotate(total=Count("pk"), on_time=Count("pk", filter=on_time))
        .order_by("plan__diagnosis__cancer_type")
    ]
    by_month = [
        {**row, "share": _share(row["on_time"], row["total"])}
        for row in items.annotate(month=TruncMonth("window_end"))
        .values("month")
        .annotate(total=Count("pk"), on_time=Count("pk", filter=on_time))
        .order_by("month")
    ]
    return {"by_type": by_type, "by_month": by_month}


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def checkin_response(user, today: date | None = None, days: int = 90) -> dict:
    today = today or timezone.localdate()
    checkins = CheckIn.objects.filter(due_on__gte=today - timedelta(days=days))
    if not user.has_perm("patients.view_all_patients"):
        checkins = checkins.filter(patient__in=Patient.objects.for_user(user))
    counts = checkins.aggregate(
        answered=Count("pk", filter=Q(status="answered")),
        missed=Count("pk", filter=Q(status="missed")),
        open=Count("pk", filter=Q(status="open")),
    )
    closed = counts["answered"] + counts["missed"]
    return {**counts, "rate": _share(counts["answered"], closed)}


def urgent_acknowledgement(user, settings_timeout: timedelta, days: int = 90) -> dict:
    """Minutes from an urgent report to acknowledgement: median, and breaches."""
    now = timezone.now()
    reports = SymptomReport.objects.filter(
        triage_level=TriageLevel.URGENT, submitted_at__gte=now - timedelta(days=days)
    )
    if not user.has_perm("patients.view_all_patients"):
        reports = reports.filter(patient__in=Patient.objects.for_user(user))
    waits, breaches, unacknowledged = [], 0, 0
    for submitted, acknowledged in reports.values_list("submitted_at", "acknowledged_at"):
        if acknowledged is None:
            unacknowledged += 1
            if now - submitted > settings_timeout:
                breaches += 1
            continue
        waits.append((acknowledged - submitted).total_seconds() / 60)
        if acknowledged - submitted > settings_timeout:
            breaches += 1
    return {
        "count": len(waits) + unacknowledged,
        "median_minutes": round(statistics.median(waits)) if waits else None,
        "breaches": breaches,
        "unacknowledged": unacknowledged,
    }


def delivery(user, days: int = 30) -> dict:
    since = timezone.now() - timedelta(days=days)
    reminders = Reminder.objects.filter(send_at__gte=since, patient__isnull=False)
    if not user.has_perm("patients.view_all_patients"):
        reminders = reminders.filter(patient__in=Patient.objects.for_user(user))
    by_channel = list(
        reminders.values("channel")
        .annotate(
            sent=Count("pk", filter=Q(status="sent")),
            failed=Count("pk", filter=Q(status="failed")),
            skipped=Count("pk", filter=Q(status="skipped")),
        )
        .order_by("channel")
    )
    failures = list(
        reminders.filter(status="failed")
        .values("channel", "last_error")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10]
    )
    skips = list(
        reminders.filter(status="skipped")
        .values("skip_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10]
    )
    return {"by_channel": by_channel, "failures": failures, "skips": skips}


# PRO-TECT (52 practices, weekly surveys): 34% of surveys raised an alert and patients
# rated about 10% of alerted symptoms urgent. Source: shared/clinical/surveillance.md.
PROTECT_ALERTED_SHARE = 34
PROTECT_URGENT_OF_ALERTED_SHARE = 10


def alert_burden(user, today: date | None = None, weeks: int = 12, top: int = 5) -> dict:
    """Per week: the share of reports that were urgent, review and routine, and the rules
    that fired most, beside PRO-TECT's reference figures (one query)."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    since = monday - timedelta(weeks=weeks - 1)
    reports = SymptomReport.objects.filter(submitted_at__date__gte=since)
    if not user.has_perm("patients.view_all_patients"):
        reports = reports.filter(patient__in=Patient.objects.for_user(user))
    rows: dict[date, dict] = {}
    for submitted, level, fired in reports.values_list(
        "submitted_at", "triage_level", "triage_fired"
    ):
        day = timezone.localdate(submitted)
        week = day - timedelta(days=day.weekday())
        row = rows.setdefault(
            week, {"week": week, "total": 0, "urgent": 0, "review": 0, "routine": 0, "rules": {}}
        )
        row["total"] += 1
        row[level if level in ("urgent", "review") else "routine"] += 1
        for item in fired or []:
            rule = item.get("rule") if isinstance(item, dict) else None
            if rule and item.get("level") != TriageLevel.ROUTINE:
                row["rules"][rule] = row["rules"].get(rule, 0) + 1

    def words(code: str) -> str:
        rule = RULES_BY_CODE.get(code)
        return rule.description if rule else code.replace("_", " ").capitalize()

    result, totals = [], {"total": 0, "urgent": 0, "review": 0, "rules": {}}
    for week in sorted(rows, reverse=True):
        row = rows[week]
        for key in ("total", "urgent", "review"):
            totals[key] += row[key]
        for code, n in row["rules"].items():
            totals["rules"][code] = totals["rules"].get(code, 0) + n
        ranked = sorted(row["rules"].items(), key=lambda item: (-item[1], item[0]))[:top]
        result.append(
            {
                **row,
                "urgent_share": _share(row["urgent"], row["total"]),
                "review_share": _share(row["review"], row["total"]),
                "routine_share": _share(row["routine"], row["total"]),
                "alerted_share": _share(row["urgent"] + row["review"], row["total"]),
                "top_rules": [(words(code), n) for code, n in ranked],
            }
        )
    alerted = totals["urgent"] + totals["review"]
    ranked = sorted(totals["rules"].items(), key=lambda item: (-item[1], item[0]))[:top]
    return {
        "weeks": result,
        "total": totals["total"],
        "alerted_share": _share(alerted, totals["total"]),
        "urgent_share": _share(totals["urgent"], totals["total"]),
        "urgent_of_alerted_share": _share(totals["urgent"], alerted),
        "top_rules": [(words(code), n) for code, n in ranked],
        "reference_alerted": PROTECT_ALERTED_SHARE,
        "reference_urgent_of_alerted": PROTECT_URGENT_OF_ALERTED_SHARE,
    }


# PRO-TECT reached 91% completion of weekly surveys, with staff calling non-responders
# within days. Source: shared/clinical/surveillance.md (issue 18).
PROTECT_COMPLETION_SHARE = 91


def checkin_completion(user, today: date | None = None, weeks: int = 12) -> dict:
    """Check-ins by the week they were due: answered in the portal, by phone, missed.

    Also the median hours from the prompt being sent to the answer, and the share of
    patients with check-ins who are on a call list now. Five queries, plus the call list's.
    """
    today = today or timezone.localdate()
    since = today - timedelta(weeks=weeks)
    scope = (
        Patient.objects.all()
        if user.has_perm("patients.view_all_patients")
        else (Patient.objects.for_user(user))
    )
    checkins = CheckIn.objects.filter(patient__in=scope, due_on__gte=since, due_on__lte=today)
    rows = list(
        checkins.filter(status__in=["answered", "missed"])
        .annotate(week=TruncWeek("due_on"))
        .values("week")
        .annotate(
            portal=Count("pk", filter=Q(status="answered") & ~Q(report__by_phone=True),
                         distinct=True),
            phone=Count("pk", filter=Q(status="answered", report__by_phone=True), distinct=True),
            missed=Count("pk", filter=Q(status="missed"), distinct=True),
        )
        .order_by("week")
    )  # fmt: skip
    for row in rows:
        row["rate"] = _share(
            row["portal"] + row["phone"], row["portal"] + row["phone"] + row["missed"]
        )
    totals = {key: sum(row[key] for row in rows) for key in ("portal", "phone", "missed")}
    answered = totals["portal"] + totals["phone"]
    prompt_sent = (
        Reminder.objects.filter(checkin_id=OuterRef("pk"), kind=ReminderKind.CHECKIN, status="sent")
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    waits = [
        (answered_at - sent).total_seconds() / 3600
        for answered_at, sent in checkins.filter(status="answered", answered_at__isnull=False)
        .annotate(sent=Subquery(prompt_sent))
        .filter(sent__isnull=False)
        .values_list("answered_at", "sent")
        if answered_at >= sent
    ]
    with_checkins = checkins.values("patient_id").distinct().count()
    ids = scope.order_by().values("pk")
    on_list = call_list_count(user=user, today=today, scope=ids) if with_checkins else 0
    return {
        "weeks": rows,
        "totals": totals,
        "rate": _share(answered, answered + totals["missed"]),
        "median_hours": round(statistics.median(waits), 1) if waits else None,
        "patients": with_checkins,
        "on_call_list": on_list,
        "call_list_share": _share(on_list, with_checkins),
        "reference": PROTECT_COMPLETION_SHARE,
    }
