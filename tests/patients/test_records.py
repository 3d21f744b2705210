"""The nurse's forms: create, edit and delete the four kinds of record, with clear errors."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup.models import Reminder
from patients.choices import DiseaseStatus
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment
from survivorship.models import AccessLog
from tests.support.factories import make_patient

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()

NEW_PATIENT = {
    "medical_record_number": "MRN-2001",
    "given_name": "Tomás",
    "family_name": "Reyes",
    "date_of_birth": "1958-06-30",
    "sex": "male",
    "email": "tomas@example.org",
    "mobile_phone": "+14155550123",
    "preferred_channel": "email",
    "time_zone": "America/Chicago",
    "preferred_language": "es",
    "active": "on",
}


def test_it_creates_a_patient_in_my_caseload(client, nurse):
    client.force_login(nurse)
    response = client.post("/nurse/patients/new/", {**NEW_PATIENT, "primary_nurse": nurse.pk})
    patient = Patient.objects.get(medical_record_number="MRN-2001")
    assert response["Location"] == f"/nurse/patients/{patient.pk}/"
    assert patient.primary_nurse == nurse and nurse in patient.care_team.all()
    assert "Tomás Reyes was added." in client.get(response["Location"]).content.decode()


def test_it_explains_every_bad_patient_field_and_keeps_what_was_typed(client, nurse):
    make_patient(nurse, "MRN-2001")
    client.force_login(nurse)
    bad = {
        **NEW_PATIENT,
        "date_of_birth": TOMORROW,
        "email": "not-an-email",
        "mobile_phone": "555-0123",
        "time_zone": "Mars/Olympus",
    }
    response = client.post("/nurse/patients/new/", bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Another patient already has this record number." in page
    assert "Enter a valid email address." in page
    assert "international form" in page
    assert "Select a valid choice. Mars/Olympus" in page
    assert 'value="Tomás"' in page  # nothing typed is lost
    assert Patient.objects.count() == 1


def test_it_refuses_a_future_birth_date(client, nurse):
    client.force_login(nurse)
    response = client.post("/nurse/patients/new/", {**NEW_PATIENT, "date_of_birth": TOMORROW})
    assert "The date of birth cannot be in the future." in response.content.decode()


def test_it_asks_for_an_email_when_reminders_go_by_email(client, nurse):
    client.force_login(nurse)
    response = client.post("/nurse/patients/new/", {**NEW_PATIENT, "email": ""})
    assert "Reminders by email need an email address" in response.content.decode()


def test_it_edits_a_patient_and_keeps_the_primary_nurse_on_the_care_team(client, nurse, helen):
    client.force_login(nurse)
    data = {**NEW_PATIENT, "medical_record_number": helen.medical_record_number}
    response = client.post(f"/nurse/patients/{helen.pk}/edit/", {**data, "primary_nurse": nurse.pk})
    assert response.status_code == 302
    helen.refresh_from_db()
    assert helen.given_name == "Tomás"
    assert list(helen.care_team.all()) == [nurse]


def test_it_adds_a_diagnosis_and_refuses_one_before_birth_or_in_the_future(client, nurse, helen):
    client.force_login(nurse)
    url = f"/nurse/patients/{helen.pk}/diagnoses/new/"
    before_birth = client.post(url, {"cancer_type": "lung", "diagnosed_on": "1960-01-01"})
    assert "The diagnosis cannot be before the date of birth." in before_birth.content.decode()
    future = client.post(url, {"cancer_type": "lung", "diagnosed_on": TOMORROW})
    assert "cannot be in the future" in future.content.decode()
    wrong_side = client.post(
        url, {"cancer_type": "prostate", "diagnosed_on": "2024-01-01", "laterality": "left"}
    )
    assert "Left or right does not apply to prostate cancer" in wrong_side.content.decode()
    good = client.post(
        url,
        {"cancer_type": "lung", "diagnosed_on": "2024-05-01", "stage_group": "IB",
         "second_primary": "on"},
    )  # fmt: skip
    assert good.status_code == 302
    assert helen.diagnoses.filter(cancer_type="lung", second_primary=True).exists()


def test_it_accepts_a_second_primary_in_the_other_breast(client, nurse, helen):
    # Helen's first breast cancer (2022) was on the left.
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{helen.pk}/diagnoses/new/",
        {"cancer_type": "breast", "diagnosed_on": "2024-05-01", "laterality": "right",
         "second_primary": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert helen.diagnoses.filter(laterality="right", second_primary=True).exists()


def test_it_refuses_a_second_primary_in_the_same_breast_and_keeps_what_was_typed(
    client, nurse, helen
):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{helen.pk}/diagnoses/new/",
        {"cancer_type": "breast", "diagnosed_on": "2024-05-01", "laterality": "left",
         "histology": "Invasive lobular carcinoma", "stage_group": "IIA",
         "second_primary": "on"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400  # the form again, with its errors
    assert "The earlier breast cancer was on the same side." in page
    assert "usually recorded as a recurrence" in page
    form = response.context["form"]
    assert form["histology"].value() == "Invasive lobular carcinoma"
    assert form["stage_group"].value() == "IIA"
    assert form["laterality"].value() == "left"
    assert form["diagnosed_on"].value() == "2024-05-01"
    assert 'value="Invasive lobular carcinoma"' in page
    assert helen.diagnoses.count() == 1


def test_it_accepts_a_same_type_second_primary_when_the_side_is_not_recorded(client, nurse, helen):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{helen.pk}/diagnoses/new/",
        {"cancer_type": "breast", "diagnosed_on": "2024-05-01", "second_primary": "on"},
    )
    assert response.status_code == 302


def test_it_refuses_a_second_primary_with_no_earlier_cancer(client, nurse, helen):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{helen.pk}/diagnoses/new/",
        {"cancer_type": "lung", "diagnosed_on": "2021-05-01", "second_primary": "on"},
    )
    assert response.status_code == 400
    assert "this patient has no cancer diagnosed before this date" in response.content.decode()


def test_the_model_refuses_a_same_side_second_primary_for_every_entry_point(helen):
    # The form, the CSV importer and the FHIR importer all run this same full_clean.
    same_side = CancerDiagnosis(
        patient=helen, cancer_type="breast", diagnosed_on=date(2024, 5, 1),
        laterality="bilateral", second_primary=True,
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        same_side.full_clean()
    assert "usually recorded as a recurrence" in str(refused.value)
    other_type = CancerDiagnosis(
        patient=helen, cancer_type="lung", diagnosed_on=date(2024, 5, 1),
        laterality="left", second_primary=True,
    )  # fmt: skip
    other_type.full_clean()


def test_it_adds_a_treatment_and_refuses_an_end_before_the_start(client, nurse, diagnosis):
    client.force_login(nurse)
    url = f"/nurse/diagnoses/{diagnosis.pk}/treatments/new/"
    data = {"modality": "chemotherapy", "intent": "curative", "started_on": "2022-03-01"}
    bad = client.post(url, {**data, "ended_on": "2022-02-01"})
    assert "The treatment cannot end before it started." in bad.content.decode()
    good = client.post(url, {**data, "ended_on": "2022-07-01", "lasting_side_effects": "Tiredness"})
    assert good.status_code == 302
    assert diagnosis.treatments.filter(modality="chemotherapy", ended_on=date(2022, 7, 1)).exists()


def test_it_records_a_return_of_disease_and_shows_the_classification_on_the_timeline(
    client, nurse, helen, diagnosis
):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/diagnoses/{diagnosis.pk}/status/new/",
        {
            "event_date": "2025-10-01",
            "reported_status": "return",
            "recurrence_type": "distant",
            "site": "bone",
            "restage": "rIV",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Distant recurrence of breast cancer" in page
    assert "no evidence of disease since 2022-09-01, 37 months: recurrence" in page
    assert "restaged rIV (stage at diagnosis IIA)" in page
    assert "Recurrence</span>" in page  # current status badge in the header


def test_it_shows_the_override_note_requirement_next_to_the_field(client, nurse, diagnosis):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/diagnoses/{diagnosis.pk}/status/new/",
        {
            "event_date": "2023-01-15",
            "reported_status": "return",
            "override_status": "recurrence",
            "recurrence_type": "local",
        },
    )
    assert response.status_code == 400
    assert "The record suggests progression" in response.content.decode()
    assert not DiseaseStatusEvent.objects.filter(event_date=date(2023, 1, 15)).exists()


def test_it_edits_a_status_event(client, nurse, diagnosis):
    event = diagnosis.status_events.get()
    client.force_login(nurse)
    page = client.get(f"/nurse/status/{event.pk}/edit/")
    assert page.status_code == 200
    response = client.post(
        f"/nurse/status/{event.pk}/edit/",
        {"event_date": "2022-10-01", "reported_status": "stable"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.event_date, event.status) == (date(2022, 10, 1), DiseaseStatus.STABLE)


def test_it_asks_before_deleting_and_keeps_the_deletion_in_history(client, nurse, diagnosis):
    treatment = diagnosis.treatments.get()
    client.force_login(nurse)
    confirm = client.get(f"/nurse/treatments/{treatment.pk}/delete/")
    assert "Yes, delete" in confirm.content.decode()
    assert Treatment.objects.filter(pk=treatment.pk).exists()  # a GET deletes nothing
    response = client.post(f"/nurse/treatments/{treatment.pk}/delete/")
    assert not Treatment.objects.filter(pk=treatment.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Deleted from this record (1)" in page
    assert f"deleted by {nurse.get_full_name() or nurse.username}" in page
    assert Treatment.history.filter(id=treatment.pk, history_type="-").exists()


def test_it_deletes_a_whole_patient_record_after_confirmation(client, nurse, helen):
    client.force_login(nurse)
    assert "Yes, delete" in client.get(f"/nurse/patients/{helen.pk}/delete/").content.decode()
    response = client.post(f"/nurse/patients/{helen.pk}/delete/")
    assert response["Location"] == "/nurse/"
    assert not Patient.objects.exists()
    assert Patient.history.filter(id=helen.pk, history_type="-").exists()
    assert CancerDiagnosis.history.filter(patient_id=helen.pk, history_type="-").exists()


def test_it_shows_who_changed_each_record_and_when(client, nurse, helen):
    client.force_login(nurse)
    client.post(
        f"/nurse/patients/{helen.pk}/diagnoses/new/",
        {"cancer_type": "melanoma", "diagnosed_on": "2023-03-03"},
    )
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    name = nurse.get_full_name() or nurse.username
    assert f"Added by {name} on" in page


def test_it_puts_the_timeline_newest_first(client, nurse, helen):
    client.force_login(nurse)
    entries = client.get(f"/nurse/patients/{helen.pk}/").context["entries"]
    days = [entry.day for entry in entries]
    assert days == sorted(days, reverse=True)
    assert [entry.kind for entry in entries] == ["status", "treatment", "diagnosis"]


def test_it_shows_the_patient_header(client, nurse, helen):
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "Helen Marsh" in page and "MRN-1001" in page
    assert "No evidence of disease" in page and "born 1965-04-12" in page


def test_it_shows_a_patient_without_a_primary_nurse_everywhere(client, nurse, helen):
    Patient.objects.filter(pk=helen.pk).update(primary_nurse=None)
    client.force_login(nurse)  # still on the care team
    page = client.get(f"/nurse/patients/{helen.pk}/")
    assert page.status_code == 200 and "Primary nurse" in page.content.decode()
    assert client.get("/nurse/?scope=team").status_code == 200


def test_a_care_team_nurse_cannot_make_herself_primary_or_remove_the_primary_nurse(
    client, nurse, nurse2, helen
):
    """Issue 14, finding 5: the edit form bypassed the administrator-only reassign."""
    helen.care_team.add(nurse2)
    client.force_login(nurse2)
    data = {**NEW_PATIENT, "medical_record_number": helen.medical_record_number}
    client.post(
        f"/nurse/patients/{helen.pk}/edit/",
        {**data, "primary_nurse": nurse2.pk, "care_team": [nurse2.pk]},
    )
    helen.refresh_from_db()
    assert helen.primary_nurse == nurse
    assert set(helen.care_team.all()) == {nurse, nurse2}


def test_a_nurse_cannot_remove_another_member_of_the_care_team(client, nurse, nurse2, helen):
    helen.care_team.add(nurse2)
    client.force_login(nurse)
    data = {**NEW_PATIENT, "medical_record_number": helen.medical_record_number}
    response = client.post(
        f"/nurse/patients/{helen.pk}/edit/", {**data, "primary_nurse": nurse.pk, "care_team": []}
    )
    assert response.status_code == 400
    assert "Only an administrator can remove someone from the care team" in (
        response.content.decode()
    )
    assert set(helen.care_team.all()) == {nurse, nurse2}


def test_a_nurse_may_add_only_herself_to_the_care_team_and_it_is_logged(
    client, nurse, nurse2, helen
):

    helen.care_team.remove(nurse)
    client.force_login(nurse)
    data = {**NEW_PATIENT, "medical_record_number": helen.medical_record_number}
    refused = client.post(
        f"/nurse/patients/{helen.pk}/edit/",
        {**data, "primary_nurse": nurse.pk, "care_team": [nurse2.pk]},
    )
    assert refused.status_code == 400
    assert "ask an administrator to add someone else" in refused.content.decode()
    assert nurse2 not in helen.care_team.all()
    response = client.post(
        f"/nurse/patients/{helen.pk}/edit/",
        {**data, "primary_nurse": nurse.pk, "care_team": [nurse.pk]},
    )
    assert response.status_code == 302
    assert set(helen.care_team.all()) == {nurse}
    assert AccessLog.objects.filter(
        action="team-add", patient_id=helen.pk, object_id=str(nurse.pk)
    ).exists()


def test_it_records_consent_to_reminders_with_channel_date_and_how(client, nurse):
    client.force_login(nurse)
    form = client.get("/nurse/patients/new/").content.decode()
    assert "Date consent to reminders was given" in form and "How consent was given" in form
    consent = {
        "reminder_consent_on": "2026-11-02",
        "reminder_consent_channel": "email",
        "reminder_consent_method": "in_person",
    }
    response = client.post(
        "/nurse/patients/new/", {**NEW_PATIENT, **consent, "primary_nurse": nurse.pk}
    )
    assert response.status_code == 302
    patient = Patient.objects.get(medical_record_number="MRN-2001")
    assert timezone.localdate(patient.reminder_consent_at) == date(2026, 11, 2)
    assert (patient.reminder_consent_channel, patient.reminder_consent_method) == (
        "email",
        "in_person",
    )
    page = client.get(response["Location"]).content.decode()
    assert "Consent to reminders: Email, 2026-11-02, in person at the clinic" in page
    # Editing keeps it (the date shows again); clearing the date withdraws it.
    edit = client.get(f"/nurse/patients/{patient.pk}/edit/").content.decode()
    assert 'value="2026-11-02"' in edit
    data = {**NEW_PATIENT, "primary_nurse": nurse.pk}
    client.post(f"/nurse/patients/{patient.pk}/edit/", data)
    patient.refresh_from_db()
    assert patient.reminder_consent_at is None and patient.reminder_consent_channel == ""
    assert "No consent to reminders on file" in client.get(response["Location"]).content.decode()


def test_it_explains_incomplete_or_mismatched_consent(client, nurse):
    client.force_login(nurse)
    no_date = client.post(
        "/nurse/patients/new/", {**NEW_PATIENT, "reminder_consent_method": "phone"}
    ).content.decode()
    assert "Add the date the patient agreed to reminders" in no_date
    incomplete = client.post(
        "/nurse/patients/new/",
        {**NEW_PATIENT, "reminder_consent_on": TOMORROW, "reminder_consent_channel": "sms"},
    ).content.decode()
    assert "Consent cannot be dated in the future." in incomplete
    assert "but reminders are set to go by email" in incomplete
    assert "Say how the patient gave consent." in incomplete
    assert not Patient.objects.filter(medical_record_number="MRN-2001").exists()


def _reminder(patient, n, **fields):
    return Reminder.objects.create(
        kind="overdue", channel="email", patient=patient, dedupe_key=f"test:{patient.pk}:{n}",
        send_at=timezone.now() - timedelta(hours=n), **fields,
    )  # fmt: skip


def test_the_patient_page_shows_what_really_became_of_each_reminder(
    client, nurse, helen, django_assert_num_queries
):
    client.force_login(nurse)
    empty = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "No reminders yet." in empty
    _reminder(helen, 1, status="skipped", skip_reason="no consent to reminders on file")
    _reminder(helen, 2, status="sent", sent_at=timezone.now())
    _reminder(helen, 3, status="failed", last_error="mailbox full")
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "Not sent</strong>: no consent to reminders on file" in page
    assert "Not delivered</strong>: mailbox full" in page
    assert ">Sent<" in page
    # One query for the reminders, however many there are.
    with CaptureQueriesContext(connection) as few:
        client.get(f"/nurse/patients/{helen.pk}/")
    for n in range(4, 12):
        _reminder(helen, n, status="pending")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"/nurse/patients/{helen.pk}/")


def test_the_header_shows_each_diagnosis_status_when_there_are_two(client, nurse, helen, diagnosis):
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis, event_date=date(2025, 1, 10), status=DiseaseStatus.NED
    )
    second = CancerDiagnosis.objects.create(
        patient=helen, cancer_type="lung", diagnosed_on=date(2025, 6, 1), second_primary=True
    )
    DiseaseStatusEvent.objects.create(
        diagnosis=second, event_date=date(2025, 9, 1), status=DiseaseStatus.STABLE
    )
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    header = page.split('data-testid="current-status"', 1)[1].split("</dd>", 1)[0]
    assert "No evidence of disease" in header and "since 2025-01-10" in header
    assert "Stable" in header and "since 2025-09-01" in header
