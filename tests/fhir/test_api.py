"""The FHIR read API: tokens, scopes, care-team grants, access log, query counts."""

import pytest
from django.core.management import call_command
from oauth2_provider.models import Application

from patients.fhir.mapping import MRN_SYSTEM
from patients.models import FhirClient, Patient
from survivorship.models import AccessLog
from tests.support.factories import make_patient

pytestmark = pytest.mark.django_db
EVERYTHING_QUERIES = 11


def get(client, path, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers)


def test_it_serves_a_capability_statement(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["resourceType"] == "CapabilityStatement"


def test_it_refuses_a_request_without_a_token_with_an_operation_outcome(client, helen):
    response = get(client, f"/fhir/Patient/{helen.pk}/$everything")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "Helen" not in response.content.decode()


def test_it_refuses_a_token_without_the_scope(client, helen, nurse, make_token):
    token = make_token([nurse], scope="system/Observation.read")
    response = get(client, f"/fhir/Patient/{helen.pk}", token)
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "Marsh" not in response.content.decode()


def test_it_hides_another_care_teams_patient(client, helen, nurse2, make_token):
    token = make_token([nurse2])
    for path in (f"/fhir/Patient/{helen.pk}", f"/fhir/Patient/{helen.pk}/$everything"):
        response = get(client, path, token)
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
        assert "Marsh" not in response.content.decode()
    search = get(client, f"/fhir/Patient?identifier=|{helen.medical_record_number}", token)
    assert search.json()["total"] == 0


def test_it_reads_a_granted_patient_and_logs_it_under_the_clients_name(
    client, helen, nurse, make_token
):
    token = make_token([nurse])
    response = get(client, f"/fhir/Patient/{helen.pk}", token)
    assert response.status_code == 200
    assert response.json()["identifier"][0]["value"] == "MRN-1001"
    entry = AccessLog.objects.filter(patient_id=helen.pk).latest("pk")
    assert (entry.username, entry.role, entry.action) == (
        "Riverside EHR",
        "api client",
        "fhir read",
    )


def test_it_finds_a_patient_by_identifier(client, helen, nurse, make_token):

    token = make_token([nurse])
    response = get(client, f"/fhir/Patient?identifier={MRN_SYSTEM}|MRN-1001", token)
    body = response.json()
    assert (body["type"], body["total"]) == ("searchset", 1)
    assert body["entry"][0]["resource"]["id"] == str(helen.pk)
    assert get(client, "/fhir/Patient?identifier=", token).status_code == 400


def test_it_issues_a_token_by_client_credentials_and_serves_everything(client, helen, nurse):

    app = Application.objects.create(
        name="EHR",
        client_id="ehr-client",
        client_secret="ehr-secret-123",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    FhirClient.objects.create(name="EHR", application=app).care_teams.add(nurse)
    response = client.post(
        "/fhir/auth/token",
        {"grant_type": "client_credentials", "scope": "system/Patient.read"},
        HTTP_AUTHORIZATION="Basic ZWhyLWNsaWVudDplaHItc2VjcmV0LTEyMw==",
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    bundle = get(client, f"/fhir/Patient/{helen.pk}/$everything", token).json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"


def test_it_serves_everything_at_a_constant_query_count(
    client, nurse, make_token, django_assert_num_queries
):

    call_command("seed_demo", verbosity=0)
    token = make_token([nurse])
    full = Patient.objects.filter(care_plans__isnull=False, symptom_reports__isnull=False)
    full = list(full.distinct().order_by("pk")[:2])
    assert len(full) == 2
    sizes = []
    for patient in full:
        patient.care_team.add(nurse)
        # token, client, grant+patient, 7 prefetches (diagnoses, treatments, status,
        # plans, visits, reports, signs), the access log entry.
        with django_assert_num_queries(EVERYTHING_QUERIES):
            response = get(client, f"/fhir/Patient/{patient.pk}/$everything", token)
        sizes.append(len(response.json()["entry"]))
    assert sizes[0] != sizes[1] or sizes[0] > 5


def test_a_nurse_downloads_the_bundle_and_another_nurse_gets_404(client, helen, nurse, nurse2):
    client.force_login(nurse)
    response = client.get(f"/fhir/download/Patient/{helen.pk}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.json()["type"] == "collection"
    client.force_login(nurse2)
    assert client.get(f"/fhir/download/Patient/{helen.pk}").status_code == 404


def test_it_builds_the_same_bundle_for_a_second_patient(client, nurse, make_token):
    other = make_patient(nurse, mrn="MRN-2002", given="Ivo", family="Park")
    token = make_token([nurse])
    assert get(client, f"/fhir/Patient/{other.pk}", token).json()["name"][0]["family"] == "Park"
