"""Every exported resource parses and validates with fhir.resources (R4B models)."""

from datetime import date

import pytest
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle

from followup.models import SymptomReport
from followup.services import reports as reporting
from patients.choices import DiseaseStatus, Modality
from patients.fhir import export
from patients.fhir import mapping as m
from patients.models import DiseaseStatusEvent, Patient, Treatment

pytestmark = pytest.mark.django_db


def bundle_of(patient):
    return export.patient_bundle(export.everything_queryset().get(pk=patient.pk))


def validate(bundle: dict) -> Bundle:
    return Bundle.model_validate(bundle)


def test_it_exports_helen_as_a_valid_mcode_bundle(helen, diagnosis):
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis,
        event_date=date(2024, 3, 1),
        status=DiseaseStatus.RECURRENCE,
        recurrence_type="distant",
        site="bone",
        restage="rIV",
    )
    Treatment.objects.create(
        diagnosis=diagnosis, modality=Modality.RADIATION, started_on=date(2022, 3, 1)
    )
    Treatment.objects.create(
        diagnosis=diagnosis, modality=Modality.HORMONE, started_on=date(2022, 4, 1)
    )
    bundle = bundle_of(helen)
    parsed = validate(bundle)
    assert parsed.type == "collection"
    profiles = {e["resource"]["meta"]["profile"][0] for e in bundle["entry"]}
    for key in (
        "Patient",
        "PrimaryCancerCondition",
        "SecondaryCancerCondition",
        "TNMStageGroup",
        "CancerDiseaseStatus",
        "CancerRelatedSurgicalProcedure",
        "RadiotherapyCourseSummary",
        "CancerRelatedMedicationRequest",
    ):
        assert m.PROFILES[key] in profiles, key
    assert all(e["resource"]["meta"]["profile"] for e in bundle["entry"])
    condition = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["id"].startswith("dx-")
    )
    assert {
        "system": m.SNOMED,
        "code": "254837009",
        "display": "Malignant neoplasm of breast",
    } in condition["code"]["coding"]


def test_it_exports_the_demo_patients_as_valid_bundles(db):

    call_command("seed_demo", verbosity=0)
    patients = list(Patient.objects.all())
    assert patients
    kinds = set()
    for patient in patients:
        bundle = bundle_of(patient)
        validate(bundle)
        kinds |= {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"CarePlan", "ServiceRequest", "Questionnaire", "QuestionnaireResponse"} <= kinds


def test_a_report_taken_by_phone_says_so(helen, diagnosis):
    report = reporting.report_submit(patient=helen, submission_key="p" * 32, signs=[])
    SymptomReport.objects.filter(pk=report.report.pk).update(by_phone=True)
    bundle = bundle_of(helen)
    validate(bundle)
    (response,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert response["author"]["display"] == "Care team nurse, by phone"
    assert "source" not in response, "the answers are the patient's own"
