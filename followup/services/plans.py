"""Writes to care plans and follow-up items: the only place their state changes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from followup.delivery.channels import channel_for, unreachable_reason
from followup.delivery.outbox import enqueue_soon
from followup.models import (
    OPEN_STATUSES,
    CalendarFeed,
    CarePlan,
    CarePlanTemplate,
    FollowUpVisit,
    MergedItem,
    Outcome,
    PlanStatus,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderStatus,
    Settlement,
    VisitStatus,
)
from followup.rules import late_effects, scheduling
from followup.rules.local_time import next_allowed
from followup.selectors.preferences import quiet_hours, zone_of
from followup.services import reminders
from followup.services.merging import REASON_MAX, shared_items_merge
from patients.choices import Intent
from survivorship import audit


def default_start_date(diagnosis) -> date | None:
    """End of the last curative treatment of the diagnosis, if any has ended."""
    ends = [
        t.ended_on
        for t in diagnosis.treatments.all()
        if t.intent == Intent.CURATIVE and t.ended_on is not None
    ]
    return max(ends) if ends else None


def validate_start_date(*, diagnosis, start_date: date) -> None:
    if start_date < diagnosis.diagnosed_on:
        raise ValidationError(
            {
                "start_date": (
                    "Follow-up cannot start before the diagnosis "
                    f"({diagnosis.diagnosed_on:%Y-%m-%d})."
                )
            }
        )


def preview_schedule(*, rules, start_date: date, today: date | None = None):
    today = today or timezone.localdate()
    return scheduling.generate_schedule(
        rules, start_date, scheduling.horizon_end(start_date, today)
    )


def _snapshot(template: CarePlanTemplate) -> list[dict]:
    return [asdict(spec) for spec in template.rule_specs()]


def plan_rules(plan: CarePlan) -> tuple[list, dict]:
    """The plan's template rules joined with the screening its treatments call for."""
    diagnosis = plan.diagnosis
    facts = [
        late_effects.TreatmentFact(
            modality=t.modality,
            started_on=t.started_on,
            ended_on=t.ended_on,
            agent=t.agent,
            dose_mg_m2=t.dose_mg_m2,
            radiation_site=t.radiation_site,
            radiation_dose_gy=t.radiation_dose_gy,
        )
        for t in sorted(diagnosis.treatments.all(), key=lambda t: (t.started_on, t.pk))
    ]
    patient = diagnosis.patient
    exposure = late_effects.exposure_rules(
        facts,
        anchor=plan.start_date,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        cancer_type=diagnosis.cancer_type,
    )
    return late_effects.merge_rules(plan.rule_specs(), exposure)


_ITEM_FIELDS = ("kind", "label", "modality", "lab_test", "procedure", "instructions",
                "reason", "responsible", "due_date", "window_start", "window_end")  # fmt: skip


def _visit_from(plan: CarePlan, item: scheduling.PlannedItem, added=None) -> FollowUpVisit:
    exposure = (added or {}).get(item.rule_key)
    return FollowUpVisit(
        reason=exposure.reason if exposure else "",
        responsible=exposure.responsible if exposure else late_effects.ONCOLOGY,
        plan=plan,
        patient_id=plan.patient_id,
        rule_key=item.rule_key,
        sequence=item.sequence,
        kind=item.kind,
        label=item.label,
        modality=item.modality,
        lab_test=item.lab_test,
        procedure=item.procedure,
        instructions=item.instructions,
        due_date=item.due_date,
        window_start=item.window_start,
        window_end=item.window_end,
    )


@transaction.atomic
def careplan_create(
    *,
    diagnosis,
    template: CarePlanTemplate,
    start_date: date,
    owner=None,
    checkin_frequency: str = "default",
    today: date | None = None,
) -> CarePlan:
    validate_start_date(diagnosis=diagnosis, start_date=start_date)
    if diagnosis.care_plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED]).exists():
        raise ValidationError(
            "This diagnosis already has an open care plan: edit it, or complete it first."
        )
    plan = CarePlan.objects.create(
        patient_id=diagnosis.patient_id,
        diagnosis=diagnosis,
        template=template,
        template_version=template.version,
        rules_snapshot=_snapshot(template),
        warning_signs_snapshot=list(template.warning_signs),
        start_date=start_date,
        owner=owner,
        checkin_frequency=checkin_frequency,
    )
    careplan_generate(plan=plan, today=today)
    return plan


@transaction.atomic
def careplan_generate(*, plan: CarePlan, today: date | None = None) -> dict[str, int]:
    """Bring the plan's generated items in line with its rules and start date.

    Idempotent. Items are matched by (rule, sequence): a generated item that is still
    only *planned* gets the new dates; one that is scheduled, completed, missed or
    cancelled is left exactly as it is, as are items added by hand; planned items the
    rules no longer produce are removed; missing ones are created in bulk.
    """
    today = today or timezone.localdate()
    horizon = scheduling.horizon_end(plan.start_date, today)
    rules, added = plan_rules(plan)
    target = {
        (item.rule_key, item.sequence): item
        for item in scheduling.generate_schedule(rules, plan.start_date, horizon)
    }
    existing = {
        (visit.rule_key, visit.sequence): visit
        for visit in plan.visits.exclude(rule_key="").select_for_update()
    }
    merged = shared_items_merge(plan, target, existing, rules, added)
    shared_notes: dict[int, list[str]] = {}
    for visit_id, note in MergedItem.objects.filter(visit__plan=plan).values_list(
        "visit_id", "note"
    ):
        shared_notes.setdefault(visit_id, []).append(note)
    to_create, to_update, to_delete = [], [], []
    for key, item in target.items():
        visit = existing.get(key)
        if visit is None and key in merged:
            continue  # an open item of the patient's other plan covers it
        if visit is None:
            to_create.append(_visit_from(plan, item, added))
        elif visit.status == VisitStatus.PLANNED:
            fresh = _visit_from(plan, item, added)
            if visit.pk in shared_notes:  # keep what other plans added (issue #19)
                fresh.reason = " ".join([fresh.reason, *shared_notes[visit.pk]]).strip()
                fresh.reason = fresh.reason[:REASON_MAX]
            fields = _ITEM_FIELDS
            if any(getattr(visit, f) != getattr(fresh, f) for f in fields):
                for field in fields:
                    setattr(visit, field, getattr(fresh, field))
                to_update.append(visit)
    for key, visit in existing.items():
        if key not in target and visit.status == VisitStatus.PLANNED:
            to_delete.append(visit.pk)
    FollowUpVisit.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        FollowUpVisit.objects.bulk_update(to_update, list(_ITEM_FIELDS), batch_size=500)
    if to_delete:
        FollowUpVisit.objects.filter(pk__in=to_delete).delete()
    if plan.generated_through != horizon:
        plan.generated_through = horizon
        plan.save(update_fields=["generated_through"])
    return {"created": len(to_create), "updated": len(to_update), "deleted": len(to_delete)}


@transaction.atomic
def careplan_update(
    *,
    plan: CarePlan,
    start_date: date,
    template: CarePlanTemplate,
    owner,
    checkin_frequency: str,
    today: date | None = None,
) -> CarePlan:
    if plan.status == PlanStatus.COMPLETED:
        raise ValidationError(
            "This plan has ended: it is kept in the patient's history as it was and cannot "
            "be edited."
        )
    validate_start_date(diagnosis=plan.diagnosis, start_date=start_date)
    regenerate = start_date != plan.start_date or template.pk != plan.template_id
    if template.pk != plan.template_id:
        plan.template = template
        plan.template_version = template.version
        plan.rules_snapshot = _snapshot(template)
        plan.warning_signs_snapshot = list(template.warning_signs)
    plan.start_date = start_date
    plan.owner = owner
    plan.checkin_frequency = checkin_frequency
    plan.save()
    if regenerate:
        careplan_generate(plan=plan, today=today)
    return plan


def careplans_regenerate_for_diagnosis(*, diagnosis_id: int, today: date | None = None) -> int:
    """A treatment changed: bring the late-effects items of the diagnosis's open plans up
    to date (the same idempotent careplan_generate). Returns how many plans were touched."""
    plans = CarePlan.objects.filter(
        diagnosis_id=diagnosis_id, status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED]
    ).select_related("diagnosis__patient")
    count = 0
    for plan in plans:
        careplan_generate(plan=plan, today=today)
        count += 1
    return count


def careplan_extend_all(*, today: date | None = None) -> int:
    """Keep a rolling year of items on active plans past year 5 (run daily by beat)."""
    today = today or timezone.localdate()
    extended = 0
    plans = CarePlan.objects.filter(status=PlanStatus.ACTIVE).only("pk")
    for plan_id in plans.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            plan = CarePlan.objects.select_for_update().get(pk=plan_id)
            if plan.generated_through and plan.generated_through >= scheduling.horizon_end(
                plan.start_date, today
            ):
                continue
            extended += careplan_generate(plan=plan, today=today)["created"]
    return extended


# --- Follow-up items ---------------------------------------------------------------------


def _require_open(visit: FollowUpVisit) -> None:
    if visit.status not in OPEN_STATUSES:
        raise ValidationError(
            f"This item is already {visit.get_status_display().lower()}; reopen it first."
        )


@transaction.atomic
def visit_add(
    *,
    plan: CarePlan,
    kind: str,
    label: str,
    due_date: date,
    window_days: int = 14,
    instructions: str = "",
    modality: str = "",
    lab_test: str = "",
    procedure: str = "",
) -> FollowUpVisit:
    delta = timedelta(days=window_days)
    visit = FollowUpVisit(
        plan=plan,
        patient_id=plan.patient_id,
        kind=kind,
        label=label,
        modality=modality,
        lab_test=lab_test,
        procedure=procedure,
        instructions=instructions,
        due_date=due_date,
        window_start=due_date - delta,
        window_end=due_date + delta,
    )
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def visit_schedule(*, visit: FollowUpVisit, at: datetime, location: str = "") -> FollowUpVisit:
    """Book (or re-book) the appointment and plan its reminders in the same transaction.

    The history keeps every earlier booking; pending reminders move with the appointment.
    Nothing touches the broker here: the dispatcher finds the rows when they fall due,
    so booking works even while Redis is down.
    """
    _require_open(visit)
    visit.status = VisitStatus.SCHEDULED
    visit.scheduled_at = at
    visit.location = location
    visit.save()
    reminders.visit_reminders_plan(visit)
    return visit


@transaction.atomic
def visit_complete(
    *, visit: FollowUpVisit, completed_on: date, outcome: str, note: str = ""
) -> FollowUpVisit:
    _require_open(visit)
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The date it was done cannot be in the future."})
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome."})
    visit.status = VisitStatus.COMPLETED
    visit.completed_on = completed_on
    visit.outcome = outcome
    visit.note = note
    visit.save()
    reminders.visit_reminders_cancel(visit, "the visit was completed")
    return visit


@transaction.atomic
def visit_cancel(*, visit: FollowUpVisit, note: str = "") -> FollowUpVisit:
    _require_open(visit)
    visit.status = VisitStatus.CANCELLED
    if note:
        visit.note = note
    visit.save()
    reminders.visit_reminders_cancel(visit, "the visit was cancelled")
    return visit


@transaction.atomic
def visit_mark_missed(*, visit: FollowUpVisit, note: str = "") -> FollowUpVisit:
    _require_open(visit)
    visit.status = VisitStatus.MISSED
    if note:
        visit.note = note
    visit.save()
    reminders.visit_reminders_cancel(visit, "the visit was marked as missed")
    return visit


@transaction.atomic
def visit_reopen(*, visit: FollowUpVisit) -> FollowUpVisit:
    """Undo a completion, cancellation or missed mark made by mistake."""
    visit.status = VisitStatus.SCHEDULED if visit.scheduled_at else VisitStatus.PLANNED
    visit.completed_on = None
    visit.outcome = ""
    visit.save()
    if visit.status == VisitStatus.SCHEDULED and visit.scheduled_at > timezone.now():
        reminders.visit_reminders_plan(visit)
    return visit


def calendar_feed_for(*, patient) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(patient=patient)
    return feed


def calendar_feed_revoke(*, patient) -> CalendarFeed:
    feed = calendar_feed_for(patient=patient)
    feed.rotate()
    feed.save()
    return feed


@transaction.atomic
def reminder_preferences_update(*, patient, data: dict) -> ReminderPreference:
    """Save what the patient chose in the portal; consent is dated when first given."""
    preference, _ = ReminderPreference.objects.get_or_create(patient=patient)
    for field in ("quiet_start", "quiet_end", "appointment_reminders", "scan_reminders",
                  "lab_reminders", "checkin_prompts"):  # fmt: skip
        setattr(preference, field, data[field])
    # Asked only when a caregiver could get reminders (issue 21); otherwise unchanged.
    if data.get("recipients"):
        preference.recipients = data["recipients"]
    preference.save()
    patient.preferred_channel = data["preferred_channel"]
    if data["consent"] and patient.reminder_consent_at is None:
        patient.reminder_consent_at = timezone.now()
        patient.reminder_consent_method = "portal"
    elif not data["consent"]:
        patient.reminder_consent_at = None
        patient.reminder_consent_method = ""
    # Consent follows the channel the patient chose here, with them.
    patient.reminder_consent_channel = data["preferred_channel"] if data["consent"] else ""
    patient.save(
        update_fields=[
            "preferred_channel",
            "reminder_consent_at",
            "reminder_consent_channel",
            "reminder_consent_method",
            "updated_at",
        ]
    )
    return preference


@transaction.atomic
def visit_mark_contacted(*, visit: FollowUpVisit, by, note: str) -> FollowUpVisit:
    visit.contacted_at = timezone.now()
    visit.contacted_by = by
    visit.contact_note = note[:500]
    visit.save(update_fields=["contacted_at", "contacted_by", "contact_note", "updated_at"])
    return visit


@transaction.atomic
def visit_remind_now(*, visit: FollowUpVisit):
    """Send the patient an 'overdue, please book' reminder now, through the outbox.

    At most one a day per item: a second click the same day finds the first reminder.
    """

    _require_open(visit)
    if visit.plan.status != PlanStatus.ACTIVE:
        raise ValidationError(
            f"Cannot send: the care plan is {visit.plan.get_status_display().lower()}. "
            "Routine reminders wait until it is resumed."
        )
    patient = visit.patient
    if patient.reminder_consent_at is None:
        # The worker would skip it; saying "on its way" would be untrue.
        raise ValidationError(
            f"Cannot send: no consent to reminders is on file for {patient.full_name}. "
            "Record their consent on the patient's details (Edit) first."
        )
    # The same refusals the worker makes (followup.delivery.dispatch), said now.
    refusal = (
        "the patient record is inactive" if not patient.active else unreachable_reason(patient)
    )
    refusal = {
        "the patient chose the portal only, no messages": "they chose the portal only, no messages",
        "no mobile number on file": "no mobile number is on file",
        "no email address on file": "no email address is on file",
    }.get(refusal, refusal)
    if refusal:
        raise ValidationError(f"Cannot send a reminder to {patient.full_name}: {refusal}.")
    now = timezone.now()
    start, end = quiet_hours(patient)
    send_at = next_allowed(now, zone_of(patient), start, end)
    reminder, created = Reminder.objects.get_or_create(
        dedupe_key=f"overdue:{visit.pk}:{timezone.localdate():%Y-%m-%d}",
        defaults={
            "kind": ReminderKind.OVERDUE,
            "channel": channel_for(patient),
            "patient": patient,
            "visit": visit,
            # Within the patient's allowed hours: outside them it waits for the morning.
            "send_at": send_at,
        },
    )
    if created and send_at <= now:
        enqueue_soon([reminder.pk])
    return reminder, created


def reminder_settle(*, reminder, by, action: str, note: str, now: datetime | None = None):
    """A person settles an uncertain or stuck message: resend it, or mark it delivered.

    Only a row still uncertain or "sending" moves (a conditional UPDATE), so two people
    settling the same row at once cannot both resend it. Audited; the note shows on the
    patient's timeline.
    """
    now = now or timezone.now()
    note = note.replace("\x00", "").strip()
    if not note:
        raise ValidationError({"note": "Add a short note: what you checked or decided."})
    if len(note) > 500:  # the column's size: refused, not cut (issue 14, finding 8)
        raise ValidationError({"note": "The note is too long: please keep it to 500 characters."})
    if action not in Settlement.values:
        raise ValidationError({"action": "Choose resend or mark as delivered."})
    fields = {
        "settlement": action,
        "settled_note": note,
        "settled_by": by,
        "settled_at": now,
    }
    if action == Settlement.RESENT:
        fields.update(
            status=ReminderStatus.PENDING,
            send_at=now,
            queued_at=None,
            claimed_at=None,
            stuck_reported_at=None,
            attempts=0,
        )
    else:
        fields.update(status=ReminderStatus.SENT, sent_at=reminder.claimed_at or now)
    with transaction.atomic():
        moved = Reminder.objects.filter(
            pk=reminder.pk,
            status__in=[ReminderStatus.UNCERTAIN, ReminderStatus.SENDING],
            claimed_at=reminder.claimed_at,
        ).update(**fields)
        if not moved:
            raise ValidationError("Someone else has already settled this message.")
        audit.record(action="update", patient_id=reminder.patient_id, obj=reminder)
        if action == Settlement.RESENT:
            enqueue_soon([reminder.pk])
    reminder.refresh_from_db()
    return reminder
