"""Import from an EHR: round trip, idempotence, all or nothing, bad input."""

import copy
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from patients.choices import DiseaseStatus, Modality
from patients.fhir import export
from patients.fhir.importer import import_bundle
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment

pytestmark = pytest.mark.django_db


def bundle_of(patient):
    return export.patient_bundle(export.everything_queryset().get(pk=patient.pk))


def clinical(bundle):
    """The clinical content: resources without our database ids and references."""
    out = []
    for entry in bundle["entry"]:
        resource = copy.deepcopy(entry["resource"])
        if resource["resourceType"] not in {
            "Patient",
            "Condition",
            "Observation",
            "Procedure",
            "MedicationRequest",
        }:
            continue
        for key in ("id", "subject", "focus", "reasonReference"):
            resource.pop(key, None)
        out.append(json.dumps(resource, sort_keys=True))
    return sorted(out)


@pytest.fixture
def helen_bundle(helen, diagnosis):
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis, event_date=date(2024, 3, 1), status=DiseaseStatus.RECURRENCE,
        recurrence_type="local", site="left breast", restage="rIIB",
    )  # fmt: skip
    Treatment.objects.create(
        diagnosis=diagnosis, modality=Modality.HORMONE, started_on=date(2022, 4, 1)
    )
    return bundle_of(helen)


def test_a_round_trip_into_an_empty_database_gives_the_same_clinical_content(helen_bundle):
    Patient.objects.all().delete()
    result = import_bundle(raw=json.dumps(helen_bundle))
    assert result.ok, result.errors
    again = bundle_of(Patient.objects.get(medical_record_number="MRN-1001"))
    assert clinical(again) == clinical(helen_bundle)


def test_reimporting_the_same_bundle_changes_nothing(helen_bundle):
    Patient.objects.all().delete()
    first = import_bundle(raw=json.dumps(helen_bundle))
    assert first.ok and first.created > 0
    counts = (
        CancerDiagnosis.objects.count(),
        Treatment.objects.count(),
        DiseaseStatusEvent.objects.count(),
    )
    second = import_bundle(raw=json.dumps(helen_bundle))
    assert (second.ok, second.created, second.updated) == (True, 0, 0)
    assert counts == (
        CancerDiagnosis.objects.count(),
        Treatment.objects.count(),
        DiseaseStatusEvent.objects.count(),
    )


EHR_BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {
            "resourceType": "Patient",
            "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}, "system": "urn:oid:1.2.3.4", "value": "EHR-77"}],  # noqa: E501
            "name": [{"family": "Okafor", "given": ["Grace"]}], "gender": "female", "birthDate": "1970-05-01"}},  # noqa: E501
        {"fullUrl": "urn:uuid:c1", "resource": {
            "resourceType": "Condition",
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C18.7"}]},
            "subject": {"reference": "urn:uuid:p1"}, "onsetDateTime": "2021-06-01"}},
        {"fullUrl": "urn:uuid:o1", "resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "21908-9"}]},
            "focus": [{"reference": "urn:uuid:c1"}],
            "valueCodeableConcept": {"coding": [{"system": "http://cancerstaging.org", "code": "IIIA"}]}}},  # noqa: E501
        {"fullUrl": "urn:uuid:o2", "resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "97509-4"}]},
            "focus": [{"reference": "urn:uuid:c1"}], "effectiveDateTime": "2022-01-15",
            "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260415000"}]}}},  # noqa: E501
        {"fullUrl": "urn:uuid:x1", "resource": {
            "resourceType": "Procedure", "status": "completed",
            "meta": {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-related-surgical-procedure"]},
            "reasonReference": [{"reference": "urn:uuid:c1"}], "performedDateTime": "2021-07-01"}},
        {"resource": {"resourceType": "Encounter", "status": "finished"}},
    ],
}  # fmt: skip


def test_it_imports_a_bundle_from_another_system_and_the_timeline_shows_it(client, nurse):
    result = import_bundle(raw=json.dumps(EHR_BUNDLE))
    assert result.ok, result.errors
    assert any("Encounter" in why for _where, why in result.notes)
    patient = Patient.objects.get(medical_record_number="EHR-77")
    diagnosis = patient.diagnoses.get()
    assert (diagnosis.cancer_type, diagnosis.stage_group) == ("colorectal", "IIIA")
    assert diagnosis.status_events.get().status == DiseaseStatus.NED
    assert diagnosis.treatments.get().modality == Modality.SURGERY
    patient.care_team.add(nurse)
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{patient.pk}/").content.decode()
    assert "Stage IIIA" in page
    assert "No evidence of disease" in page


def test_a_code_outside_the_mapping_is_kept_as_text_and_flagged(db):
    bundle = copy.deepcopy(EHR_BUNDLE)
    bundle["entry"][1]["resource"]["code"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "999"}],
        "text": "Merkel cell carcinoma",
    }
    result = import_bundle(raw=json.dumps(bundle))
    assert result.ok
    assert result.review and "outside our mapping" in result.review[0][1]
    assert CancerDiagnosis.objects.get().histology == "Merkel cell carcinoma"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"not json", "not JSON"),
        (json.dumps({"resourceType": "Patient"}), "not a FHIR Bundle"),
        (b" " * (10 * 1024 * 1024), "10 MB"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(raw, expected):
    result = import_bundle(raw=raw)
    assert not result.ok and expected in result.errors[0][1]
    assert not Patient.objects.exists()


def test_a_patient_without_an_identifier_is_refused_with_its_path():
    bundle = copy.deepcopy(EHR_BUNDLE)
    del bundle["entry"][0]["resource"]["identifier"]
    result = import_bundle(raw=json.dumps(bundle))
    assert result.errors == [("Bundle.entry[0].resource.identifier", result.errors[0][1])]
    assert not Patient.objects.exists()


def test_one_bad_resource_rolls_back_everything():
    bundle = copy.deepcopy(EHR_BUNDLE)
    bundle["entry"][4]["resource"]["performedDateTime"] = "yesterday"
    result = import_bundle(raw=json.dumps(bundle))
    assert not result.ok
    assert result.errors[0][0] == "Bundle.entry[4].resource"
    assert not Patient.objects.exists() and not CancerDiagnosis.objects.exists()


def test_the_command_imports_a_file_and_fails_loudly_on_a_bad_one(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(EHR_BUNDLE))
    call_command("fhir_import", str(good))
    assert Patient.objects.filter(medical_record_number="EHR-77").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("fhir_import", str(bad))


def test_an_administrator_uploads_a_bundle(client, administrator, nurse):

    client.force_login(nurse)
    assert client.get("/fhir/import/").status_code == 403
    client.force_login(administrator)
    assert client.get("/fhir/import/").status_code == 200
    upload = SimpleUploadedFile("b.json", json.dumps(EHR_BUNDLE).encode(), "application/json")
    response = client.post("/fhir/import/", {"file": upload})
    assert response.status_code == 302
    assert Patient.objects.filter(medical_record_number="EHR-77").exists()
    upload = SimpleUploadedFile("b.json", b"{}", "application/json")
    page = client.post("/fhir/import/", {"file": upload}).content.decode()
    assert "Nothing was imported" in page
