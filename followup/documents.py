"""The care plan document: what a nurse prints and hands over, and the portal shows.

``plan_document`` gathers everything the document needs in a fixed number of queries,
however long the schedule, so both the print page and the portal stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from weasyprint import HTML

from followup.models import FollowUpVisit, ItemKind, VisitStatus
from followup.rules.content import (
    FEAR_OF_RECURRENCE,
    RISK_LOWERING_ADVICE,
    SCAN_WORRY_NOTE,
    warning_signs_for,
)
from followup.rules.late_effects import ONCOLOGY, PATIENT, PRIMARY_CARE
from followup.rules.scheduling import add_months
from followup.rules.sign_texts import sign_label
from patients.models import DiseaseStatusEvent, Treatment


@dataclass(frozen=True)
class ScheduleRow:
    visit: FollowUpVisit
    state: str  # done, cancelled, missed, booked, to_book, overdue
    state_label: str
    past: bool  # no longer ahead: done, cancelled, missed, overdue, or its day has gone

    @property
    def needs_action(self) -> bool:
        """Missed or overdue: in the past, but still to be done, so never greyed out."""
        return self.state in ("missed", "overdue")


@dataclass
class ScheduleYear:
    number: int
    starts: date
    ends: date
    rows: list[ScheduleRow] = field(default_factory=list)

    @property
    def all_past(self) -> bool:
        return all(row.past for row in self.rows)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


def follow_up_year(start: date, day: date) -> int:
    """Which year of follow-up ``day`` falls in, counting from the plan's start.

    Year n covers the months (12(n-1), 12n], the same half-open convention the schedule
    rules use, so the item due on the first anniversary belongs to year 1. Anything on
    or before the start (an item added by hand) counts as year 1.
    """
    if day <= start:
        return 1
    months = (day.year - start.year) * 12 + day.month - start.month
    year = max(1, -(-months // 12))
    while add_months(start, 12 * year) < day:
        year += 1
    while year > 1 and add_months(start, 12 * (year - 1)) >= day:
        year -= 1
    return year


def _row(visit: FollowUpVisit, today: date) -> ScheduleRow:
    status = visit.status
    if status == VisitStatus.COMPLETED:
        return ScheduleRow(visit, "done", _("Done"), past=True)
    if status == VisitStatus.CANCELLED:
        return ScheduleRow(visit, "cancelled", _("Cancelled"), past=True)
    if status == VisitStatus.MISSED:
        return ScheduleRow(visit, "missed", _("Missed: please call us to book a new date"), True)
    if status == VisitStatus.SCHEDULED and visit.scheduled_at is not None:
        booked_day = timezone.localtime(visit.scheduled_at).date()
        return ScheduleRow(visit, "booked", _("Booked"), past=booked_day < today)
    if visit.window_end < today:
        return ScheduleRow(visit, "overdue", _("Not done yet: please call us to book it"), True)
    return ScheduleRow(visit, "to_book", _("To be booked"), past=False)


def _schedule(start: date, visits: list[FollowUpVisit], today: date) -> list[ScheduleYear]:
    years: dict[int, ScheduleYear] = {}
    for visit in visits:
        number = follow_up_year(start, visit.due_date)
        if number not in years:
            years[number] = ScheduleYear(
                number=number,
                starts=add_months(start, 12 * (number - 1)),
                ends=add_months(start, 12 * number),
            )
        years[number].rows.append(_row(visit, today))
    return [years[number] for number in sorted(years)]


def _preparation(visits: list[FollowUpVisit]) -> list[tuple[str, str]]:
    """Each distinct item's instructions once, in schedule order: no need to repeat them."""
    seen: dict[str, str] = {}
    for visit in visits:
        if visit.instructions and visit.label not in seen:
            seen[visit.label] = visit.instructions
    # Stored English (copied from the template's rules); shown in the reader's language
    # when the text is a known one, as stored otherwise.
    return [(_(label), _(instructions)) for label, instructions in seen.items()]


@dataclass(frozen=True)
class Duty:
    """One kind of item someone does: "Mammogram, yearly, next around May 2027"."""

    label: str
    next_due: date
    count: int
    reason: str


# Who does what, in the order ASCO's template gives it, in the patient's words.
WHO_LABELS = {
    ONCOLOGY: gettext_noop("Your cancer team"),
    PRIMARY_CARE: gettext_noop("Your primary-care doctor"),
    PATIENT: gettext_noop("You"),
}


def _who_does_what(upcoming: list[ScheduleRow], patient) -> list[dict]:
    """The items still to come, grouped by who does them; each kind of item once."""
    groups: dict[str, dict[str, Duty]] = {key: {} for key in WHO_LABELS}
    for row in upcoming:
        visit = row.visit
        duties = groups.setdefault(visit.responsible, {})
        seen = duties.get(visit.label)
        if seen is None:
            duties[visit.label] = Duty(_(visit.label), visit.due_date, 1, visit.reason)
        else:
            duties[visit.label] = Duty(seen.label, seen.next_due, seen.count + 1, seen.reason)
    who = []
    for key, duties in groups.items():
        label = _(WHO_LABELS[key]) if key in WHO_LABELS else key
        if key == PRIMARY_CARE and patient.pcp_name:
            label = f"{label}, {patient.pcp_name}"
        who.append({"key": key, "label": label, "duties": list(duties.values())})
    return who


def _contact(user) -> Contact:
    return Contact(name=user.get_full_name() or user.get_username(), email=user.email)


def plan_document(*, plan, today: date) -> dict:
    """Everything the care plan document shows, as template context.

    Queries: the plan's patient, diagnosis and nurses come with ``plan`` when it was
    fetched with select_related (see ``selectors.portal_plans``), otherwise one query
    each; then one each for the latest restaging, the treatments, the schedule and the
    care team.
    """
    patient = plan.patient
    diagnosis = plan.diagnosis
    # The restaging of a return of disease, beside the original stage: only once the
    # return was talked through with the patient (the document goes to them too).
    restage = (
        DiseaseStatusEvent.objects.visible_to_patient()
        .filter(diagnosis_id=plan.diagnosis_id)
        .exclude(restage="")
        .order_by("-event_date", "-pk")
        .first()
    )
    treatments = list(
        Treatment.objects.filter(diagnosis_id=plan.diagnosis_id).order_by("started_on", "pk")
    )
    visits = list(
        FollowUpVisit.objects.filter(plan_id=plan.pk, patient_id=plan.patient_id).order_by(
            "due_date", "pk"
        )
    )
    team = list(patient.care_team.filter(is_active=True).order_by("first_name", "last_name", "pk"))

    primary = patient.primary_nurse or plan.owner
    if primary is not None and not primary.is_active:
        primary = None
    schedule = _schedule(plan.start_date, visits, today)
    upcoming = [row for year in schedule for row in year.rows if not row.past]
    has_scans = any(visit.kind == ItemKind.IMAGING for visit in visits)
    return {
        "plan": plan,
        "patient": patient,
        "diagnosis": diagnosis,
        "restage": restage,
        "treatments": treatments,
        "schedule": schedule,
        "next_row": upcoming[0] if upcoming else None,
        "upcoming_count": len(upcoming),
        "who_does_what": _who_does_what(upcoming, patient),
        "care_transferred": bool(
            patient.care_transferred_on and patient.care_transferred_on <= today
        ),
        "preparation": _preparation(visits),
        # The texts are stored or written in English; each is shown in the active
        # language (the patient's in the portal, the nurse's on the print page).
        "warning_signs": [sign_label(s) for s in warning_signs_for(plan.warning_signs_snapshot)],
        "advice": [(_(title), _(text)) for title, text in RISK_LOWERING_ADVICE],
        "fear_of_recurrence": [_(paragraph) for paragraph in FEAR_OF_RECURRENCE],
        "scan_worry_note": _(SCAN_WORRY_NOTE) if has_scans else "",
        "contacts": {
            "primary_nurse": _contact(primary) if primary else None,
            "care_team": [
                _contact(user) for user in team if primary is None or user.pk != primary.pk
            ],
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
        },
        "today": today,
    }


def plan_letter_missing(*, patient) -> list[str]:
    """What the shared-care letter needs before it can be sent, in the nurse's words."""
    missing = []
    if not patient.pcp_name:
        missing.append("the primary-care doctor's name")
    if not patient.pcp_email:
        missing.append("the primary-care doctor's email")
    return missing


def plan_letter_pdf(*, plan, today: date) -> bytes:
    """The shared-care letter as PDF, from the same document template as the print view.

    It carries the patient's name; callers send it only to the patient or to the
    primary-care doctor on the record (followup.services.plan_letter_send).
    """
    context = plan_document(plan=plan, today=today)
    html = render_to_string("followup/plan_letter.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
