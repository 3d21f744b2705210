"""Symptom reports: the signs a patient can tick, submitting, triage, the nurse's queue.

All writes go through these functions; views only parse input and render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from followup.delivery.channels import channel_for
from followup.delivery.outbox import nurse_alert, on_call_alert
from followup.models import (
    OPEN_PLAN_STATUSES,
    CarePlan,
    CheckIn,
    CheckInStatus,
    KnownBaseline,
    PlanStatus,
    Reminder,
    ReminderKind,
    ReportedSign,
    ReportStatus,
    SymptomReport,
    TriageLevel,
)
from followup.rules import clinic_hours, signs, triage
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.rules.local_time import next_allowed
from followup.selectors.preferences import quiet_hours, zone_of
from followup.services import plans as services
from patients.models import Treatment
from survivorship.roles import Role, has_role, users_with_role

HISTORY_REPORTS = 5


@dataclass(frozen=True)
class SignChoice:
    code: str
    label: str


def plan_sign_code(template_code: str, index: int, label: str) -> str:
    """The stable code of a plan's sign: the catalogue's, else one made from the template.

    A label the catalogue does not know (a template edited in admin) keeps a code of its
    own, ``<template>:custom_<n>``, and no level of its own.
    """
    return signs.code_for_label(template_code, label) or f"{template_code}:custom_{index}"


def sign_choices(patient) -> list[SignChoice]:
    """The general warning signs, then those of the patient's active plans' templates."""
    choices = [SignChoice(code, label) for code, label in GENERAL_WARNING_SIGNS]
    seen = {label.casefold() for _, label in GENERAL_WARNING_SIGNS}
    codes = {code for code, _label in GENERAL_WARNING_SIGNS}
    plans = (
        CarePlan.objects.filter(patient=patient, status__in=OPEN_PLAN_STATUSES)
        .select_related("template")
        .order_by("pk")
    )
    for plan in plans:
        for index, label in enumerate(plan.warning_signs_snapshot):
            code = plan_sign_code(plan.template.code, index, label)
            if label.casefold() not in seen and code not in codes:
                seen.add(label.casefold())
                codes.add(code)
                choices.append(SignChoice(code, label))
    return choices


def _history(patient, before=None) -> list[triage.PastReport]:
    reports = SymptomReport.objects.filter(patient=patient).prefetch_related("signs")
    if before is not None:
        reports = reports.filter(submitted_at__lt=before)
    history = []
    for report in reports.order_by("-submitted_at")[:HISTORY_REPORTS]:
        history.append(
            triage.PastReport(
                submitted_on=timezone.localdate(report.submitted_at),
                signs=tuple(
                    triage.Sign(s.code, s.severity, s.days, s.trend) for s in report.signs.all()
                ),
                worry=report.worry,
                distress=report.distress,
            )
        )
    return history


def _treatments(patient) -> list[tuple]:
    return list(
        Treatment.objects.filter(diagnosis__patient=patient)
        .order_by("started_on", "pk")
        .values_list("modality", "started_on", "ended_on")
    )


def triage_context(patient, *, other_text: str, self_harm: bool) -> dict:
    """What triage needs beyond the report, as plain data: treatments as
    (modality, start, end), active known baselines as (code, severity), free text."""
    return {
        "treatments": _treatments(patient),
        "baselines": list(
            KnownBaseline.objects.filter(patient=patient, ended_at__isnull=True)
            .order_by("code")
            .values_list("code", "severity")
        ),
        "other_text": other_text,
        "self_harm": self_harm,
        "fever_window_days": settings.TRIAGE_FEVER_WINDOW_DAYS,
    }


def _context(patient, *, other_text: str, self_harm: bool) -> dict:
    """The context as triage() takes it."""
    context = triage_context(patient, other_text=other_text, self_harm=self_harm)
    context["treatments"] = [triage.Treatment(*row) for row in context["treatments"]]
    context["baselines"] = [triage.Baseline(*row) for row in context["baselines"]]
    return context


def review_due_at(report):
    """When a review-level report must have been looked at: 2 working days by default."""
    return clinic_hours.review_due(
        report.submitted_at,
        working_days=settings.REVIEW_DUE_WORKING_DAYS,
        hours=settings.CLINIC_HOURS,
        days=settings.CLINIC_DAYS,
        holidays=settings.CLINIC_HOLIDAYS,
        zone=settings.CLINIC_TIME_ZONE,
    )


def clinic_is_open(moment) -> bool:
    return clinic_hours.is_open(
        moment,
        hours=settings.CLINIC_HOURS,
        days=settings.CLINIC_DAYS,
        holidays=settings.CLINIC_HOLIDAYS,
        zone=settings.CLINIC_TIME_ZONE,
    )


@transaction.atomic
def baseline_set(
    *, patient, by, code: str, label: str, severity: str, note: str = "", review_on=None
) -> KnownBaseline:
    """Mark a sign as known for this patient; only a nurse on the patient's care team may."""

    on_team = patient.primary_nurse_id == by.pk or patient.care_team.filter(pk=by.pk).exists()
    if not (has_role(by, Role.NURSE) and on_team):
        raise PermissionError("only a nurse on the patient's care team can set a baseline")
    now = timezone.now()
    # One by one, not .update(): the history records each change.
    for old in KnownBaseline.objects.filter(patient=patient, code=code, ended_at__isnull=True):
        old.ended_at = now
        old.save(update_fields=["ended_at"])
    return KnownBaseline.objects.create(
        patient=patient,
        code=code,
        label=label[:200],
        severity=severity,
        note=note,
        review_on=review_on,
        set_by=by,
        created_at=now,
    )


@transaction.atomic
def baseline_end(*, baseline: KnownBaseline, by) -> KnownBaseline:
    """The sign is no longer known-and-expected: it alerts again like any other."""
    if baseline.ended_at is None:
        baseline.ended_at = timezone.now()
        baseline.save(update_fields=["ended_at"])
    return baseline


@dataclass(frozen=True)
class Submitted:
    report: SymptomReport
    created: bool


def report_submit(
    *,
    patient,
    submission_key: str,
    signs: list[dict],
    other_text: str = "",
    worry: int | None = None,
    distress: int | None = None,
    nothing_new: bool = False,
    self_harm: bool = False,
    checkin: CheckIn | None = None,
    reported_by=None,
    reported_by_name: str = "",
    by_phone: bool = False,
) -> Submitted:
    """File a report, triage it against the patient's own history, alert if urgent.

    ``reported_by`` is a caregiver filing it for the patient (a live grant allowing
    reports is the caller's check); the report is triaged exactly the same way.

    ``signs``: dicts with code, label, severity, days, trend. A second submit with the
    same key (a double click, a resent form) returns the first report.
    """
    existing = SymptomReport.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.patient_id != patient.pk:
            raise PermissionError("submission key belongs to another patient")
        return Submitted(existing, False)
    today = timezone.localdate()
    labels = {sign["code"]: sign["label"] for sign in signs}
    decision = triage.triage(
        signs=[triage.Sign(s["code"], s["severity"], s.get("days"), s["trend"]) for s in signs],
        worry=worry,
        distress=distress,
        history=_history(patient),
        today=today,
        labels=labels,
        **_context(patient, other_text=other_text, self_harm=self_harm),
    )
    plan = (
        CarePlan.objects.filter(patient=patient, status__in=OPEN_PLAN_STATUSES)
        .order_by("status", "-pk")
        .first()
    )
    try:
        with transaction.atomic():
            report = SymptomReport.objects.create(
                patient=patient,
                plan=plan,
                checkin=checkin,
                submission_key=submission_key,
                nothing_new=nothing_new and not signs,
                other_text=other_text,
                worry=worry,
                distress=distress,
                self_harm=self_harm,
                reported_by=reported_by,
                reported_by_name=reported_by_name[:220] if reported_by is not None else "",
                by_phone=by_phone,
                triage_level=decision.level,
                triage_rule=decision.rule,
                triage_reason=decision.reason[:500],
                triage_fired=[
                    {"rule": f.rule, "level": f.level, "reason": f.reason} for f in decision.fired
                ],
            )
            ReportedSign.objects.bulk_create(
                ReportedSign(
                    report=report,
                    code=s["code"],
                    label=s["label"][:200],
                    severity=s["severity"],
                    days=s.get("days"),
                    trend=s["trend"],
                )
                for s in signs
            )
            if checkin is not None:
                CheckIn.objects.filter(pk=checkin.pk).update(
                    status=CheckInStatus.ANSWERED, answered_at=timezone.now()
                )
            if report.triage_level == TriageLevel.URGENT:
                _alert_primary_nurse(report)
                if not clinic_is_open(report.submitted_at):
                    _alert_on_call(report)
    except IntegrityError:
        # The same key committed by a concurrent request: that one is the report.
        return Submitted(SymptomReport.objects.get(submission_key=submission_key), False)
    return Submitted(report, True)


def _report_url(report) -> str:
    return f"{settings.SITE_URL}/nurse/reports/{report.pk}/"


def _alert(report, users, reason_key, subject, text):
    for user in users:
        nurse_alert(
            user=user,
            dedupe_key=f"{reason_key}:{report.pk}",
            subject=subject,
            text=text,
            patient=report.patient,
            url=_report_url(report),
        )


def _alert_primary_nurse(report) -> None:
    patient = report.patient
    users = [patient.primary_nurse] if patient.primary_nurse else list(patient.care_team.all())
    _alert(
        report,
        [u for u in users if u is not None],
        "triage",
        "Urgent symptom report",
        "A patient in your caseload sent a symptom report that needs you today. "
        "Please open it, acknowledge it and call the patient.",
    )


def _alert_on_call(report) -> None:
    """Outside clinic hours an urgent report also goes to the on-call contact, if set."""
    text = (
        "An urgent symptom report arrived while the clinic is closed. "
        "Please open it and call the patient."
    )
    for channel, to in (("email", settings.ON_CALL_EMAIL), ("sms", settings.ON_CALL_PHONE)):
        if to:
            on_call_alert(
                to=to,
                channel=channel,
                dedupe_key=f"triage:{report.pk}",
                subject="Urgent symptom report out of hours",
                text=text,
                url=_report_url(report),
            )


def reviews_escalate_missed(*, now=None) -> int:
    """Review-level reports not resolved by their deadline go to the whole team and admins."""

    now = now or timezone.now()
    # No deadline can pass before this many calendar days; the exact one is checked below.
    candidates = SymptomReport.objects.filter(
        triage_level=TriageLevel.REVIEW,
        status__in=[ReportStatus.OPEN, ReportStatus.ACKNOWLEDGED],
        escalated_at__isnull=True,
        submitted_at__lt=now - timedelta(days=settings.REVIEW_DUE_WORKING_DAYS),
    ).select_related("patient", "patient__primary_nurse")
    admins = list(users_with_role(Role.ADMINISTRATOR))
    count = 0
    for report in candidates:
        if review_due_at(report) > now:
            continue
        with transaction.atomic():
            claimed = SymptomReport.objects.filter(pk=report.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not claimed:
                continue
            team = [report.patient.primary_nurse, *report.patient.care_team.all()]
            _alert(
                report,
                {user.pk: user for user in [*team, *admins] if user is not None}.values(),
                "review-late",
                "Symptom report past its review deadline",
                "A symptom report that needs review has passed its deadline of "
                f"{settings.REVIEW_DUE_WORKING_DAYS} working days. Please look at it today.",
            )
            count += 1
    return count


def urgent_reports_escalate(*, now=None) -> int:
    """Urgent reports not acknowledged in time go to the rest of the team and admins."""

    now = now or timezone.now()
    late = SymptomReport.objects.filter(
        triage_level=TriageLevel.URGENT,
        status=ReportStatus.OPEN,
        escalated_at__isnull=True,
        submitted_at__lt=now - settings.URGENT_ACK_TIMEOUT,
    ).select_related("patient")
    admins = list(users_with_role(Role.ADMINISTRATOR))
    count = 0
    for report in late:
        with transaction.atomic():
            claimed = SymptomReport.objects.filter(pk=report.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not claimed:
                continue
            team = [
                user
                for user in report.patient.care_team.all()
                if user.pk != report.patient.primary_nurse_id
            ]
            hours = int(settings.URGENT_ACK_TIMEOUT.total_seconds() // 3600)
            _alert(
                report,
                {user.pk: user for user in [*team, *admins]}.values(),
                "escalation",
                "Urgent symptom report not yet acknowledged",
                f"An urgent symptom report has waited more than {hours} hours without a nurse "
                "acknowledging it. Please make sure someone calls the patient.",
            )
            count += 1
    return count


@transaction.atomic
def report_acknowledge(*, report: SymptomReport, by) -> SymptomReport:
    if report.status == ReportStatus.OPEN:
        report.status = ReportStatus.ACKNOWLEDGED
        report.acknowledged_by = by
        report.acknowledged_at = timezone.now()
        report.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return report


@transaction.atomic
def report_resolve(
    *, report: SymptomReport, by, action: str, note: str = "", visit: dict | None = None
) -> SymptomReport:
    """Close the report with what was done; booking a visit adds it to the active plan."""

    if report.status == ReportStatus.RESOLVED:
        return report
    if report.status == ReportStatus.OPEN:
        report.acknowledged_by = by
        report.acknowledged_at = timezone.now()
    if visit is not None:
        plan = report.plan or (
            CarePlan.objects.filter(patient=report.patient, status=PlanStatus.ACTIVE).first()
        )
        if plan is None:
            raise ValidationError(
                "This patient has no active care plan to add a visit to: create one first."
            )
        services.visit_add(plan=plan, **visit)
    report.status = ReportStatus.RESOLVED
    report.resolved_by = by
    report.resolved_at = timezone.now()
    report.resolution = action
    report.resolution_note = note
    report.save()
    return report


def checkins_remind_unanswered(*, now=None) -> int:
    """An open check-in unanswered for CHECKIN_REMINDER_AFTER gets one more prompt."""

    now = now or timezone.now()
    cutoff = timezone.localdate(now) - settings.CHECKIN_REMINDER_AFTER
    created = 0
    for checkin in CheckIn.objects.filter(
        status=CheckInStatus.OPEN, due_on__lte=cutoff
    ).select_related("patient"):
        patient = checkin.patient
        start, end = quiet_hours(patient)
        _, made = Reminder.objects.get_or_create(
            dedupe_key=f"checkin:{checkin.pk}:again",
            defaults={
                "kind": ReminderKind.CHECKIN,
                "channel": channel_for(patient),
                "patient": patient,
                "checkin": checkin,
                "send_at": next_allowed(now, zone_of(patient), start, end),
                "context": {"again": True},
            },
        )
        created += made
    return created


def days_since(day: date | None, today: date) -> int | None:
    return None if day is None else max((today - day).days, 0)
