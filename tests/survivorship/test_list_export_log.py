"""Lists and exports are logged per patient (issue 14, finding 6).

A list page writes one entry per patient it shows, an export one per patient it carries,
each in a single insert, so the patient's "who has seen my record" shows them.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup.models import CarePlanTemplate, FollowUpVisit, SymptomReport
from followup.services import plans as services
from patients.models import CancerDiagnosis, Patient
from survivorship.models import AccessLog
from tests.support.factories import make_patient

TODAY = timezone.localdate()


def add_overdue(patient, days_overdue=10):
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type="breast", diagnosed_on=TODAY - timedelta(days=30)
    )
    plan = services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="general"),
        start_date=TODAY + timedelta(days=1),
    )
    end = TODAY - timedelta(days=days_overdue)
    for _ in range(2):  # two rows of one patient still make one entry
        FollowUpVisit.objects.create(
            plan=plan,
            patient=patient,
            kind="visit",
            label="Clinic visit",
            due_date=end - timedelta(days=14),
            window_start=end - timedelta(days=28),
            window_end=end,
        )


@pytest.fixture
def caseload(nurse, nurse2):
    ann = make_patient(nurse, "MRN-A", "Ann", "Able")
    bea = make_patient(nurse, "MRN-B", "Bea", "Baker")
    other = make_patient(nurse2, "MRN-C", "Cal", "Cole")
    for patient in (ann, bea, other):
        add_overdue(patient)
    return {"ann": ann, "bea": bea, "other": other}


def logged(**filters):
    return sorted(AccessLog.objects.filter(**filters).values_list("patient_id", flat=True))


def test_it_logs_each_patient_on_the_caseload_page_once_in_one_insert(client, nurse, caseload):
    client.force_login(nurse)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/nurse/").status_code == 200
    shown = logged(action="list", object_type="caseload", user=nurse)
    assert shown == sorted([caseload["ann"].pk, caseload["bea"].pk])
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "survivorship_accesslog"')]
    assert len(inserts) == 1


def test_it_logs_the_patients_of_the_report_queue(client, nurse, caseload):
    SymptomReport.objects.create(
        patient=caseload["ann"], submission_key="k-1", triage_level="review",
        triage_rule="test", triage_reason="test",
    )  # fmt: skip
    client.force_login(nurse)
    assert client.get("/nurse/reports/").status_code == 200
    assert logged(action="list", object_type="report queue") == [caseload["ann"].pk]


def test_it_logs_each_patient_on_the_overdue_list(client, administrator, caseload):
    client.force_login(administrator)
    assert client.get("/dashboard/overdue/").status_code == 200
    assert logged(action="list", object_type="overdue list") == sorted(
        p.pk for p in caseload.values()
    )


def test_it_logs_each_patient_exported_in_one_statement(client, nurse, caseload):
    client.force_login(nurse)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/overdue.csv")
        body = b"".join(response.streaming_content).decode()
    assert "Ann Able" in body and "Cal Cole" not in body
    exported = logged(action="export", object_type="overdue list", patient_id__isnull=False)
    assert exported == sorted([caseload["ann"].pk, caseload["bea"].pk])
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "survivorship_accesslog"')]
    # One for the export itself (it names the filters), one for all its patients.
    assert len(inserts) == 2
    entry = AccessLog.objects.filter(action="export", patient_id=caseload["ann"].pk).get()
    assert (entry.user, entry.username, entry.role) == (nurse, nurse.username, "nurse")
    assert entry.path == "/dashboard/overdue.csv" and entry.ip == "127.0.0.1"


def test_it_tells_the_patient_their_record_was_included_in_an_export(client, nurse, patient_user):
    patient = Patient.objects.get(user=patient_user)
    patient.primary_nurse = nurse
    patient.save()
    patient.care_team.add(nurse)
    add_overdue(patient)
    client.force_login(nurse)
    b"".join(client.get("/dashboard/overdue.csv").streaming_content)
    client.get("/nurse/")
    client.force_login(patient_user)
    page = client.get("/portal/access/").content.decode()
    assert f"your record was included in an export by {nurse.get_full_name()}" in page
    assert "saw your name in a list" in page
