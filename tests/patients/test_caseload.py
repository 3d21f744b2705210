from datetime import date

import pytest

from patients.choices import CancerType, DiseaseStatus
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient
from tests.support.factories import make_patient


def build_caseload(nurse, count):
    patients = Patient.objects.bulk_create(
        Patient(
            medical_record_number=f"BULK-{i:04d}",
            given_name=f"Given{i}",
            family_name=f"Family{i:04d}",
            date_of_birth=date(1950 + i % 40, 1 + i % 12, 1),
            email=f"p{i}@example.org",
            primary_nurse=nurse,
        )
        for i in range(count)
    )
    Patient.care_team.through.objects.bulk_create(
        Patient.care_team.through(patient_id=p.pk, user_id=nurse.pk) for p in patients
    )
    diagnoses = CancerDiagnosis.objects.bulk_create(
        CancerDiagnosis(
            patient=p,
            cancer_type=[CancerType.BREAST, CancerType.LUNG, CancerType.COLORECTAL][i % 3],
            diagnosed_on=date(2020, 1, 1),
        )
        for i, p in enumerate(patients)
    )
    DiseaseStatusEvent.objects.bulk_create(
        DiseaseStatusEvent(diagnosis=d, event_date=date(2021, 1, 1), status=DiseaseStatus.NED)
        for d in diagnoses
    )
    return patients


@pytest.mark.parametrize("count", [5, 200])
def test_it_lists_the_caseload_in_a_constant_number_of_queries(
    client, nurse, count, django_assert_num_queries
):
    build_caseload(nurse, count)
    client.force_login(nurse)
    # session, the user with their roles, two-factor device check (2), permissions (scope,
    # one query on a cold cache), count, page, diagnoses prefetch, the due/overdue panel
    # (two lists, one count of both), the triage queue preview (empty here, so no
    # signs prefetch), the plans to review after a return of disease, and one access-log
    # insert for every patient shown: the same for 5 patients and for 200.
    with django_assert_num_queries(14):
        response = client.get("/nurse/?scope=all&sort=-name")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


def test_it_shows_my_patients_by_default_and_care_team_and_all_on_request(client, nurse, nurse2):
    mine = make_patient(nurse, "A-1", "Alma", "Mine")
    shared = make_patient(nurse2, "A-2", "Bea", "Shared")
    shared.care_team.add(nurse)
    make_patient(nurse2, "A-3", "Cleo", "Elsewhere")
    client.force_login(nurse)

    def names(query=""):
        response = client.get(f"/nurse/{query}")
        return [p.medical_record_number for p in response.context["page"].object_list]

    assert names() == [mine.medical_record_number]
    assert names("?scope=team") == ["A-1", "A-2"]
    assert names("?scope=all") == ["A-1", "A-2"]  # never a patient outside the care team


def test_it_searches_by_name_and_record_number(client, nurse):
    make_patient(nurse, "MRN-555", "Ruth", "Okonkwo")
    make_patient(nurse, "MRN-777", "Ivy", "Barnes")
    client.force_login(nurse)
    for query, expected in (
        ("okon", ["MRN-555"]),
        ("Ivy Barnes", ["MRN-777"]),
        ("777", ["MRN-777"]),
    ):
        page = client.get("/nurse/", {"scope": "all", "q": query}).context["page"]
        assert [p.medical_record_number for p in page.object_list] == expected


def test_it_filters_by_cancer_type_and_current_status(client, nurse):
    build_caseload(nurse, 6)
    client.force_login(nurse)
    page = client.get("/nurse/", {"scope": "all", "cancer_type": "lung"}).context["page"]
    assert {d.cancer_type for p in page.object_list for d in p.diagnoses.all()} == {"lung"}
    assert len(page.object_list) == 2
    assert client.get("/nurse/", {"status": "ned"}).context["page"].paginator.count == 6
    assert client.get("/nurse/", {"status": "recurrence"}).context["page"].paginator.count == 0


def test_it_sorts_only_by_allow_listed_columns_and_resets_unknown_filters_with_a_message(
    client, nurse
):
    build_caseload(nurse, 3)
    client.force_login(nurse)
    response = client.get(
        "/nurse/", {"sort": "family_name); DROP TABLE patients_patient;--", "cancer_type": "x"}
    )
    assert response.status_code == 200
    assert response.context["filters"]["sort"] == "name"
    assert response.context["filters"]["cancer_type"] == ""
    assert "were not recognised and were reset" in response.content.decode()
    ordered = client.get("/nurse/", {"sort": "-mrn"}).context["page"].object_list
    assert [p.medical_record_number for p in ordered] == ["BULK-0002", "BULK-0001", "BULK-0000"]


def test_it_paginates_long_caseloads(client, nurse):
    build_caseload(nurse, 30)
    client.force_login(nurse)
    second = client.get("/nurse/", {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert "Page 2 of 2" in second.content.decode()
    assert client.get("/nurse/", {"page": "abc"}).status_code == 200


def test_it_explains_an_empty_caseload(client, nurse):
    client.force_login(nurse)
    page = client.get("/nurse/").content.decode()
    assert "You are not the primary nurse of any patient yet" in page
