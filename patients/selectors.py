"""Reads of patient records, always scoped to the requesting user.

Every view fetches patients, diagnoses, treatments and events through these functions;
an object outside the user's scope is simply not found (404), never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment
from survivorship import audit

MESSAGES_ON_TIMELINE = 50

SCOPES = {
    "mine": "My patients",
    "team": "Care team",
    "all": "All I may see",
}
# Allow-list of sort keys: the user's value selects one of these, never reaches SQL.
SORTS = {
    "name": ("family_name", "given_name", "pk"),
    "-name": ("-family_name", "-given_name", "-pk"),
    "mrn": ("medical_record_number",),
    "-mrn": ("-medical_record_number",),
    "age": ("-date_of_birth", "pk"),
    "-age": ("date_of_birth", "pk"),
    "status": ("current_status", "family_name", "pk"),
    "-status": ("-current_status", "family_name", "pk"),
    "overdue": ("overdue_count", "family_name", "pk"),
    "-overdue": ("-overdue_count", "family_name", "pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
}


def patients_for(user) -> QuerySet[Patient]:
    return Patient.objects.for_user(user)


def patient_get(*, user, pk) -> Patient:
    queryset = patients_for(user).with_current_status().select_related("primary_nurse", "user")
    return audit.get_in_scope(queryset, Patient, pk, patient_of=lambda patient: patient.pk)


def own_patient(*, user) -> Patient:
    """The signed-in patient's own record (for the portal), logged as a read."""
    patient = get_object_or_404(patients_for(user).select_related("primary_nurse"), user=user)
    audit.record(action="view", patient_id=patient.pk, obj=patient)
    return patient


def diagnosis_get(*, user, pk) -> CancerDiagnosis:
    queryset = CancerDiagnosis.objects.filter(patient__in=patients_for(user))
    return audit.get_in_scope(queryset.select_related("patient"), CancerDiagnosis, pk)


def treatment_get(*, user, pk) -> Treatment:
    queryset = Treatment.objects.filter(diagnosis__patient__in=patients_for(user))
    return audit.get_in_scope(
        queryset.select_related("diagnosis__patient"),
        Treatment,
        pk,
        patient_of=lambda t: t.diagnosis.patient_id,
    )


def status_event_get(*, user, pk) -> DiseaseStatusEvent:
    queryset = DiseaseStatusEvent.objects.filter(diagnosis__patient__in=patients_for(user))
    return audit.get_in_scope(
        queryset.select_related("diagnosis__patient"),
        DiseaseStatusEvent,
        pk,
        patient_of=lambda e: e.diagnosis.patient_id,
    )


def caseload(
    *,
    user,
    scope: str = "mine",
    search: str = "",
    cancer_type: str = "",
    status: str = "",
    overdue: bool = False,
    sort: str = "name",
) -> QuerySet[Patient]:
    """The nurse's caseload list, in a constant number of queries whatever its length."""
    patients = patients_for(user)
    if scope == "mine":
        patients = patients.filter(primary_nurse=user)
    elif scope == "team":
        on_team = Patient.care_team.through.objects.filter(
            patient_id=OuterRef("pk"), user_id=user.pk
        )
        patients = patients.filter(Exists(on_team))
    for term in search.split():
        patients = patients.filter(
            Q(given_name__icontains=term)
            | Q(family_name__icontains=term)
            | Q(medical_record_number__icontains=term)
        )
    if cancer_type:
        patients = patients.filter(
            Exists(
                CancerDiagnosis.objects.filter(patient_id=OuterRef("pk"), cancer_type=cancer_type)
            )
        )
    patients = patients.with_current_status().with_overdue_count()
    if status:
        patients = patients.filter(current_status=status)
    if overdue:
        patients = patients.filter(overdue_count__gt=0)
    return (
        patients.select_related("primary_nurse")
        .prefetch_related(
            Prefetch(
                "diagnoses",
                queryset=CancerDiagnosis.objects.only(
                    "id", "patient_id", "cancer_type", "diagnosed_on"
                ).order_by("diagnosed_on"),
            )
        )
        .order_by(*SORTS.get(sort, SORTS["name"]))
    )


@dataclass(frozen=True)
class Change:
    verb: str  # "Added", "Changed", "Deleted"
    by: str
    at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    kind: str  # "diagnosis", "treatment", "status"
    obj: object
    change: Change | None


def _describe(record) -> Change:
    user = record.history_user
    by = (user.get_full_name() or user.get_username()) if user else "the system"
    verb = {"+": "Added", "~": "Changed", "-": "Deleted"}[record.history_type]
    return Change(verb=verb, by=by, at=record.history_date)


def _latest_changes(model, ids) -> dict[int, Change]:
    """The latest history record of each object, in one query."""
    latest: dict[int, Change] = {}
    records = (
        model.history.model.objects.filter(id__in=ids)
        .select_related("history_user")
        .order_by("id", "-history_date", "-history_id")
    )
    for record in records:
        latest.setdefault(record.id, _describe(record))
    return latest


def patient_timeline(*, patient: Patient) -> dict:
    """Diagnoses, treatments and status events, newest first, with who last changed each.

    Later issues add visits, symptom reports and messages as further entry kinds.
    """
    diagnoses = list(
        patient.diagnoses.prefetch_related(
            Prefetch("treatments", queryset=Treatment.objects.order_by("-started_on", "-pk")),
            Prefetch(
                "status_events",
                queryset=DiseaseStatusEvent.objects.select_related("recorded_by").order_by(
                    "-event_date", "-pk"
                ),
            ),
        )
    )
    treatments = [t for d in diagnoses for t in d.treatments.all()]
    events = [e for d in diagnoses for e in d.status_events.all()]
    for diagnosis in diagnoses:  # reuse the prefetched diagnosis in titles: no N+1
        for event in diagnosis.status_events.all():
            event.diagnosis = diagnosis
        for treatment in diagnosis.treatments.all():
            treatment.diagnosis = diagnosis
    changes = {
        "diagnosis": _latest_changes(CancerDiagnosis, [d.pk for d in diagnoses]),
        "treatment": _latest_changes(Treatment, [t.pk for t in treatments]),
        "status": _latest_changes(DiseaseStatusEvent, [e.pk for e in events]),
    }
    entries = [
        TimelineEntry(d.diagnosed_on, "diagnosis", d, changes["diagnosis"].get(d.pk))
        for d in diagnoses
    ]
    entries += [
        TimelineEntry(t.started_on, "treatment", t, changes["treatment"].get(t.pk))
        for t in treatments
    ]
    entries += [
        TimelineEntry(e.event_date, "status", e, changes["status"].get(e.pk)) for e in events
    ]
    # Follow-up items that have happened (or did not): the schedule on the timeline.
    from followup.models import FollowUpVisit, VisitStatus

    done = FollowUpVisit.objects.filter(patient=patient).exclude(
        status__in=[VisitStatus.PLANNED, VisitStatus.SCHEDULED]
    )
    entries += [
        TimelineEntry(visit.completed_on or visit.due_date, "visit", visit, None) for visit in done
    ]
    # Messages: what was sent, what failed and what was not sent (with the reason).
    from followup.models import Reminder

    sent_or_not = (
        Reminder.objects.filter(
            patient=patient,
            recipient_user__isnull=True,
            status__in=["sent", "failed", "skipped", "uncertain"],
        )
        .select_related("settled_by")
        .order_by("-send_at")[:MESSAGES_ON_TIMELINE]
    )
    entries += [
        TimelineEntry(
            timezone.localtime(reminder.sent_at or reminder.send_at).date(),
            "message",
            reminder,
            None,
        )
        for reminder in sent_or_not
    ]
    order = {"status": 0, "visit": 1, "message": 2, "treatment": 3, "diagnosis": 4}
    entries.sort(key=lambda entry: (entry.day, -order[entry.kind]), reverse=True)
    return {
        "diagnoses": diagnoses,
        "entries": entries,
        "patient_change": _latest_changes(Patient, [patient.pk]).get(patient.pk),
        "deleted": deleted_records(patient=patient),
    }


def deleted_records(*, patient: Patient) -> list[tuple[str, object, Change]]:
    """Diagnoses, treatments and events deleted from this record, kept by the history."""
    diagnosis_history = CancerDiagnosis.history.model.objects
    ever_ids = diagnosis_history.filter(patient_id=patient.pk).values("id")
    rows = []
    for label, queryset in (
        ("Diagnosis", diagnosis_history.filter(patient_id=patient.pk)),
        ("Treatment", Treatment.history.model.objects.filter(diagnosis_id__in=ever_ids)),
        (
            "Status event",
            DiseaseStatusEvent.history.model.objects.filter(diagnosis_id__in=ever_ids),
        ),
    ):
        for record in queryset.filter(history_type="-").select_related("history_user"):
            rows.append((label, record, _describe(record)))
    rows.sort(key=lambda row: row[2].at, reverse=True)
    return rows
