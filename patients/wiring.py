"""What the patients app tells the bottom layer: who is a patient, and what to audit."""

from django.db.models import OuterRef, Subquery

from patients.models import (
    CancerDiagnosis,
    CaregiverGrant,
    DiseaseStatusEvent,
    Patient,
    Treatment,
)
from survivorship import audit, directory


def _patient_id_of(user) -> int | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return Patient.objects.filter(user=user).values_list("pk", flat=True).first()


def _patient_id_expression():
    return Subquery(Patient.objects.filter(user=OuterRef("pk")).values("pk")[:1])


def _preferred_language_expression():
    return Subquery(Patient.objects.filter(user=OuterRef("pk")).values("preferred_language")[:1])


def _preferred_language_of(user) -> str | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return Patient.objects.filter(user=user).values_list("preferred_language", flat=True).first()


def _record_numbers(ids) -> dict[int, str]:
    return dict(Patient.objects.filter(pk__in=set(ids)).values_list("pk", "medical_record_number"))


def _patient_id_by_record_number(number: str) -> int | None:
    return Patient.objects.filter(medical_record_number=number).values_list("pk", flat=True).first()


def _treatment_patient(treatment) -> int | None:
    return treatment.diagnosis.patient_id if treatment.diagnosis_id else None


def _via_diagnosis(obj) -> int | None:
    return obj.diagnosis.patient_id


def connect() -> None:
    directory.register(
        directory.PatientDirectory(
            patient_id_of=_patient_id_of,
            record_numbers=_record_numbers,
            patient_id_by_record_number=_patient_id_by_record_number,
            patient_id_expression=_patient_id_expression,
            primary_patients_of=lambda user_ids: Patient.objects.filter(
                primary_nurse_id__in=list(user_ids), active=True
            ).count(),
            preferred_language_of=_preferred_language_of,
            preferred_language_expression=_preferred_language_expression,
        )
    )
    audit.register(Patient, patient_of=lambda patient: patient.pk)
    audit.register(CancerDiagnosis)
    audit.register(Treatment, patient_of=_treatment_patient)
    audit.register(DiseaseStatusEvent, patient_of=_via_diagnosis)
    audit.register(CaregiverGrant)
