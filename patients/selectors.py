"""Reads of patient records, always scoped to the requesting user.

Every view fetches patients, diagnoses, treatments and events through these functions;
an object outside the user's scope is simply not found (404), never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from patients.choices import RETURN_OF_DISEASE
from patients.models import (
    CancerDiagnosis,
    CaregiverGrant,
    DiseaseStatusEvent,
    Patient,
    Treatment,
)
from survivorship import audit
from survivorship.models import AccessLog


def patients_for(user) -> QuerySet[Patient]:
    return Patient.objects.for_user(user)


def patient_get(*, user, pk, action: str = "view") -> Patient:
    queryset = patients_for(user).with_current_status().select_related("primary_nurse", "user")
    return audit.get_in_scope(
        queryset, Patient, pk, action=action, patient_of=lambda patient: patient.pk
    )


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


def status_events_for_patient_view(*, patient: Patient) -> QuerySet[DiseaseStatusEvent]:
    """The patient's status events as the patient (or a caregiver) may see them: a return
    of disease nobody has yet discussed with them is left out (issue 19)."""
    return DiseaseStatusEvent.objects.filter(diagnosis__patient=patient).visible_to_patient()


def discussed_return_of(*, patient: Patient) -> DiseaseStatusEvent | None:
    """The patient's latest recurrence or progression that the care team has discussed
    with them, or None: what opens the portal's "living with a recurrence" page."""
    return (
        status_events_for_patient_view(patient=patient)
        .filter(status__in=RETURN_OF_DISEASE)
        .select_related("diagnosis")
        .order_by("-event_date", "-pk")
        .first()
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


def record_timeline(*, patient: Patient, extra_entries=()) -> dict:
    """Diagnoses, treatments and status events, newest first, with who last changed each.

    ``extra_entries`` are further ``TimelineEntry`` rows (follow-up items, messages) that
    the follow-up app adds; they are sorted in with the record's own.
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
    entries += list(extra_entries)
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


# --- Caregivers ----------------------------------------------------------------------------


def caregiver_grants_of(*, patient) -> QuerySet[CaregiverGrant]:
    """Every grant the patient gave, live or ended, newest first (for the patient and nurse)."""
    return patient.caregiver_grants.select_related("caregiver", "granted_by", "revoked_by")


def live_grants_for(*, user) -> QuerySet[CaregiverGrant]:
    """The patients a caregiver may help now."""
    return (
        CaregiverGrant.objects.live()
        .filter(caregiver=user)
        .select_related("patient")
        .order_by("patient__given_name", "patient__family_name")
    )


def caregiver_grant_for(*, user, patient_pk, permission: str = "can_see_plan") -> CaregiverGrant:
    """The caregiver's live grant for this patient, allowing ``permission``, logged as a
    read of the patient "for" them. No live grant (or not that permission): a 404, with a
    "denied" entry on the patient when the record exists."""
    grant = (
        live_grants_for(user=user).filter(patient_id=patient_pk).first()
        if str(patient_pk).isdigit()
        else None
    )
    if grant is None or not getattr(grant, permission):
        if str(patient_pk).isdigit() and Patient.objects.filter(pk=patient_pk).exists():
            audit.record(
                action="view",
                patient_id=int(patient_pk),
                object_type="patient",
                object_id=str(patient_pk),
                outcome=AccessLog.Outcome.DENIED,
            )
        raise Http404("not found")
    audit.record(action="view", patient_id=grant.patient_id, obj=grant.patient)
    return grant
